using ReactorTwin.Core.Expressions;

namespace ReactorTwin.Core.Models;

/// <summary>
/// The single set of rules every model passes (C# builder and JSON alike): names, values, bounds,
/// stoichiometry, formulas. Collects all problems before throwing.
/// </summary>
internal static partial class ModelValidator
{
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "exp", "log", "ln", "sqrt", "pow", "mm", "hill", "min", "max", "abs", "if", "piecewise", "and", "or", "not", FormulaBinder.TimeName,
    };

    public static ReactionNetwork Build(ModelDraft d, string source, Func<string, int>? lineOf)
    {
        var errors = new List<ModelError>();
        void Err(string path, string message) => errors.Add(new ModelError(source, path, message, lineOf?.Invoke(path) ?? 0));

        if (string.IsNullOrWhiteSpace(d.Name))
        {
            Err("$.name", "the model needs a non-empty name");
        }

        if (!(d.SystemSize > 0) || !double.IsFinite(d.SystemSize))
        {
            Err("$.systemSize", $"the system size Ω must be finite and > 0, not {d.SystemSize}");
        }

        void CheckInitialParameter(ModelDraft draft, string state, string? parameter, string path)
        {
            if (parameter is null)
            {
                return;
            }

            var p = draft.Parameters.FirstOrDefault(q => q.Name == parameter);
            if (p is null)
            {
                Err(path, $"the initial value of '{state}' names '{parameter}', which is not a parameter of the model ({string.Join(", ", draft.Parameters.Select(q => q.Name))}): give a number or declare the parameter");
            }
            else if (!(p.Lower >= 0))
            {
                Err(path, $"the initial value of '{state}' is parameter '{parameter}', whose lower bound {p.Lower} is negative: a concentration is ≥ 0");
            }
        }

        // One namespace for species, phases and parameters: a formula symbol must be unambiguous.
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        void CheckName(string? name, string path)
        {
            if (string.IsNullOrEmpty(name) || !IsIdentifier(name))
            {
                Err(path, $"'{name}' is not a valid name (letters, digits and '_', not starting with a digit)");
            }
            else if (name == FormulaBinder.TimeName)
            {
                Err(path, "'t' is the time in formulas and cannot name a species, phase, parameter or input");
            }
            else if (Reserved.Contains(name))
            {
                Err(path, $"'{name}' is a function name and cannot name a species, phase, parameter or input");
            }
            else if (!seen.TryAdd(name, path))
            {
                Err(path, $"the name '{name}' is already used at {seen[name]}");
            }
        }

        if (d.Species.Count == 0)
        {
            Err("$.species", "the model needs at least one species");
        }

        for (int i = 0; i < d.Species.Count; i++)
        {
            var s = d.Species[i];
            CheckName(s.Name, $"$.species[{i}].name");
            if (!(s.Initial >= 0) || !double.IsFinite(s.Initial))
            {
                Err($"$.species[{i}].initial", $"the initial concentration of '{s.Name}' must be finite and ≥ 0, not {s.Initial}");
            }

            CheckInitialParameter(d, s.Name, s.InitialParameter, $"$.species[{i}].initial");
        }

        for (int i = 0; i < d.Phases.Count; i++)
        {
            var p = d.Phases[i];
            CheckName(p.Name, $"$.cellPhases[{i}].name");
            if (!(p.Initial >= 0) || !double.IsFinite(p.Initial))
            {
                Err($"$.cellPhases[{i}].initial", $"the initial density of '{p.Name}' must be finite and ≥ 0, not {p.Initial}");
            }

            CheckInitialParameter(d, p.Name, p.InitialParameter, $"$.cellPhases[{i}].initial");
        }

        for (int i = 0; i < d.Parameters.Count; i++)
        {
            var p = d.Parameters[i];
            string at = $"$.parameters[{i}]";
            CheckName(p.Name, at + ".name");
            if (!double.IsFinite(p.Value))
            {
                Err(at + ".value", $"parameter '{p.Name}' has a non-finite value {p.Value}");
            }

            if (!double.IsFinite(p.Lower) || !double.IsFinite(p.Upper) || !(p.Lower < p.Upper))
            {
                Err(at + ".lower", $"parameter '{p.Name}' needs finite bounds with lower < upper, not [{p.Lower}, {p.Upper}]");
            }
            else if (double.IsFinite(p.Value) && (p.Value < p.Lower || p.Value > p.Upper))
            {
                Err(at + ".value", $"parameter '{p.Name}' = {p.Value} lies outside its bounds [{p.Lower}, {p.Upper}]");
            }

            if (p.LogScale && !(p.Lower > 0))
            {
                Err(at + ".logScale", $"parameter '{p.Name}' is estimated on log scale, so its lower bound must be > 0, not {p.Lower}");
            }

            if (p.Prior is { Kind: not PriorKind.Uniform } prior)
            {
                if (!double.IsFinite(prior.Center) || prior.Center < p.Lower || prior.Center > p.Upper || (prior.Kind == PriorKind.LogNormal && !(prior.Center > 0)))
                {
                    Err(at + ".prior", $"parameter '{p.Name}': the prior's {(prior.Kind == PriorKind.LogNormal ? "median" : "mean")} {prior.Center} must be a number within the bounds [{p.Lower}, {p.Upper}]{(prior.Kind == PriorKind.LogNormal ? " and > 0" : "")}");
                }

                if (prior.Kind == PriorKind.LogNormal && !p.LogScale)
                {
                    Err(at + ".prior", $"parameter '{p.Name}' is estimated on its natural scale: give it a normal prior, or set logScale");
                }

                if (!double.IsFinite(prior.Scale) || !(prior.Scale > 0))
                {
                    Err(at + ".prior", $"parameter '{p.Name}': the prior's {(prior.Kind == PriorKind.LogNormal ? "sdLog" : "sd")} must be a number > 0, not {prior.Scale}");
                }
            }
        }

        for (int i = 0; i < d.Inputs.Count; i++)
        {
            var u = d.Inputs[i];
            CheckName(u.Name, $"$.inputs[{i}].name");
            if (!double.IsFinite(u.Value))
            {
                Err($"$.inputs[{i}].value", $"the value of input '{u.Name}' must be finite, not {u.Value}");
            }
        }

        for (int i = 0; i < d.Observables.Count; i++)
        {
            CheckName(d.Observables[i].Name, $"$.observables[{i}].name");
        }

        var stateIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < d.Species.Count; i++)
        {
            stateIndex.TryAdd(d.Species[i].Name ?? string.Empty, i);
        }

        for (int j = 0; j < d.Phases.Count; j++)
        {
            stateIndex.TryAdd(d.Phases[j].Name ?? string.Empty, d.Species.Count + j);
        }

        var paramIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int k = 0; k < d.Parameters.Count; k++)
        {
            paramIndex.TryAdd(d.Parameters[k].Name ?? string.Empty, k);
        }

        var inputIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int k = 0; k < d.Inputs.Count; k++)
        {
            inputIndex.TryAdd(d.Inputs[k].Name ?? string.Empty, k);
        }

        var binder = new FormulaBinder(stateIndex, paramIndex, inputIndex, Err);
        var channels = Channels(d, stateIndex, binder, Err);
        var events = Events(d, stateIndex, binder, Err);
        var observables = Observables(d, stateIndex.Count, binder, Err);
        if (errors.Count > 0)
        {
            throw new ModelDefinitionException(errors);
        }

        var compiled = Compile(d, channels);
        return new ReactionNetwork(d, compiled, events, observables);
    }

    internal static bool IsIdentifier(string s)
    {
        if (s.Length == 0 || !(char.IsAsciiLetter(s[0]) || s[0] == '_'))
        {
            return false;
        }

        foreach (char c in s)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }
}
