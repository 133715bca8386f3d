using System.Globalization;

namespace ReactorTwin.Core.Expressions;

/// <summary>Unary operators and functions of the rate-law language.</summary>
internal enum UnaryOp
{
    Negate,
    Exp,
    Log,
    Sqrt,

    /// <summary>max(x, 0): not in the formula language; the LNA kernels use it for the clamped rates in D.</summary>
    PositivePart,

    /// <summary>1 for x &gt; 0, else 0: the derivative of <see cref="PositivePart"/> (not in the formula language).</summary>
    Step,
}

/// <summary>Binary operators of the rate-law language.</summary>
internal enum BinaryOp
{
    Add,
    Subtract,
    Multiply,
    Divide,
    Power,
}

/// <summary>What a symbol in a formula refers to after binding.</summary>
internal enum SymbolKind
{
    /// <summary>Not yet resolved (straight out of the parser).</summary>
    Unbound,

    /// <summary>A component of the state vector z = [species; cell phases].</summary>
    State,

    /// <summary>A component of the parameter vector θ.</summary>
    Parameter,
}

/// <summary>
/// Immutable expression tree of a rate law. Records give structural equality, which the simplifier and the
/// compiler's common-subexpression elimination rely on.
/// </summary>
internal abstract record Expr
{
    /// <summary>Shared constant 0.</summary>
    public static readonly Const Zero = new(0.0);

    /// <summary>Shared constant 1.</summary>
    public static readonly Const One = new(1.0);

    /// <summary>Renders the expression as a formula the parser reads back to an equal tree.</summary>
    public abstract string ToFormula();

    /// <summary>Operator precedence used by <see cref="ToFormula"/> to place parentheses.</summary>
    internal abstract int Precedence { get; }

    internal string Wrap(int parentPrecedence) =>
        Precedence < parentPrecedence ? "(" + ToFormula() + ")" : ToFormula();
}

/// <summary>A numeric literal.</summary>
internal sealed record Const(double Value) : Expr
{
    public override string ToFormula() => Value < 0
        ? "(" + Value.ToString("R", CultureInfo.InvariantCulture) + ")"
        : Value.ToString("R", CultureInfo.InvariantCulture);

    internal override int Precedence => 10;
}

/// <summary>A named symbol: a species, a cell phase or a parameter.</summary>
internal sealed record Sym(string Name, SymbolKind Kind = SymbolKind.Unbound, int Index = -1) : Expr
{
    public override string ToFormula() => Name;

    internal override int Precedence => 10;
}

/// <summary>A unary operator or a one-argument function.</summary>
internal sealed record Unary(UnaryOp Op, Expr Operand) : Expr
{
    public override string ToFormula() => Op switch
    {
        UnaryOp.Negate => "-" + Operand.Wrap(Precedence + 1),
        UnaryOp.Exp => "exp(" + Operand.ToFormula() + ")",
        UnaryOp.Log => "log(" + Operand.ToFormula() + ")",
        UnaryOp.Sqrt => "sqrt(" + Operand.ToFormula() + ")",
        UnaryOp.PositivePart => "max(" + Operand.ToFormula() + ", 0)",
        UnaryOp.Step => "step(" + Operand.ToFormula() + ")",
        _ => throw new InvalidOperationException(Op.ToString()),
    };

    internal override int Precedence => Op == UnaryOp.Negate ? 3 : 10;
}

/// <summary>A binary operator.</summary>
internal sealed record Binary(BinaryOp Op, Expr Left, Expr Right) : Expr
{
    public override string ToFormula()
    {
        int p = Precedence;
        return Op switch
        {
            BinaryOp.Add => Left.Wrap(p) + " + " + Right.Wrap(p + 1),
            BinaryOp.Subtract => Left.Wrap(p) + " - " + Right.Wrap(p + 1),
            BinaryOp.Multiply => Left.Wrap(p) + "*" + Right.Wrap(p + 1),
            BinaryOp.Divide => Left.Wrap(p) + "/" + Right.Wrap(p + 1),
            BinaryOp.Power => Left.Wrap(p + 1) + "^" + Right.Wrap(p),
            _ => throw new InvalidOperationException(Op.ToString()),
        };
    }

    internal override int Precedence => Op switch
    {
        BinaryOp.Add or BinaryOp.Subtract => 1,
        BinaryOp.Multiply or BinaryOp.Divide => 2,
        _ => 4,
    };
}
