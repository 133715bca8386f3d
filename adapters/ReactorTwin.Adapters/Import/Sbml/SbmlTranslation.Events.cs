using ReactorTwin.Core.Models;

namespace ReactorTwin.Adapters.Import.Sbml;

/// <summary>The events part of <see cref="SbmlTranslation"/>: triggers and assignments with every name expanded.</summary>
internal sealed partial class SbmlTranslation
{
    private List<ResolvedEvent> ResolveEvents(List<string> states, List<string> warnings)
    {
        var result = new List<ResolvedEvent>();
        var parameters = doc.Parameters.Select(p => p.Id).Concat(doc.Compartments.Select(c => c.Id)).ToHashSet(StringComparer.Ordinal);
        foreach (var e in doc.Events)
        {
            string where = $"event '{e.Id}'";
            var trigger = Resolve(e.Trigger, where, e.Line);
            var assignments = new List<(string, MathNode)>();
            foreach (var a in e.Assignments)
            {
                string at = $"{where}: assignment of '{a.Variable}'";
                if (_assigned.ContainsKey(a.Variable))
                {
                    _problems.Add(new SbmlProblem(a.Line, at, $"'{a.Variable}' is set by a rule or initial assignment, so an event cannot change it"));
                }
                else if (!states.Contains(a.Variable) && !parameters.Contains(a.Variable))
                {
                    _problems.Add(new SbmlProblem(a.Line, at, $"'{a.Variable}' is not a species, parameter or compartment of the model"));
                }
                else if (a.Math.Names().Contains(MathMlReader.TimeSymbol))
                {
                    _problems.Add(new SbmlProblem(a.Line, at, "the time symbol in an event assignment is not supported"));
                }
                else
                {
                    assignments.Add((a.Variable, Resolve(a.Math, at, a.Line)));
                }
            }

            warnings.Add($"{source}:{e.Line}: event '{e.Id}' is simulated by SbmlSimulator (and PEtab), not by the network's own simulators and likelihoods");
            result.Add(new ResolvedEvent(e.Id, trigger, e.InitialValue, assignments, e.Line));
        }

        return result;
    }

    /// <summary>An event whose formulas name only states, parameters and time; built into its model form once the network exists.</summary>
    private sealed record ResolvedEvent(string Id, MathNode Trigger, bool InitialValue, List<(string Variable, MathNode Value)> Assignments, int Line)
    {
        public SbmlModelEvent Build(ReactionNetwork network) => new(
            Id,
            Line,
            InitialValue,
            Trigger,
            [.. Assignments.Select(a => (network.IndexOfState(a.Variable) >= 0, network.IndexOfState(a.Variable) is int i and >= 0 ? i : network.IndexOfParameter(a.Variable), a.Variable, a.Value))],
            network);
    }
}
