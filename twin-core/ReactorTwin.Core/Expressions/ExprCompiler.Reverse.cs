using LinqExpr = System.Linq.Expressions.Expression;
using ParamExpr = System.Linq.Expressions.ParameterExpression;

namespace ReactorTwin.Core.Expressions;

/// <summary>Reverse-mode (vector–Jacobian) code generation over the shared expression graph of a list of outputs.</summary>
internal static partial class ExprCompiler
{
    /// <summary>
    /// Compiles the vector–Jacobian product of <paramref name="outputs"/> by reverse accumulation over their shared
    /// expression graph (source-to-source reverse-mode differentiation): with adjoint weights λ_k read from
    /// <c>state[seedOffset + k]</c>, the delegate writes <c>output[m] = Σ_k λ_k ∂e_k/∂z_m</c> for the first
    /// <paramref name="stateCount"/> state components and <c>output[stateCount + j] = Σ_k λ_k ∂e_k/∂θ_j</c> for the
    /// <paramref name="parameterCount"/> parameters. Every node is evaluated once forward and visited once backward,
    /// so the product costs a small multiple of evaluating the outputs, unlike symbolic derivatives per variable.
    /// </summary>
    public static VectorFunction CompileVectorJacobian(IReadOnlyList<Expr> outputs, int seedOffset, int stateCount, int parameterCount)
    {
        var z = LinqExpr.Parameter(typeof(double[]), "z");
        var p = LinqExpr.Parameter(typeof(double[]), "p");
        var o = LinqExpr.Parameter(typeof(double[]), "o");

        // Unique nodes in post-order (children first).
        var index = new Dictionary<Expr, int>();
        var nodes = new List<Expr>();
        foreach (var e in outputs)
        {
            Order(e, index, nodes);
        }

        // Which forward values the reverse sweep reads (operands of non-linear operations), and how often each node
        // is used by its parents. Only those and the shared nodes get a local; the rest is inlined, and values nothing
        // reads are not computed at all (keeping the method's locals few enough for the JIT to register them).
        int count = nodes.Count;
        var needed = new bool[count];
        var uses = new int[count];
        for (int i = 0; i < count; i++)
        {
            switch (nodes[i])
            {
                case Unary u:
                {
                    int c = index[u.Operand];
                    uses[c]++;
                    needed[i] |= u.Op is UnaryOp.Exp or UnaryOp.Sqrt;
                    needed[c] |= u.Op is UnaryOp.Log or UnaryOp.PositivePart;
                    break;
                }

                case Binary b:
                {
                    int l = index[b.Left], r = index[b.Right];
                    uses[l]++;
                    uses[r]++;
                    switch (b.Op)
                    {
                        case BinaryOp.Multiply:
                            needed[l] = needed[r] = true;
                            break;
                        case BinaryOp.Divide:
                            needed[r] = needed[i] = true;
                            break;
                        case BinaryOp.Power when b.Right is Const:
                            needed[l] = true;
                            break;
                        case BinaryOp.Power:
                            needed[l] = needed[r] = needed[i] = true;
                            break;
                    }

                    break;
                }

                case Conditional cond:
                    needed[index[cond.Condition]] = true; // the reverse sweep routes the adjoint by it
                    foreach (var child in Algebra.Children(cond))
                    {
                        uses[index[child]]++;
                    }

                    break;
                case Compare or Logical:
                    foreach (var child in Algebra.Children(nodes[i]))
                    {
                        uses[index[child]]++;
                    }

                    break;
            }
        }

        var body = new List<LinqExpr>();
        var locals = new List<ParamExpr>();
        var value = new LinqExpr[count];
        for (int i = 0; i < count; i++)
        {
            var e = nodes[i];
            value[i] = e switch
            {
                Const c => LinqExpr.Constant(c.Value),
                Sym { Kind: SymbolKind.State } sym => LinqExpr.ArrayIndex(z, LinqExpr.Constant(sym.Index)),
                Sym { Kind: SymbolKind.Parameter or SymbolKind.Time or SymbolKind.Input } sym => LinqExpr.ArrayIndex(p, LinqExpr.Constant(sym.Index)),
                Unary u => UnaryValue(u.Op, value[index[u.Operand]]),
                Binary b => BinaryValue(b, value[index[b.Left]], value[index[b.Right]]),
                Compare c => Indicator(CompareTest(c.Op, value[index[c.Left]], value[index[c.Right]])),
                Logical l => Indicator(LogicalTest(l, value, index)),
                Conditional c => LinqExpr.Condition(Truth(value[index[c.Condition]]), value[index[c.Then]], value[index[c.Else]]),
                _ => throw new InvalidOperationException(e.GetType().Name),
            };
            if (e is Const or Sym || !(needed[i] || uses[i] > 1))
            {
                continue;
            }

            var local = LinqExpr.Variable(typeof(double), "v" + i);
            locals.Add(local);
            body.Add(LinqExpr.Assign(local, value[i]));
            value[i] = local;
        }

        // Outputs start at zero; symbols' adjoints accumulate straight into them.
        for (int m = 0; m < stateCount + parameterCount; m++)
        {
            body.Add(LinqExpr.Assign(LinqExpr.ArrayAccess(o, LinqExpr.Constant(m)), LinqExpr.Constant(0.0)));
        }

        // Adjoints of inner nodes live in locals taken from a pool and returned once the node has been processed.
        var adjoint = new ParamExpr?[count];
        var pool = new Stack<ParamExpr>();
        void Accumulate(int node, LinqExpr contribution)
        {
            switch (nodes[node])
            {
                case Const:
                    return;
                case Compare or Logical:
                    return; // piecewise constant
                case Sym sym:
                {
                    if (sym.Kind is not (SymbolKind.State or SymbolKind.Parameter))
                    {
                        return; // time and inputs are not differentiation variables
                    }

                    bool inRange = sym.Kind == SymbolKind.State ? sym.Index < stateCount : sym.Index < parameterCount;
                    if (inRange)
                    {
                        int slot = sym.Kind == SymbolKind.State ? sym.Index : stateCount + sym.Index;
                        body.Add(LinqExpr.AddAssign(LinqExpr.ArrayAccess(o, LinqExpr.Constant(slot)), contribution));
                    }

                    return;
                }
            }

            if (adjoint[node] is { } a)
            {
                body.Add(LinqExpr.AddAssign(a, contribution));
                return;
            }

            if (!pool.TryPop(out var fresh))
            {
                fresh = LinqExpr.Variable(typeof(double), "a" + locals.Count);
                locals.Add(fresh);
            }

            adjoint[node] = fresh;
            body.Add(LinqExpr.Assign(fresh, contribution));
        }

        for (int k = 0; k < outputs.Count; k++)
        {
            Accumulate(index[outputs[k]], LinqExpr.ArrayIndex(z, LinqExpr.Constant(seedOffset + k)));
        }

        for (int i = count - 1; i >= 0; i--)
        {
            var a = adjoint[i];
            if (a is null)
            {
                continue;
            }

            switch (nodes[i])
            {
                case Unary u:
                {
                    int c = index[u.Operand];
                    var vc = value[c];
                    switch (u.Op)
                    {
                        case UnaryOp.Negate:
                            Accumulate(c, LinqExpr.Negate(a));
                            break;
                        case UnaryOp.Exp:
                            Accumulate(c, LinqExpr.Multiply(a, value[i]));
                            break;
                        case UnaryOp.Log:
                            Accumulate(c, LinqExpr.Divide(a, vc));
                            break;
                        case UnaryOp.Sqrt:
                            Accumulate(c, LinqExpr.Divide(LinqExpr.Multiply(LinqExpr.Constant(0.5), a), value[i]));
                            break;
                        case UnaryOp.PositivePart:
                            Accumulate(c, LinqExpr.Condition(LinqExpr.GreaterThan(vc, LinqExpr.Constant(0.0)), a, LinqExpr.Constant(0.0)));
                            break;
                        case UnaryOp.Step:
                            break;
                        default:
                            throw new InvalidOperationException(u.Op.ToString());
                    }

                    break;
                }

                case Conditional cond:
                {
                    var test = Truth(value[index[cond.Condition]]);
                    Accumulate(index[cond.Then], LinqExpr.Condition(test, a, LinqExpr.Constant(0.0)));
                    Accumulate(index[cond.Else], LinqExpr.Condition(test, LinqExpr.Constant(0.0), a));
                    break;
                }

                case Binary b:
                {
                    int l = index[b.Left], r = index[b.Right];
                    LinqExpr vl = value[l], vr = value[r];
                    switch (b.Op)
                    {
                        case BinaryOp.Add:
                            Accumulate(l, a);
                            Accumulate(r, a);
                            break;
                        case BinaryOp.Subtract:
                            Accumulate(l, a);
                            Accumulate(r, LinqExpr.Negate(a));
                            break;
                        case BinaryOp.Multiply:
                            Accumulate(l, LinqExpr.Multiply(a, vr));
                            Accumulate(r, LinqExpr.Multiply(a, vl));
                            break;
                        case BinaryOp.Divide:
                            // v = l/r: ∂v/∂l = 1/r, ∂v/∂r = −v/r.
                            Accumulate(l, LinqExpr.Divide(a, vr));
                            Accumulate(r, LinqExpr.Negate(LinqExpr.Divide(LinqExpr.Multiply(a, value[i]), vr)));
                            break;
                        case BinaryOp.Power when b.Right is Const { Value: var c }:
                            Accumulate(l, LinqExpr.Multiply(a, c == 2.0
                                ? LinqExpr.Multiply(LinqExpr.Constant(2.0), vl)
                                : LinqExpr.Multiply(LinqExpr.Constant(c), PowCall(vl, LinqExpr.Constant(c - 1.0)))));
                            break;
                        case BinaryOp.Power:
                            Accumulate(l, LinqExpr.Multiply(a, LinqExpr.Multiply(vr, PowCall(vl, LinqExpr.Subtract(vr, LinqExpr.Constant(1.0))))));
                            Accumulate(r, LinqExpr.Multiply(a, LinqExpr.Multiply(value[i], LinqExpr.Call(typeof(Math).GetMethod(nameof(Math.Log), [typeof(double)])!, vl))));
                            break;
                        default:
                            throw new InvalidOperationException(b.Op.ToString());
                    }

                    break;
                }
            }

            pool.Push(a);
        }

        body.Add(LinqExpr.Empty());
        return LinqExpr.Lambda<VectorFunction>(LinqExpr.Block(locals, body), z, p, o).Compile();
    }

