using LinqExpr = System.Linq.Expressions.Expression;
using ParamExpr = System.Linq.Expressions.ParameterExpression;

namespace ReactorTwin.Core.Expressions;

/// <summary>
/// Evaluates a fixed list of expressions into an output array: <c>output[k] = e_k(state, parameters)</c>.
/// The three arrays are caller-owned workspaces; the delegate never allocates.
/// </summary>
/// <param name="state">State vector z (species, then cell phases).</param>
/// <param name="parameters">The argument vector: θ on its natural scale, then (for formulas that use them) the time and the inputs.</param>
/// <param name="output">Receives one value per compiled expression.</param>
internal delegate void VectorFunction(double[] state, double[] parameters, double[] output);

/// <summary>
/// Compiles bound expression trees to one delegate through System.Linq.Expressions, with common-subexpression
/// elimination across all outputs (a Michaelis–Menten denominator shared by a rate and its derivatives is
/// evaluated once). Integer powers 2 and 3 become products; other powers call <see cref="Math.Pow"/>.
/// </summary>
internal static partial class ExprCompiler
{
    /// <summary>Compiles <paramref name="outputs"/> (null entries are written as 0) into one delegate.</summary>
    public static VectorFunction Compile(IReadOnlyList<Expr?> outputs)
    {
        var z = LinqExpr.Parameter(typeof(double[]), "z");
        var p = LinqExpr.Parameter(typeof(double[]), "p");
        var o = LinqExpr.Parameter(typeof(double[]), "o");

        // Count sub-expression occurrences across all outputs; repeated non-leaf nodes get a local.
        var counts = new Dictionary<Expr, int>();
        foreach (var e in outputs)
        {
            if (e is not null)
            {
                Count(e, counts);
            }
        }

        var emitter = new Emitter(z, p, counts);
        var body = new List<LinqExpr>();
        for (int k = 0; k < outputs.Count; k++)
        {
            var e = outputs[k];
            var value = e is null ? LinqExpr.Constant(0.0) : emitter.Emit(e);
            body.Add(LinqExpr.Assign(LinqExpr.ArrayAccess(o, LinqExpr.Constant(k)), value));
        }

        body.Add(LinqExpr.Empty());
        var block = LinqExpr.Block(emitter.Locals, body);
        return LinqExpr.Lambda<VectorFunction>(block, z, p, o).Compile();
    }

    /// <summary>A comparison of two doubles as a Boolean expression.</summary>
    internal static LinqExpr CompareTest(CompareOp op, LinqExpr l, LinqExpr r) => op switch
    {
        CompareOp.Less => LinqExpr.LessThan(l, r),
        CompareOp.LessOrEqual => LinqExpr.LessThanOrEqual(l, r),
        CompareOp.Greater => LinqExpr.GreaterThan(l, r),
        CompareOp.GreaterOrEqual => LinqExpr.GreaterThanOrEqual(l, r),
        CompareOp.Equal => LinqExpr.Equal(l, r),
        _ => LinqExpr.NotEqual(l, r),
    };

    private static void Count(Expr e, Dictionary<Expr, int> counts)
    {
        if (e is Const or Sym)
        {
            return;
        }

        counts.TryGetValue(e, out int n);
        counts[e] = n + 1;
        if (n > 0)
        {
            return; // children already counted through the first occurrence
        }

        foreach (var child in Algebra.Children(e))
        {
            Count(child, counts);
        }
    }

    private sealed class Emitter(ParamExpr z, ParamExpr p, Dictionary<Expr, int> counts)
    {
        private readonly Dictionary<Expr, ParamExpr> _assigned = [];
        private readonly List<Expr> _assignedOrder = [];

        public List<ParamExpr> Locals { get; } = [];

        public LinqExpr Emit(Expr e)
        {
            if (_assigned.TryGetValue(e, out var local))
            {
                return local;
            }

            var raw = EmitRaw(e);
            if (counts.TryGetValue(e, out int n) && n > 1)
            {
                var v = LinqExpr.Variable(typeof(double), "t" + Locals.Count);
                Locals.Add(v);
                _assigned[e] = v;
                _assignedOrder.Add(e);
                return LinqExpr.Assign(v, raw);
            }

            return raw;
        }

