using ReactorTwin.Core.Expressions;

namespace ReactorTwin.Core.Tests;

/// <summary>Small shared helpers: a reference tree-walking evaluator and ensemble statistics.</summary>
internal static class TestHelpers
{
    /// <summary>
    /// Reference evaluator that walks the tree directly (no compilation, no simplification). Bound symbols read
    /// <paramref name="state"/>/<paramref name="parameters"/>; unbound symbols are looked up in <paramref name="unbound"/>.
    /// </summary>
    public static double Eval(Expr e, double[]? state = null, double[]? parameters = null, IReadOnlyDictionary<string, double>? unbound = null) => e switch
    {
        Const c => c.Value,
        Sym { Kind: SymbolKind.State } s => state![s.Index],
        Sym { Kind: SymbolKind.Parameter or SymbolKind.Time or SymbolKind.Input } s => parameters![s.Index],
        Sym s => unbound![s.Name],
        Unary u => u.Op switch
        {
            UnaryOp.Negate => -Eval(u.Operand, state, parameters, unbound),
            UnaryOp.Exp => Math.Exp(Eval(u.Operand, state, parameters, unbound)),
            UnaryOp.Log => Math.Log(Eval(u.Operand, state, parameters, unbound)),
            UnaryOp.Sqrt => Math.Sqrt(Eval(u.Operand, state, parameters, unbound)),
            _ => throw new InvalidOperationException(u.Op.ToString()),
        },
        Binary b => b.Op switch
        {
            BinaryOp.Add => Eval(b.Left, state, parameters, unbound) + Eval(b.Right, state, parameters, unbound),
            BinaryOp.Subtract => Eval(b.Left, state, parameters, unbound) - Eval(b.Right, state, parameters, unbound),
            BinaryOp.Multiply => Eval(b.Left, state, parameters, unbound) * Eval(b.Right, state, parameters, unbound),
            BinaryOp.Divide => Eval(b.Left, state, parameters, unbound) / Eval(b.Right, state, parameters, unbound),
            BinaryOp.Power => Math.Pow(Eval(b.Left, state, parameters, unbound), Eval(b.Right, state, parameters, unbound)),
            _ => throw new InvalidOperationException(b.Op.ToString()),
        },
        Compare c => Algebra.Holds(c.Op, Eval(c.Left, state, parameters, unbound), Eval(c.Right, state, parameters, unbound)) ? 1 : 0,
        Logical { Op: LogicalOp.Not } l => Eval(l.Left, state, parameters, unbound) != 0 ? 0 : 1,
        Logical { Op: LogicalOp.And } l => Eval(l.Left, state, parameters, unbound) != 0 && Eval(l.Right!, state, parameters, unbound) != 0 ? 1 : 0,
        Logical l => Eval(l.Left, state, parameters, unbound) != 0 || Eval(l.Right!, state, parameters, unbound) != 0 ? 1 : 0,
        Conditional c => Eval(c.Condition, state, parameters, unbound) != 0 ? Eval(c.Then, state, parameters, unbound) : Eval(c.Else, state, parameters, unbound),
        _ => throw new InvalidOperationException(e.GetType().Name),
    };

    /// <summary>
    /// Parses a formula and binds its symbols: names in <paramref name="stateNames"/> become state symbols, names
    /// in <paramref name="parameterNames"/> parameter symbols (by position).
    /// </summary>
    public static Expr ParseBound(string formula, string[] stateNames, string[]? parameterNames = null)
    {
        var parsed = FormulaParser.Parse(formula);
        return Algebra.Substitute(parsed, s =>
        {
            int i = Array.IndexOf(stateNames, s.Name);
            if (i >= 0)
            {
                return new Sym(s.Name, SymbolKind.State, i);
            }

            int k = parameterNames is null ? -1 : Array.IndexOf(parameterNames, s.Name);
            return k >= 0 ? new Sym(s.Name, SymbolKind.Parameter, k) : throw new ArgumentException($"unbound symbol {s.Name}");
        });
    }

    /// <summary>Sample mean and unbiased sample variance of column <paramref name="column"/> of a paths × columns array.</summary>
    public static (double Mean, double Variance) MeanVariance(double[,] samples, int column)
    {
        int n = samples.GetLength(0);
        double mean = 0;
        for (int p = 0; p < n; p++)
        {
            mean += samples[p, column];
        }

        mean /= n;
        double ss = 0;
        for (int p = 0; p < n; p++)
        {
            double d = samples[p, column] - mean;
            ss += d * d;
        }

        return (mean, ss / (n - 1));
    }
}
