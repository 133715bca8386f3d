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

    /// <summary>
    /// The time t (hours). Compiled code reads it from the argument vector after θ (<see cref="Sym.Index"/> is its
    /// slot there); it is never a differentiation variable.
    /// </summary>
    Time,

    /// <summary>
    /// A named input u_i(t) (a feed rate, a temperature): read from the argument vector after θ and t
    /// (<see cref="Sym.Index"/> is its slot there); never a differentiation variable.
    /// </summary>
    Input,
}

/// <summary>Comparison operators; a comparison has the value 1 when it holds and 0 otherwise.</summary>
internal enum CompareOp
{
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Equal,
    NotEqual,
}

/// <summary>Logical operators on conditions (operands are true when non-zero; the value is 1 or 0).</summary>
internal enum LogicalOp
{
    And,
    Or,
    Not,
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

/// <summary>A named symbol: a species, a cell phase, a parameter, the time or an input.</summary>
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

/// <summary>A comparison: 1 when it holds, 0 otherwise (its derivative is 0 wherever it is defined).</summary>
internal sealed record Compare(CompareOp Op, Expr Left, Expr Right) : Expr
{
    public override string ToFormula() => Left.Wrap(1) + Op switch
    {
        CompareOp.Less => " < ",
        CompareOp.LessOrEqual => " <= ",
        CompareOp.Greater => " > ",
        CompareOp.GreaterOrEqual => " >= ",
        CompareOp.Equal => " == ",
        _ => " != ",
    } + Right.Wrap(1);

    internal override int Precedence => 0;
}

/// <summary><c>and</c>, <c>or</c> (two operands) and <c>not</c> (<see cref="Right"/> null) of conditions.</summary>
internal sealed record Logical(LogicalOp Op, Expr Left, Expr? Right = null) : Expr
{
    public override string ToFormula() => Op switch
    {
        LogicalOp.And => "and(" + Left.ToFormula() + ", " + Right!.ToFormula() + ")",
        LogicalOp.Or => "or(" + Left.ToFormula() + ", " + Right!.ToFormula() + ")",
        _ => "not(" + Left.ToFormula() + ")",
    };

    internal override int Precedence => 10;
}

/// <summary>
/// <c>if(condition, then, else)</c>: <see cref="Then"/> where the condition holds (is non-zero), else
/// <see cref="Else"/>. Its derivative is the derivative of the branch taken (exact wherever the condition does not
/// switch); <c>min</c>, <c>max</c>, <c>abs</c> and <c>piecewise</c> are written with it.
/// </summary>
internal sealed record Conditional(Expr Condition, Expr Then, Expr Else) : Expr
{
    public override string ToFormula() => "if(" + Condition.ToFormula() + ", " + Then.ToFormula() + ", " + Else.ToFormula() + ")";

    internal override int Precedence => 10;
}
