using ReactorTwin.Core.Expressions;

namespace ReactorTwin.Core.Models;

/// <summary>Which kinds of names a formula may use, by where it appears in a model.</summary>
[Flags]
internal enum FormulaScope
{
    /// <summary>Parameters (always allowed) and numbers.</summary>
    Parameters = 0,

    /// <summary>Species, cell phases and the volume.</summary>
    States = 1,

    /// <summary>The time <c>t</c>.</summary>
    Time = 2,

    /// <summary>The model's inputs.</summary>
    Inputs = 4,

    /// <summary>Everything a rate law may use.</summary>
    Dynamic = States | Time | Inputs,
}

/// <summary>
/// Parses model formulas and binds their names to the symbols of the compiled code: states to z, parameters to θ,
/// <c>t</c> and the inputs to the argument slots after θ (<see cref="CompiledModel.ArgumentCount"/>). Reports every
/// problem through the validator's error sink instead of throwing.
/// </summary>
internal sealed class FormulaBinder
{
    /// <summary>The name of the time variable in formulas.</summary>
    public const string TimeName = "t";

    private readonly Dictionary<string, int> _states;
    private readonly Dictionary<string, int> _parameters;
    private readonly Dictionary<string, int> _inputs;
    private readonly Action<string, string> _error;

    public FormulaBinder(Dictionary<string, int> states, Dictionary<string, int> parameters, Dictionary<string, int> inputs, Action<string, string> error)
    {
        _states = states;
        _parameters = parameters;
        _inputs = inputs;
        _error = error;
    }

    /// <summary>Argument slot of the time: right after θ.</summary>
    public int TimeSlot => _parameters.Count;

    /// <summary>Argument slot of input i.</summary>
    public int InputSlot(int i) => _parameters.Count + 1 + i;

    /// <summary>
    /// Parses and binds <paramref name="formula"/>, simplified; null (with the problems reported at
    /// <paramref name="path"/>) when it is missing, malformed, names something unknown or out of scope, or divides by
    /// a constant zero. <paramref name="extra"/> binds further names (an observable's own name in its noise formula).
    /// </summary>
    public Expr? Bind(string? formula, string path, FormulaScope scope, string what = "rate formula", Func<string, Expr?>? extra = null)
    {
        if (formula is null)
        {
            _error(path, $"a {what} is required");
            return null;
        }

        Expr parsed;
        try
        {
            parsed = FormulaParser.Parse(formula);
        }
        catch (FormulaException ex)
        {
            _error(path, ex.Message);
            return null;
        }

        bool ok = true;
        var bound = Algebra.Substitute(parsed, s =>
        {
            var symbol = Resolve(s.Name, formula, path, scope, what, extra);
            ok &= symbol is not null;
            return symbol ?? s;
        });
        if (!ok)
        {
            return null;
        }

        foreach (var node in Algebra.Nodes(bound))
        {
            if (node is Binary { Op: BinaryOp.Divide } div && Algebra.IsConstant(div.Right) &&
                Algebra.Simplify(div.Right) is Const { Value: 0.0 })
            {
                _error(path, $"division by a constant zero in \"{formula}\" ({div.ToFormula()})");
                return null;
            }
        }

        return Algebra.Simplify(bound);
    }

    private Expr? Resolve(string name, string formula, string path, FormulaScope scope, string what, Func<string, Expr?>? extra)
    {
        if (extra?.Invoke(name) is { } e)
        {
            return e;
        }

        if (_parameters.TryGetValue(name, out int pi))
        {
            return new Sym(name, SymbolKind.Parameter, pi);
        }

        if (_states.TryGetValue(name, out int zi))
        {
            if (scope.HasFlag(FormulaScope.States))
            {
                return new Sym(name, SymbolKind.State, zi);
            }

            _error(path, $"'{name}' in \"{formula}\" is a state of the model; a {what} may use {Allowed(scope)} only");
            return null;
        }

        if (name == TimeName)
        {
            if (scope.HasFlag(FormulaScope.Time))
            {
                return new Sym(name, SymbolKind.Time, TimeSlot);
            }

            _error(path, $"the time 't' in \"{formula}\": a {what} may use {Allowed(scope)} only");
            return null;
        }

        if (_inputs.TryGetValue(name, out int ui))
        {
            if (scope.HasFlag(FormulaScope.Inputs))
            {
                return new Sym(name, SymbolKind.Input, InputSlot(ui));
            }

            _error(path, $"'{name}' in \"{formula}\" is an input; a {what} may use {Allowed(scope)} only");
            return null;
        }

        _error(path, scope == FormulaScope.Dynamic
            ? $"unknown name '{name}' in \"{formula}\": it is not a species, cell phase, parameter, input or the time t of this model"
            : $"unknown name '{name}' in \"{formula}\": a {what} may use {Allowed(scope)}, and '{name}' is none of this model's");
        return null;
    }

    private static string Allowed(FormulaScope scope) => scope switch
    {
        FormulaScope.Parameters => "parameters and numbers",
        _ => "parameters, numbers" + (scope.HasFlag(FormulaScope.States) ? ", states" : string.Empty) +
             (scope.HasFlag(FormulaScope.Inputs) ? ", inputs" : string.Empty) + (scope.HasFlag(FormulaScope.Time) ? ", the time t" : string.Empty),
    };
}
