namespace ReactorTwin.Adapters.Import.Petab;

/// <summary>
/// One row of the condition table, resolved against the model: each column sets a parameter of θ (a model parameter
/// or compartment size), the initial value of a state variable, or a name only observables use. A cell that is
/// empty or NaN leaves the value as it is: the model's (or, for a state after pre-equilibration, the steady state's).
/// </summary>
internal sealed class PetabCondition
{
    private readonly (int Index, string Cell)[] _parameters;
    private readonly (int Index, string Cell)[] _states;
    private readonly Dictionary<string, string> _others;

    public PetabCondition(string id, IReadOnlyDictionary<string, string> cells, Core.Models.ReactionNetwork network)
    {
        Id = id;
        _parameters = [.. cells.Where(c => network.IndexOfParameter(c.Key) >= 0).Select(c => (network.IndexOfParameter(c.Key), c.Value))];
        _states = [.. cells.Where(c => network.IndexOfState(c.Key) >= 0).Select(c => (network.IndexOfState(c.Key), c.Value))];
        _others = cells.Where(c => network.IndexOfParameter(c.Key) < 0 && network.IndexOfState(c.Key) < 0).ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);
    }

    /// <summary>conditionId.</summary>
    public string Id { get; }

    /// <summary>Sets the parameters of θ this condition gives a value.</summary>
    public void ApplyParameters(PetabParameterMap map, ReadOnlySpan<double> x, double[] theta)
    {
        var values = new double[_parameters.Length];
        for (int i = 0; i < _parameters.Length; i++)
        {
            values[i] = map.Cell(_parameters[i].Cell, x, theta); // all read before any is written
        }

        for (int i = 0; i < _parameters.Length; i++)
        {
            if (!double.IsNaN(values[i]))
            {
                theta[_parameters[i].Index] = values[i];
            }
        }
    }

    /// <summary>Sets the initial values of the states this condition gives a value.</summary>
    public void ApplyStates(PetabParameterMap map, ReadOnlySpan<double> x, double[] theta, double[] z)
    {
        foreach (var (index, cell) in _states)
        {
            double v = map.Cell(cell, x, theta);
            if (!double.IsNaN(v))
            {
                z[index] = v;
            }
        }
    }

    /// <summary>The cell of a column that is not part of the model (for observables), or null.</summary>
    public string? Other(string column) => _others.TryGetValue(column, out var cell) ? cell : null;
}