        /// <summary>
        /// Emits code that may not run (a branch of a conditional, the right operand of a short-circuit operator):
        /// shared values first computed inside it are not reused after it, where they might be unassigned.
        /// </summary>
        private LinqExpr Scoped(Func<LinqExpr> emit)
        {
            int mark = _assignedOrder.Count;
            var code = emit();
            for (int i = _assignedOrder.Count - 1; i >= mark; i--)
            {
                _assigned.Remove(_assignedOrder[i]);
                _assignedOrder.RemoveAt(i);
            }

            return code;
        }

        /// <summary>A condition as a Boolean expression (a non-comparison is true when non-zero).</summary>
        private LinqExpr EmitTest(Expr e) => e switch
        {
            Compare c => CompareTest(c.Op, Emit(c.Left), Emit(c.Right)),
            Logical { Op: LogicalOp.Not } l => LinqExpr.Not(EmitTest(l.Left)),
            Logical { Op: LogicalOp.And } l => LinqExpr.AndAlso(EmitTest(l.Left), Scoped(() => EmitTest(l.Right!))),
            Logical l => LinqExpr.OrElse(EmitTest(l.Left), Scoped(() => EmitTest(l.Right!))),
            _ => LinqExpr.NotEqual(Emit(e), LinqExpr.Constant(0.0)),
        };

        private LinqExpr EmitRaw(Expr e)
        {
            switch (e)
            {
                case Const c:
                    return LinqExpr.Constant(c.Value);
                case Sym s:
                    return s.Kind switch
                    {
                        SymbolKind.State => LinqExpr.ArrayIndex(z, LinqExpr.Constant(s.Index)),
                        SymbolKind.Parameter or SymbolKind.Time or SymbolKind.Input => LinqExpr.ArrayIndex(p, LinqExpr.Constant(s.Index)),
                        _ => throw new InvalidOperationException($"symbol '{s.Name}' is not bound"),
                    };
                case Compare or Logical:
                    return LinqExpr.Condition(EmitTest(e), LinqExpr.Constant(1.0), LinqExpr.Constant(0.0));
                case Conditional c:
                {
                    var test = EmitTest(c.Condition);
                    return LinqExpr.Condition(test, Scoped(() => Emit(c.Then)), Scoped(() => Emit(c.Else)));
                }

                case Unary u:
                {
                    var a = Emit(u.Operand);
                    return u.Op switch
                    {
                        UnaryOp.Negate => LinqExpr.Negate(a),
                        UnaryOp.Exp => LinqExpr.Call(typeof(Math).GetMethod(nameof(Math.Exp))!, a),
                        UnaryOp.Log => LinqExpr.Call(typeof(Math).GetMethod(nameof(Math.Log), [typeof(double)])!, a),
                        UnaryOp.Sqrt => LinqExpr.Call(typeof(Math).GetMethod(nameof(Math.Sqrt))!, a),
                        UnaryOp.PositivePart => LinqExpr.Call(typeof(Math).GetMethod(nameof(Math.Max), [typeof(double), typeof(double)])!, a, LinqExpr.Constant(0.0)),
                        UnaryOp.Step => LinqExpr.Condition(LinqExpr.GreaterThan(a, LinqExpr.Constant(0.0)), LinqExpr.Constant(1.0), LinqExpr.Constant(0.0)),
                        _ => throw new InvalidOperationException(u.Op.ToString()),
                    };
                }

                case Binary b:
                {
                    if (b.Op == BinaryOp.Power && b.Right is Const { Value: 2.0 or 3.0 } k)
                    {
                        // x² and x³ as products of one evaluation of x.
                        var x = LinqExpr.Variable(typeof(double), "x" + Locals.Count);
                        Locals.Add(x);
                        var assign = LinqExpr.Assign(x, Emit(b.Left));
                        var sq = LinqExpr.Multiply(assign, x);
                        return k.Value == 2.0 ? sq : LinqExpr.Multiply(sq, x);
                    }

                    var l = Emit(b.Left);
                    var r = Emit(b.Right);
                    return b.Op switch
                    {
                        BinaryOp.Add => LinqExpr.Add(l, r),
                        BinaryOp.Subtract => LinqExpr.Subtract(l, r),
                        BinaryOp.Multiply => LinqExpr.Multiply(l, r),
                        BinaryOp.Divide => LinqExpr.Divide(l, r),
                        BinaryOp.Power => LinqExpr.Call(typeof(Math).GetMethod(nameof(Math.Pow))!, l, r),
                        _ => throw new InvalidOperationException(b.Op.ToString()),
                    };
                }

                default:
                    throw new InvalidOperationException(e.GetType().Name);
            }
        }
    }
}
