using ReactorTwin.Core.Models;

namespace ReactorTwin.Adapters.Import.Sbml;

/// <summary>
/// An event of an imported SBML model: when its trigger (a condition on the state, the parameters and time) turns from
/// false to true, its assignments set state variables or parameters, each evaluated with the values just before.
/// <see cref="SbmlSimulator"/> locates the moment and applies it.
/// </summary>
public sealed class SbmlModelEvent
{
    private readonly MathNode _trigger;
    private readonly (bool IsState, int Index, string Variable, MathNode Value)[] _assignments;
    private readonly ReactionNetwork _network;

    internal SbmlModelEvent(string id, int line, bool initialValue, MathNode trigger, IReadOnlyList<(bool IsState, int Index, string Variable, MathNode Value)> assignments, ReactionNetwork network)
    {
        Id = id;
        Line = line;
        InitialValue = initialValue;
        _trigger = trigger;
        _assignments = [.. assignments];
        _network = network;
    }

    /// <summary>The event's id.</summary>
    public string Id { get; }

    /// <summary>Its line in the SBML file.</summary>
    public int Line { get; }

    /// <summary>The trigger's value taken just before t = 0: false lets the event fire at t = 0 when its trigger holds then.</summary>
    public bool InitialValue { get; }

    /// <summary>The variables the event sets.</summary>
    public IEnumerable<string> Targets => _assignments.Select(a => a.Variable);

    /// <summary>Whether the trigger holds at time <paramref name="t"/> for state <paramref name="z"/> and parameters <paramref name="theta"/>.</summary>
    public bool Holds(double t, double[] z, double[] theta) => _trigger.Evaluate(Lookup(t, z, theta)) != 0;

    /// <summary>Applies the assignments (all evaluated before any is written).</summary>
    public void Apply(double t, double[] z, double[] theta)
    {
        var valueOf = Lookup(t, z, theta);
        var values = _assignments.Select(a => a.Value.Evaluate(valueOf)).ToArray();
        for (int i = 0; i < values.Length; i++)
        {
            (_assignments[i].IsState ? z : theta)[_assignments[i].Index] = values[i];
        }
    }

    private Func<string, double> Lookup(double t, double[] z, double[] theta) => name =>
    {
        if (name == MathMlReader.TimeSymbol)
        {
            return t;
        }

        int i = _network.IndexOfState(name);
        return i >= 0 ? z[i] : theta[_network.IndexOfParameter(name)];
    };
}
