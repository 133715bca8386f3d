using ReactorTwin.Core.Expressions;

namespace ReactorTwin.Core.Models;

/// <summary>
/// The single set of rules every model passes (C# builder and JSON alike): names, values, bounds,
/// stoichiometry, formulas. Collects all problems before throwing.
/// </summary>
internal static class ModelValidator
{
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal) { "exp", "log", "ln", "sqrt", "pow", "mm", "hill" };

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

        // One namespace for species, phases and parameters: a formula symbol must be unambiguous.
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        void CheckName(string? name, string path)
        {
            if (string.IsNullOrEmpty(name) || !IsIdentifier(name))
            {
                Err(path, $"'{name}' is not a valid name (letters, digits and '_', not starting with a digit)");
            }
            else if (Reserved.Contains(name))
            {
                Err(path, $"'{name}' is a function name and cannot name a species, phase or parameter");
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
        }

        for (int i = 0; i < d.Phases.Count; i++)
        {
            var p = d.Phases[i];
            CheckName(p.Name, $"$.cellPhases[{i}].name");
            if (!(p.Initial >= 0) || !double.IsFinite(p.Initial))
            {
                Err($"$.cellPhases[{i}].initial", $"the initial density of '{p.Name}' must be finite and ≥ 0, not {p.Initial}");
            }
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

        int n = d.Species.Count + d.Phases.Count;
        int channels = d.Reactions.Count + d.Transitions.Count;
        var stoich = new double[n * channels];
        var rates = new Expr?[channels];
        var reactionNames = new HashSet<string>(StringComparer.Ordinal);

        Expr? Bind(string? formula, string path)
        {
            if (formula is null)
            {
                Err(path, "a rate formula is required");
                return null;
            }

            Expr parsed;
            try
            {
                parsed = FormulaParser.Parse(formula);
            }
            catch (FormulaException ex)
            {
                Err(path, ex.Message);
                return null;
            }

            bool ok = true;
            var bound = Algebra.Substitute(parsed, s =>
            {
                if (stateIndex.TryGetValue(s.Name, out int zi))
                {
                    return new Sym(s.Name, SymbolKind.State, zi);
                }

                if (paramIndex.TryGetValue(s.Name, out int pi))
                {
                    return new Sym(s.Name, SymbolKind.Parameter, pi);
                }

                ok = false;
                Err(path, $"unknown name '{s.Name}' in \"{formula}\": it is not a species, cell phase or parameter of this model");
                return s;
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
                    Err(path, $"division by a constant zero in \"{formula}\" ({div.ToFormula()})");
                    return null;
                }
            }

            return Algebra.Simplify(bound);
        }

        for (int r = 0; r < d.Reactions.Count; r++)
        {
            var rx = d.Reactions[r];
            string at = $"$.reactions[{r}]";
            if (string.IsNullOrEmpty(rx.Name) || !IsIdentifier(rx.Name))
            {
                Err(at + ".name", $"'{rx.Name}' is not a valid reaction name");
            }
            else if (!reactionNames.Add(rx.Name))
            {
                Err(at + ".name", $"the reaction name '{rx.Name}' is used twice");
            }

            if (rx.Stoichiometry is null || rx.Stoichiometry.Count == 0)
            {
                Err(at + ".stoichiometry", $"reaction '{rx.Name}' changes nothing: its stoichiometry is empty");
            }
            else
            {
                foreach (var (component, coefficient) in rx.Stoichiometry)
                {
                    string sp = $"{at}.stoichiometry.{component}";
                    if (!stateIndex.TryGetValue(component, out int zi))
                    {
                        Err(sp, $"reaction '{rx.Name}' names '{component}', which is not a species or cell phase of this model");
                    }
                    else if (!double.IsFinite(coefficient) || coefficient == 0.0)
                    {
                        Err(sp, $"the stoichiometric coefficient of '{component}' in reaction '{rx.Name}' must be finite and non-zero, not {coefficient}");
                    }
                    else
                    {
                        stoich[(zi * channels) + r] = coefficient;
                    }
                }
            }

            bool hasRate = rx.Rate is not null;
            bool hasPerPhase = rx.PerPhaseRates is { Count: > 0 };
            if (hasRate == hasPerPhase)
            {
                Err(at, $"reaction '{rx.Name}' needs exactly one of 'rate' and 'perPhaseRates'");
                continue;
            }

            if (hasRate)
            {
                rates[r] = Bind(rx.Rate, at + ".rate");
                continue;
            }

            Expr? total = Expr.Zero;
            foreach (var (phase, formula) in rx.PerPhaseRates!)
            {
                string pp = $"{at}.perPhaseRates.{phase}";
                int pj = d.Phases.ToList().FindIndex(p => p.Name == phase);
                var specific = Bind(formula, pp);
                if (pj < 0)
                {
                    Err(pp, $"reaction '{rx.Name}' gives a rate for '{phase}', which is not a cell phase of this model");
                    total = null;
                }
                else if (specific is null)
                {
                    total = null;
                }
                else if (total is not null)
                {
                    var x = new Sym(phase, SymbolKind.State, d.Species.Count + pj);
                    total = Algebra.Add(total, Algebra.Mul(x, specific));
                }
            }

            rates[r] = total;
        }

        for (int t = 0; t < d.Transitions.Count; t++)
        {
            var tr = d.Transitions[t];
            string at = $"$.transitions[{t}]";
            int c = d.Reactions.Count + t;
            int from = d.Phases.ToList().FindIndex(p => p.Name == tr.From);
            int to = d.Phases.ToList().FindIndex(p => p.Name == tr.To);
            if (from < 0)
            {
                Err(at + ".from", $"'{tr.From}' is not a cell phase of this model");
            }

            if (to < 0)
            {
                Err(at + ".to", $"'{tr.To}' is not a cell phase of this model");
            }

            if (from >= 0 && from == to)
            {
                Err(at + ".to", $"a transition must go to another phase, not from '{tr.From}' to itself");
            }

            var rate = Bind(tr.Rate, at + ".rate");
            if (from >= 0 && to >= 0 && from != to && rate is not null)
            {
                stoich[((d.Species.Count + from) * channels) + c] = -1.0;
                stoich[((d.Species.Count + to) * channels) + c] = 1.0;
                rates[c] = Algebra.Mul(rate, new Sym(tr.From, SymbolKind.State, d.Species.Count + from));
            }
        }

        if (errors.Count > 0)
        {
            throw new ModelDefinitionException(errors);
        }

        var channelNames = d.Reactions.Select(r => r.Name).Concat(d.Transitions.Select(t => $"{t.From}->{t.To}")).ToArray();
        var compiled = new CompiledModel(d.Species.Count, d.Phases.Count, d.Parameters.Count, channelNames, stoich, rates!);
        return new ReactionNetwork(d.Name, d.Description, d.SystemSize, d.Species, d.Phases, d.Parameters, d.Reactions, d.Transitions, compiled);
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
