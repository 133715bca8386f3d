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

    /// <summary>
    /// Evaluates the tree (after <see cref="SbmlTranslation"/> has expanded calls), asking <paramref name="valueOf"/>
    /// for every name; relational and logical operators give 1 for true and 0 for false.
    /// </summary>
    public abstract double Evaluate(Func<string, double> valueOf);
}

/// <summary>A number.</summary>
internal sealed record MathNumber(double Value) : MathNode
{
    public override string ToFormula() => Value < 0
        ? "(" + Value.ToString("R", CultureInfo.InvariantCulture) + ")"
        : Value.ToString("R", CultureInfo.InvariantCulture);

    public override MathNode Substitute(Func<string, MathNode?> bind) => this;

    public override IEnumerable<string> Names() => [];

    public override double Evaluate(Func<string, double> valueOf) => Value;
}

/// <summary>A name: a species, compartment, parameter, reaction, local parameter or function argument.</summary>
internal sealed record MathName(string Name) : MathNode
{
    public override string ToFormula() => Name;

    public override MathNode Substitute(Func<string, MathNode?> bind) => bind(Name) ?? this;

    public override IEnumerable<string> Names() => [Name];

    public override double Evaluate(Func<string, double> valueOf) => valueOf(Name);
}

/// <summary>
/// An operator applied to arguments: <c>plus</c>, <c>minus</c>, <c>times</c>, <c>divide</c>, <c>power</c>, <c>exp</c>,
/// <c>ln</c>, <c>sqrt</c>, or a call of a function definition (<see cref="Function"/> names it); in event triggers
/// also the relational operators <c>eq neq gt geq lt leq</c> and the logical <c>and or xor not</c>, which have no
/// formula form (<see cref="ToFormula"/> throws) and are only evaluated (<see cref="Evaluate"/>).
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

    /// <summary>True for the operators that only event triggers may use.</summary>
    public static bool IsLogical(string op) => op is "eq" or "neq" or "gt" or "geq" or "lt" or "leq" or "and" or "or" or "xor" or "not";

    public override double Evaluate(Func<string, double> valueOf)
    {
        double A(int i) => Arguments[i].Evaluate(valueOf);
        static double B(bool b) => b ? 1.0 : 0.0;
        bool All(Func<double, double, bool> holds)
        {
            for (int i = 1; i < Arguments.Count; i++)
            {
                if (!holds(A(i - 1), A(i)))
                {
                    return false;
                }
            }

            return true;
        }

        return Operator switch
        {
            "plus" => Arguments.Sum(x => x.Evaluate(valueOf)),
            "times" => Arguments.Aggregate(1.0, (p, x) => p * x.Evaluate(valueOf)),
            "minus" => Arguments.Count == 1 ? -A(0) : A(0) - A(1),
            "divide" => A(0) / A(1),
            "power" => Math.Pow(A(0), A(1)),
            "exp" => Math.Exp(A(0)),
            "ln" => Math.Log(A(0)),
            "sqrt" => Math.Sqrt(A(0)),
            "eq" => B(All((a, b) => a == b)),
            "neq" => B(A(0) != A(1)),
            "gt" => B(All((a, b) => a > b)),
            "geq" => B(All((a, b) => a >= b)),
            "lt" => B(All((a, b) => a < b)),
            "leq" => B(All((a, b) => a <= b)),
            "and" => B(Arguments.All(x => x.Evaluate(valueOf) != 0)),
            "or" => B(Arguments.Any(x => x.Evaluate(valueOf) != 0)),
            "xor" => B(Arguments.Count(x => x.Evaluate(valueOf) != 0) % 2 == 1),
            "not" => B(A(0) == 0),
            _ => throw new InvalidOperationException($"operator '{Operator}' cannot be evaluated (expand function calls first)"),
        };
    }
}
