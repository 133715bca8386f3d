using ReactorTwin.Core.Models;

namespace ReactorTwin.Adapters.Import.Sbml;

/// <summary>Turns an <see cref="SbmlDocument"/> into an <see cref="SbmlModel"/> (the rules are on <see cref="SbmlImporter"/>).</summary>
internal sealed partial class SbmlTranslation(SbmlDocument doc, string source)
{
    private const int MaxDepth = 64;
    private readonly List<SbmlProblem> _problems = [];
    private readonly Dictionary<string, SbmlFunction> _functions = doc.Functions.ToDictionary(f => f.Id, StringComparer.Ordinal);
    private readonly Dictionary<string, MathNode> _assigned = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SbmlReaction> _reactions = doc.Reactions.ToDictionary(r => r.Id, StringComparer.Ordinal);
    private readonly Dictionary<string, string> _localNames = new(StringComparer.Ordinal);

    public SbmlModel Build()
    {
        var rateRuled = doc.RateRules.Select(r => r.Variable).ToHashSet(StringComparer.Ordinal);
        foreach (var rule in doc.AssignmentRules)
        {
            _assigned[rule.Variable] = rule.Math;
        }

        var compartments = doc.Compartments.ToDictionary(c => c.Id, StringComparer.Ordinal);
        var parameterIds = doc.Parameters.ToDictionary(p => p.Id, StringComparer.Ordinal);
        var initialOfState = new Dictionary<string, MathNode>(StringComparer.Ordinal);
        foreach (var ia in doc.InitialAssignments)
        {
            bool isConstant = compartments.ContainsKey(ia.Variable)
                || (parameterIds.TryGetValue(ia.Variable, out var p) && !rateRuled.Contains(p.Id))
                || doc.Species.Any(s => s.Id == ia.Variable && s.Constant);
            if (isConstant)
            {
                _assigned.TryAdd(ia.Variable, ia.Math); // a constant set once from others: the same as a rule
            }
            else
            {
                initialOfState[ia.Variable] = ia.Math;
            }
        }

        var builder = ReactionNetwork.CreateBuilder(doc.Id).WithDescription($"Imported from the SBML Level {doc.Level} file {Path.GetFileName(source)}");
        var warnings = new List<string>();
        var states = new List<string>();
        var stateSpecies = new Dictionary<string, SbmlSpecies>(StringComparer.Ordinal);
        foreach (var s in doc.Species)
        {
            if (s.Constant)
            {
                AddParameter(builder, s.Id, Initial(s.Id, s.Initial, s.Line, initialOfState));
            }
            else if (!_assigned.ContainsKey(s.Id))
            {
                builder.AddSpecies(s.Id, s.OnlySubstanceUnits ? "amount" : "concentration", Initial(s.Id, s.Initial, s.Line, initialOfState));
                states.Add(s.Id);
                stateSpecies[s.Id] = s;
            }
        }

        foreach (var p in doc.Parameters.Where(p => rateRuled.Contains(p.Id)))
        {
            builder.AddSpecies(p.Id, string.Empty, Initial(p.Id, p.Value, p.Line, initialOfState));
            states.Add(p.Id);
        }

        foreach (var c in doc.Compartments.Where(c => !_assigned.ContainsKey(c.Id)))
        {
            AddParameter(builder, c.Id, c.Size);
        }

        foreach (var p in doc.Parameters.Where(p => !rateRuled.Contains(p.Id) && !_assigned.ContainsKey(p.Id)))
        {
            if (double.IsNaN(p.Value))
            {
                _problems.Add(new SbmlProblem(p.Line, $"parameter '{p.Id}'", "it has no value, initial assignment or rule"));
                continue;
            }

            AddParameter(builder, p.Id, p.Value);
        }

        var taken = new HashSet<string>(doc.Species.Select(s => s.Id).Concat(doc.Parameters.Select(p => p.Id)).Concat(doc.Compartments.Select(c => c.Id)), StringComparer.Ordinal);
        foreach (var r in doc.Reactions)
        {
            foreach (var (local, value) in r.LocalParameters)
            {
                string name = r.Id + "_" + local;
                while (!taken.Add(name))
                {
                    name += "_";
                }

                _localNames[r.Id + "\n" + local] = name;
                AddParameter(builder, name, value);
            }
        }

        var channelNames = new HashSet<string>(StringComparer.Ordinal);
        string Channel(string name)
        {
            while (!channelNames.Add(name))
            {
                name += "_";
            }

            return name;
        }

        foreach (var r in doc.Reactions)
        {
            // One channel per compartment (or amount species) the reaction changes: rate = law / size there.
            var net = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var sr in r.Reactants.Select(x => x with { Stoichiometry = -x.Stoichiometry }).Concat(r.Products))
            {
                if (!doc.Species.Any(s => s.Id == sr.Species))
                {
                    _problems.Add(new SbmlProblem(r.Line, $"reaction '{r.Id}'", $"it names the species '{sr.Species}', which is not defined"));
                }
                else if (stateSpecies.TryGetValue(sr.Species, out var sp) && !sp.Boundary && !rateRuled.Contains(sp.Id))
                {
                    net[sr.Species] = net.GetValueOrDefault(sr.Species) + sr.Stoichiometry;
                }
            }

            var groups = net.Where(kv => kv.Value != 0.0)
                .GroupBy(kv => stateSpecies[kv.Key].OnlySubstanceUnits ? string.Empty : stateSpecies[kv.Key].Compartment).ToList();
            var law = Resolve(new MathName(r.Id), $"reaction '{r.Id}'", r.Line);
            foreach (var g in groups)
            {
                var rate = g.Key.Length == 0 ? law : new MathApply("divide", [law, Resolve(new MathName(g.Key), $"reaction '{r.Id}'", r.Line)]);
                string name = Channel(groups.Count == 1 ? r.Id : r.Id + "_" + (g.Key.Length == 0 ? "amount" : g.Key));
                builder.AddReaction(name, g.ToDictionary(kv => kv.Key, kv => kv.Value), rate.ToFormula());
            }
        }

