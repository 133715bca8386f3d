using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Simulator.Devices;

/// <summary>
/// A simulated culture as signals of wall-clock time: the state trajectory of a Core model (mean ODE or chemical
/// Langevin) on a fixed grid, linearly interpolated, starting at <see cref="Start"/>. Simulated chips take these
/// signals (through a probe model) so that real driver code reads values produced by the plant.
/// </summary>
public sealed class CultureSignals
{
    private readonly double[] _timesHours;
    private readonly double[] _states;
    private readonly ReactionNetwork _model;

    private CultureSignals(ReactionNetwork model, DateTimeOffset start, double[] timesHours, double[] states)
    {
        _model = model;
        Start = start;
        _timesHours = timesHours;
        _states = states;
    }

    /// <summary>Wall-clock time of t = 0 h.</summary>
    public DateTimeOffset Start { get; }

    /// <summary>The model.</summary>
    public ReactionNetwork Model => _model;

    /// <summary>Solves the mean ODE of <paramref name="model"/> at nominal parameters and default initial state.</summary>
    /// <param name="model">The model, e.g. <c>BuiltInModels.Cho()</c>.</param>
    /// <param name="start">Wall-clock time of t = 0.</param>
    /// <param name="durationHours">Length of the trajectory.</param>
    /// <param name="stepHours">Grid spacing.</param>
    public static CultureSignals FromMeanOde(ReactionNetwork model, DateTimeOffset start, double durationHours, double stepHours)
    {
        ArgumentNullException.ThrowIfNull(model);
        double[] times = Grid(durationHours, stepHours);
        double[] output = new double[times.Length * model.StateDimension];
        new MeanOdeSimulator(model).Simulate(model.DefaultInitialState(), model.NominalParameters(), times, output);
        return new CultureSignals(model, start, times, output);
    }

    /// <summary>One chemical Langevin realisation (seeded) of <paramref name="model"/> at nominal parameters.</summary>
    public static CultureSignals FromChemicalLangevin(ReactionNetwork model, DateTimeOffset start, double durationHours, double stepHours, Random random)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(random);
        double[] times = Grid(durationHours, stepHours);
        double[] output = new double[times.Length * model.StateDimension];
        new ChemicalLangevinSimulator(model, Math.Min(stepHours, 0.01)).Simulate(model.DefaultInitialState(), model.NominalParameters(), times, output, new GaussianSource(random));
        return new CultureSignals(model, start, times, output);
    }

    /// <summary>The named state (species or cell phase) over time; held at the ends outside the trajectory.</summary>
    public Func<DateTimeOffset, double> State(string name)
    {
        int index = _model.IndexOfState(name);
        if (index < 0)
        {
            throw new ArgumentException($"model '{_model.Name}' has no state '{name}' (states: {string.Join(", ", _model.StateNames)})", nameof(name));
        }

        return t => Interpolate(t, index);
    }

    /// <summary>Total cell density: the sum of all cell phases, in the model's cell unit.</summary>
    public Func<DateTimeOffset, double> TotalCellDensity()
    {
        int[] phases = _model.CellPhases.Select(p => _model.IndexOfState(p.Name)).ToArray();
        return t =>
        {
            double sum = 0;
            foreach (int i in phases)
            {
                sum += Interpolate(t, i);
            }

            return sum;
        };
    }

    private static double[] Grid(double durationHours, double stepHours)
    {
        if (!(durationHours > 0) || !(stepHours > 0))
        {
            throw new ArgumentException("duration and step must be positive");
        }

        int n = (int)Math.Ceiling(durationHours / stepHours) + 1;
        double[] times = new double[n];
        for (int i = 0; i < n; i++)
        {
            times[i] = Math.Min(i * stepHours, durationHours);
        }

        return times;
    }

    private double Interpolate(DateTimeOffset t, int stateIndex)
    {
        int d = _model.StateDimension;
        double h = (t - Start).TotalHours;
        if (h <= _timesHours[0])
        {
            return _states[stateIndex];
        }

        if (h >= _timesHours[^1])
        {
            return _states[((_timesHours.Length - 1) * d) + stateIndex];
        }

        int upper = Array.BinarySearch(_timesHours, h);
        if (upper >= 0)
        {
            return _states[(upper * d) + stateIndex];
        }

        upper = ~upper;
        int lower = upper - 1;
        double w = (h - _timesHours[lower]) / (_timesHours[upper] - _timesHours[lower]);
        return ((1 - w) * _states[(lower * d) + stateIndex]) + (w * _states[(upper * d) + stateIndex]);
    }
}
