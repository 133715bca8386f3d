using System.Globalization;

namespace ReactorTwin.Adapters.Import.Sbml;

/// <summary>
/// A MathML expression of an SBML file after reading: a number, a name or an operator applied to arguments. The
/// importer substitutes function definitions, assignment rules and reaction rates in this tree and renders it as a
/// formula of the model language (<see cref="ToFormula"/>).
/// </summary>
internal abstract record MathNode
{
    /// <summary>Renders the tree as a fully parenthesised formula the model's parser reads.</summary>
    public abstract string ToFormula();

    /// <summary>Replaces names by what <paramref name="bind"/> returns (null keeps the name).</summary>
    public abstract MathNode Substitute(Func<string, MathNode?> bind);

    /// <summary>Every name the tree refers to.</summary>
    public abstract IEnumerable<string> Names();
}

/// <summary>A number.</summary>
internal sealed record MathNumber(double Value) : MathNode
{
    public override string ToFormula() => Value < 0
        ? "(" + Value.ToString("R", CultureInfo.InvariantCulture) + ")"
        : Value.ToString("R", CultureInfo.InvariantCulture);

    public override MathNode Substitute(Func<string, MathNode?> bind) => this;

    public override IEnumerable<string> Names() => [];
}

/// <summary>A name: a species, compartment, parameter, reaction, local parameter or function argument.</summary>
internal sealed record MathName(string Name) : MathNode
{
    public override string ToFormula() => Name;

    public override MathNode Substitute(Func<string, MathNode?> bind) => bind(Name) ?? this;

    public override IEnumerable<string> Names() => [Name];
}

/// <summary>
/// An operator applied to arguments: <c>plus</c>, <c>minus</c>, <c>times</c>, <c>divide</c>, <c>power</c>, <c>exp</c>,
/// <c>ln</c>, <c>sqrt</c>, or a call of a function definition (<see cref="Function"/> names it).
/// </summary>
internal sealed record MathApply(string Operator, IReadOnlyList<MathNode> Arguments, string? Function = null) : MathNode
{
    public override string ToFormula()
    {
        var a = Arguments.Select(x => x.ToFormula()).ToArray();
        return Operator switch
        {
            "plus" => a.Length == 0 ? "0" : "(" + string.Join(" + ", a) + ")",
            "times" => a.Length == 0 ? "1" : "(" + string.Join(" * ", a) + ")",
            "minus" => a.Length == 1 ? "(-" + a[0] + ")" : "(" + a[0] + " - " + a[1] + ")",
            "divide" => "(" + a[0] + " / " + a[1] + ")",
            "power" => "pow(" + a[0] + ", " + a[1] + ")",
            "exp" => "exp(" + a[0] + ")",
            "ln" => "log(" + a[0] + ")",
            "sqrt" => "sqrt(" + a[0] + ")",
            _ => throw new InvalidOperationException($"operator '{Operator}' has no formula form"),
        };
    }

    public override MathNode Substitute(Func<string, MathNode?> bind) =>
        this with { Arguments = [.. Arguments.Select(x => x.Substitute(bind))] };

    public override IEnumerable<string> Names() => Arguments.SelectMany(x => x.Names());
}
