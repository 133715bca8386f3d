using ReactorTwin.Core.Expressions;

namespace ReactorTwin.Adapters.Import.Petab;

/// <summary>
/// The observable and noise formulas of each measurement, evaluated with <see cref="Formula"/> on the simulated state.
/// A name in a formula means, in this order: a placeholder <c>observableParameterN_ID</c> / <c>noiseParameterN_ID</c>
/// (the measurement's Nth override: a number or a parameter), a state variable, a model parameter (as the simulation
/// condition set it), a row of the parameter table, a column of the condition table that is not part of the model, a
/// variable of an SBML assignment rule (its formula, evaluated the same way), or <c>time</c>.
/// </summary>
internal sealed class PetabMeasurementModel
{
    private readonly PetabProblem _problem;
    private readonly PetabParameterMap _map;
    private readonly Dictionary<string, string>[] _placeholders;
    private readonly Dictionary<string, Formula> _assignments;

    public PetabMeasurementModel(PetabProblem problem, PetabParameterMap map)
    {
        _problem = problem;
        _map = map;
        _placeholders = [.. problem.Measurements.Select(Placeholders)];
        _assignments = problem.Model.Assignments.ToDictionary(a => a.Key, a => Formula.Parse(a.Value), StringComparer.Ordinal);
    }

    /// <summary>The observable's value and its noise SD for measurement <paramref name="m"/>.</summary>
    /// <param name="m">Index into the measurement table.</param>
    /// <param name="state">The simulated state at the measurement's time.</param>
    /// <param name="theta">θ of the simulation condition.</param>
    /// <param name="x">Values of the parameter table.</param>
    /// <param name="condition">The simulation condition.</param>
    public (double Value, double Sd) Evaluate(int m, ReadOnlySpan<double> state, double[] theta, ReadOnlySpan<double> x, PetabCondition condition)
    {
        var measurement = _problem.Measurements[m];
        var observable = _problem.Observables[measurement.Observable];
        var net = _problem.Model.Network;
        var placeholders = _placeholders[m];
        var z = state.ToArray();
        var values = x.ToArray();
        double ValueOf(string name)
        {
            if (placeholders.TryGetValue(name, out var cell))
            {
                return _map.Cell(cell, values, theta);
            }

            int i = net.IndexOfState(name);
            if (i >= 0)
            {
                return z[i];
            }

            int k = net.IndexOfParameter(name);
            if (k >= 0)
            {
                return theta[k];
            }

            int row = _map.RowOf(name);
            if (row >= 0)
            {
                return values[row];
            }

            if (condition.Other(name) is { } column)
            {
                return _map.Cell(column, values, theta);
            }

            if (_assignments.TryGetValue(name, out var rule))
            {
                return rule.Evaluate(ValueOf);
            }

            return name is "time" or "t"
                ? measurement.Time
                : throw new PetabException($"measurement line {measurement.Line}: observable '{observable.Id}' names '{name}', which has no value");
        }

        return (observable.Formula.Evaluate(ValueOf), observable.Noise.Evaluate(ValueOf));
    }

    private Dictionary<string, string> Placeholders(PetabMeasurement m)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < m.ObservableParameters.Count; i++)
        {
            result[$"observableParameter{i + 1}_{m.Observable}"] = m.ObservableParameters[i];
        }

        for (int i = 0; i < m.NoiseParameters.Count; i++)
        {
            result[$"noiseParameter{i + 1}_{m.Observable}"] = m.NoiseParameters[i];
        }

        return result;
    }
}
