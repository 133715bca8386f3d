using LinqExpr = System.Linq.Expressions.Expression;
using ParamExpr = System.Linq.Expressions.ParameterExpression;

namespace ReactorTwin.Core.Expressions;

/// <summary>
/// Evaluates a fixed list of expressions into an output array: <c>output[k] = e_k(state, parameters)</c>.
/// The three arrays are caller-owned workspaces; the delegate never allocates.
/// </summary>
/// <param name="state">State vector z (species, then cell phases).</param>
/// <param name="parameters">Parameter vector θ on its natural scale.</param>
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

        switch (e)
        {
            case Unary u:
                Count(u.Operand, counts);
                break;
            case Binary b:
                Count(b.Left, counts);
                Count(b.Right, counts);
                break;
        }
    }

    private sealed class Emitter(ParamExpr z, ParamExpr p, Dictionary<Expr, int> counts)
    {
        private readonly Dictionary<Expr, ParamExpr> _assigned = [];

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
                return LinqExpr.Assign(v, raw);
            }

            return raw;
        }

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
                        SymbolKind.Parameter => LinqExpr.ArrayIndex(p, LinqExpr.Constant(s.Index)),
                        _ => throw new InvalidOperationException($"symbol '{s.Name}' is not bound"),
                    };
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