    private static System.Linq.Expressions.ConditionalExpression Indicator(LinqExpr test) => LinqExpr.Condition(test, LinqExpr.Constant(1.0), LinqExpr.Constant(0.0));

    private static System.Linq.Expressions.BinaryExpression Truth(LinqExpr value) => LinqExpr.NotEqual(value, LinqExpr.Constant(0.0));

    private static LinqExpr LogicalTest(Logical l, LinqExpr[] value, Dictionary<Expr, int> index) => l.Op switch
    {
        LogicalOp.Not => LinqExpr.Not(Truth(value[index[l.Left]])),
        LogicalOp.And => LinqExpr.AndAlso(Truth(value[index[l.Left]]), Truth(value[index[l.Right!]])),
        _ => LinqExpr.OrElse(Truth(value[index[l.Left]]), Truth(value[index[l.Right!]])),
    };

    private static void Order(Expr e, Dictionary<Expr, int> index, List<Expr> nodes)
    {
        if (index.ContainsKey(e))
        {
            return;
        }

        foreach (var child in Algebra.Children(e))
        {
            Order(child, index, nodes);
        }

        index[e] = nodes.Count;
        nodes.Add(e);
    }

    private static System.Linq.Expressions.MethodCallExpression PowCall(LinqExpr a, LinqExpr b) => LinqExpr.Call(typeof(Math).GetMethod(nameof(Math.Pow))!, a, b);