        foreach (var rule in doc.RateRules)
        {
            string where = $"rate rule of '{rule.Variable}'";
            if (!states.Contains(rule.Variable))
            {
                _problems.Add(new SbmlProblem(rule.Line, where, compartments.ContainsKey(rule.Variable)
                    ? "a compartment whose size changes is not supported"
                    : $"'{rule.Variable}' is not a species or parameter that can change"));
                continue;
            }

            var rhs = Resolve(rule.Math, where, rule.Line);
            builder.AddReaction(Channel("rate_" + rule.Variable), new() { [rule.Variable] = 1.0 }, rhs.ToFormula(), $"rate rule d{rule.Variable}/dt");
        }

        var initialFormulas = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (variable, math) in initialOfState)
        {
            if (!states.Contains(variable))
            {
                _problems.Add(new SbmlProblem(0, $"initial assignment of '{variable}'", $"'{variable}' is not defined in the model"));
                continue;
            }

            initialFormulas[variable] = Resolve(math, $"initial assignment of '{variable}'", 0).ToFormula();
        }

        var events = ResolveEvents(states, warnings);
        var assignments = _assigned.Keys.ToDictionary(v => v, v => Resolve(new MathName(v), $"assignment of '{v}'", 0).ToFormula(), StringComparer.Ordinal);
        if (_problems.Count > 0)
        {
            throw new SbmlImportException(source, _problems);
        }

        ReactionNetwork network;
        try
        {
            network = builder.Build(source);
        }
        catch (ModelDefinitionException ex)
        {
            throw new SbmlImportException(source, [.. ex.Errors.Select(e => new SbmlProblem(0, e.Path, e.Message))]);
        }

        return new SbmlModel(network, initialFormulas, [.. doc.Compartments.Select(c => c.Id).Where(id => network.IndexOfParameter(id) >= 0)], warnings)
        {
            Events = [.. events.Select(e => e.Build(network))],
            Assignments = assignments,
        };
    }

    private double Initial(string id, double value, int line, Dictionary<string, MathNode> initialOfState)
    {
        if (!double.IsNaN(value))
        {
            return value;
        }

        if (!initialOfState.ContainsKey(id))
        {
            _problems.Add(new SbmlProblem(line, $"'{id}'", "it has no initial value and no initial assignment"));
        }

        return 0.0;
    }

    private static int IndexOf(IReadOnlyList<string> list, string name)
    {
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i] == name)
            {
                return i;
            }
        }

        return -1;
    }

    private static void AddParameter(ReactionNetworkBuilder builder, string name, double value)
    {
        // SBML states no bounds; these only make the parameter valid for the model layer (estimators take theirs from PEtab).
        double width = Math.Max(1.0, Math.Abs(value)) * 1e3;
        builder.AddParameter(value > 0
            ? new Parameter(name, value, value * 1e-3, value * 1e3, LogScale: true, Estimate: false)
            : new Parameter(name, value, value - width, value + width, LogScale: false, Estimate: false));
    }

    /// <summary>Expands function calls, assignment rules, reaction identifiers and local parameters.</summary>
    private MathNode Resolve(MathNode node, string where, int line, SbmlReaction? scope = null, int depth = 0)
    {
        if (depth > MaxDepth)
        {
            throw new SbmlImportException(source, [new SbmlProblem(line, where, "the assignment rules or function definitions refer to each other in a cycle")]);
        }

        switch (node)
        {
            case MathApply { Operator: "call" } call:
            {
                var args = call.Arguments.Select(a => Resolve(a, where, line, scope, depth + 1)).ToList();
                if (!_functions.TryGetValue(call.Function!, out var f))
                {
                    throw new SbmlImportException(source, [new SbmlProblem(line, where, $"it calls '{call.Function}', which is not a function definition")]);
                }

                if (f.Arguments.Count != args.Count)
                {
                    throw new SbmlImportException(source, [new SbmlProblem(line, where, $"'{f.Id}' takes {f.Arguments.Count} arguments, not {args.Count}")]);
                }

                var bound = f.Body.Substitute(n => IndexOf(f.Arguments, n) is int i and >= 0 ? MathPlaceholder.New(i) : null);
                var expanded = Resolve(bound, where, line, null, depth + 1);
                return expanded.Substitute(n => MathPlaceholder.Index(n) is int i and >= 0 ? args[i] : null);
            }

            case MathApply apply:
                return apply with { Arguments = [.. apply.Arguments.Select(a => Resolve(a, where, line, scope, depth + 1))] };
            case MathName { Name: var name }:
                if (scope is not null && _localNames.TryGetValue(scope.Id + "\n" + name, out var local))
                {
                    return new MathName(local);
                }

                if (_assigned.TryGetValue(name, out var rule))
                {
                    return Resolve(rule, where, line, null, depth + 1);
                }

                if (_reactions.TryGetValue(name, out var reaction))
                {
                    return Resolve(reaction.Law, where, line, reaction, depth + 1);
                }

                return node;
            default:
                return node;
        }
    }
}

/// <summary>A function argument while a definition is expanded (a name no SBML identifier can take).</summary>
internal static class MathPlaceholder
{
    private const string Prefix = "\u0001arg";

#pragma warning disable CA1859 // the substitution callback returns MathNode
    public static MathNode New(int index) => new MathName(Prefix + index.ToString(System.Globalization.CultureInfo.InvariantCulture));
#pragma warning restore CA1859

    public static int Index(string name) =>
        name.StartsWith(Prefix, StringComparison.Ordinal) ? int.Parse(name.AsSpan(Prefix.Length), System.Globalization.CultureInfo.InvariantCulture) : -1;
}
