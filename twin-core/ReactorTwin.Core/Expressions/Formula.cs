namespace ReactorTwin.Core.Expressions;

/// <summary>
/// A parsed formula of the model language (<c>+ - * / ^</c>, <c>exp</c>, <c>log</c>, <c>sqrt</c>, <c>pow</c>,
/// <c>mm</c>, <c>hill</c>; see docs/model-format.md) evaluated by name lookup: for formulas that are not rate laws,
/// such as observables, noise models and initial assignments of imported models. Evaluation walks the tree
/// (no compilation), so it is meant for setup and per-measurement work, not for an integrator's inner loop.
/// Immutable and thread-safe.
/// </summary>
public sealed class Formula
{
    private readonly Expr _tree;

    private Formula(string text, Expr tree)
    {
        Text = text;
        _tree = tree;
        var names = new List<string>();
        foreach (var node in Algebra.Nodes(tree))
        {
            if (node is Sym s && !names.Contains(s.Name))
            {
                names.Add(s.Name);
            }
        }

        Symbols = names;
    }

    /// <summary>The formula as written.</summary>
    public string Text { get; }

    /// <summary>The names the formula refers to, in order of first appearance.</summary>
    public IReadOnlyList<string> Symbols { get; }

    /// <summary>Parses a formula.</summary>
    /// <param name="text">The formula text.</param>
    /// <exception cref="FormulaException">The formula is empty or not well formed.</exception>
    public static Formula Parse(string text) => new(text, FormulaParser.Parse(text));

    /// <summary>Evaluates the formula, asking <paramref name="valueOf"/> for the value of every name.</summary>
    /// <param name="valueOf">The value of a name (throw for an unknown one).</param>
    /// <returns>The value (NaN or ±∞ where the arithmetic gives them, as IEEE 754 does).</returns>
    public double Evaluate(Func<string, double> valueOf)
    {
        ArgumentNullException.ThrowIfNull(valueOf);
        return Eval(_tree, valueOf);
    }

    /// <inheritdoc />
    public override string ToString() => Text;

    private static double Eval(Expr e, Func<string, double> valueOf) => e switch
    {
        Const c => c.Value,
        Sym s => valueOf(s.Name),
        Unary u => u.Op switch
        {
            UnaryOp.Negate => -Eval(u.Operand, valueOf),
            UnaryOp.Exp => Math.Exp(Eval(u.Operand, valueOf)),
            UnaryOp.Log => Math.Log(Eval(u.Operand, valueOf)),
            UnaryOp.Sqrt => Math.Sqrt(Eval(u.Operand, valueOf)),
            UnaryOp.PositivePart => Math.Max(Eval(u.Operand, valueOf), 0.0),
            UnaryOp.Step => Eval(u.Operand, valueOf) > 0 ? 1.0 : 0.0,
            _ => throw new InvalidOperationException(u.Op.ToString()),
        },
        Binary b => b.Op switch
        {
            BinaryOp.Add => Eval(b.Left, valueOf) + Eval(b.Right, valueOf),
            BinaryOp.Subtract => Eval(b.Left, valueOf) - Eval(b.Right, valueOf),
            BinaryOp.Multiply => Eval(b.Left, valueOf) * Eval(b.Right, valueOf),
            BinaryOp.Divide => Eval(b.Left, valueOf) / Eval(b.Right, valueOf),
            BinaryOp.Power => Math.Pow(Eval(b.Left, valueOf), Eval(b.Right, valueOf)),
            _ => throw new InvalidOperationException(b.Op.ToString()),
        },
        _ => throw new InvalidOperationException(e.GetType().Name),
    };
}