    private static LinqExpr UnaryValue(UnaryOp op, LinqExpr a) => op switch
    {
        UnaryOp.Negate => LinqExpr.Negate(a),
        UnaryOp.Exp => LinqExpr.Call(typeof(Math).GetMethod(nameof(Math.Exp))!, a),
        UnaryOp.Log => LinqExpr.Call(typeof(Math).GetMethod(nameof(Math.Log), [typeof(double)])!, a),
        UnaryOp.Sqrt => LinqExpr.Call(typeof(Math).GetMethod(nameof(Math.Sqrt))!, a),
        UnaryOp.PositivePart => LinqExpr.Call(typeof(Math).GetMethod(nameof(Math.Max), [typeof(double), typeof(double)])!, a, LinqExpr.Constant(0.0)),
        UnaryOp.Step => LinqExpr.Condition(LinqExpr.GreaterThan(a, LinqExpr.Constant(0.0)), LinqExpr.Constant(1.0), LinqExpr.Constant(0.0)),
        _ => throw new InvalidOperationException(op.ToString()),
    };

    private static LinqExpr BinaryValue(Binary b, LinqExpr l, LinqExpr r) => b.Op switch
    {
        BinaryOp.Add => LinqExpr.Add(l, r),
        BinaryOp.Subtract => LinqExpr.Subtract(l, r),
        BinaryOp.Multiply => LinqExpr.Multiply(l, r),
        BinaryOp.Divide => LinqExpr.Divide(l, r),
        BinaryOp.Power when b.Right is Const { Value: 2.0 } => LinqExpr.Multiply(l, l),
        BinaryOp.Power when b.Right is Const { Value: 3.0 } => LinqExpr.Multiply(LinqExpr.Multiply(l, l), l),
        BinaryOp.Power => PowCall(l, r),
        _ => throw new InvalidOperationException(b.Op.ToString()),
    };
}
