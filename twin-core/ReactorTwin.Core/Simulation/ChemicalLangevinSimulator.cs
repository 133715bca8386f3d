using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Core.Simulation;

/// <summary>
/// Chemical Langevin equation integrated by Euler–Maruyama (seed 001 eq. 3–4):
/// Δs = N a(z) Δt + N diag(√(a(z) Δt / Ω)) ξ, ξ ~ N(0, I_R), for the species, while the cell densities take the
/// drift step of eq. 1 only (they carry no intrinsic noise; docs/models/cho.md). Rates are truncated at 0
/// (a_r ← max(a_r, 0)) so that the square root is defined when a species dips below zero.
/// The step is fixed (<see cref="StepHours"/>) and shortened to land on every output time.
/// Seeded and repeatable: the same <see cref="Random"/> seed gives the same path. After construction a
/// simulation allocates nothing. Not thread-safe.
/// </summary>
public sealed class ChemicalLangevinSimulator
{
    private readonly ReactionNetwork _model;
    private readonly double[] _z, _rates, _stoich;
    private readonly ModelArguments _args;
    private readonly StochasticEvents _events;
    private readonly double _omega;

    /// <summary>Creates the simulator.</summary>
    /// <param name="model">The model.</param>
    /// <param name="stepHours">Euler–Maruyama step Δt in hours, &gt; 0.</param>
    /// <param name="systemSize">Ω; null for the model's own.</param>
    public ChemicalLangevinSimulator(ReactionNetwork model, double stepHours, double? systemSize = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!(stepHours > 0) || !double.IsFinite(stepHours))
        {
            throw new ArgumentOutOfRangeException(nameof(stepHours), stepHours, "the Euler–Maruyama step must be finite and > 0 hours");
        }

        _omega = SimulationInputs.ResolveSystemSize(model, systemSize);

        _model = model;
        StepHours = stepHours;
        _z = new double[model.StateDimension];
        _args = new ModelArguments(model);
        _events = new StochasticEvents(model);
        _rates = new double[model.Compiled.ChannelCount];
        _stoich = new double[model.StateDimension * model.Compiled.ChannelCount];
    }

    /// <summary>The Euler–Maruyama step Δt (hours).</summary>
    public double StepHours { get; }

    /// <summary>Simulates one path from t = 0 and writes z at each output time (row-major, times × state).</summary>
    /// <param name="initialState">z(0), finite and ≥ 0.</param>
    /// <param name="parameters">θ (natural scale).</param>
    /// <param name="times">Output times (h), non-decreasing, ≥ 0.</param>
    /// <param name="output">times.Length × StateDimension values.</param>
    /// <param name="random">Seeded source of the Brownian increments.</param>
    /// <exception cref="SimulationException">The state became non-finite.</exception>
    public void Simulate(ReadOnlySpan<double> initialState, ReadOnlySpan<double> parameters, ReadOnlySpan<double> times, Span<double> output, GaussianSource random) =>
        Simulate(initialState, parameters, times, output, random, null);

    /// <summary>
    /// Simulates one path with the inputs of <paramref name="inputs"/> (null: the model's values). Steps land on every
    /// input point and event time; an event at a time applies after the output at that time; a triggered event fires
    /// at the end of the step in which its condition became true.
    /// </summary>
    /// <inheritdoc cref="Simulate(ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, GaussianSource)"/>
    public void Simulate(ReadOnlySpan<double> initialState, ReadOnlySpan<double> parameters, ReadOnlySpan<double> times, Span<double> output, GaussianSource random, InputSchedule? inputs)
    {
        ArgumentNullException.ThrowIfNull(random);
        SimulationInputs.CheckAndLoad(_model, initialState, parameters, times, output, _z, _args);
        var cm = _model.Compiled;
        int n = cm.StateDimension;
        cm.EvaluateStoichiometry(_args.Values, _stoich);
        double t = 0, segmentEnd = 0, last = times[^1];
        _events.Begin(_args, 0, _z);
        for (int j = 0; j < times.Length; j++)
        {
            double target = times[j];
            while (t < target)
            {
                if (t >= segmentEnd)
                {
                    _events.ApplyDue(_args, t, _z);
                    segmentEnd = _events.NextStop(t, inputs);
                    _args.SetSegment(inputs, t, Math.Min(segmentEnd, last));
                }

                double end = Math.Min(segmentEnd, target);
                double dt = Math.Min(StepHours, end - t);
                if (end - (t + dt) < 1e-12 * Math.Max(1.0, end))
                {
                    dt = end - t;
                }

                Step(t, dt, random);
                t = dt == end - t ? end : t + dt;
                for (int i = 0; i < n; i++)
                {
                    if (!double.IsFinite(_z[i]))
                    {
                        throw new SimulationException($"the Langevin path of model '{_model.Name}' became non-finite ({_model.StateNames[i]}) at t = {t:G6} h; reduce the step ({StepHours} h)");
                    }
                }

                _events.FireTriggered(_args, t, _z);
            }

            _z.AsSpan().CopyTo(output.Slice(j * n, n));
        }
    }

    /// <summary>One Euler–Maruyama step of length <paramref name="dt"/> from <paramref name="t"/>.</summary>
    private void Step(double t, double dt, GaussianSource random)
    {
        var cm = _model.Compiled;
        int n = cm.StateDimension, ns = cm.SpeciesCount, m = cm.ChannelCount;
        var stoich = _stoich;
        _args.At(t);
        cm.Rates(_z, _args.Values, _rates);
        double scale = Math.Sqrt(dt / _omega);
        for (int r = 0; r < m; r++)
        {
            double a = Math.Max(_rates[r], 0.0);
            double noise = cm.IsStochasticChannel(r) ? scale * Math.Sqrt(a) * random.Next() : 0.0;
            double drift = a * dt;
            for (int i = 0; i < n; i++)
            {
                double c = stoich[(i * m) + r];
                if (c != 0.0)
                {
                    _z[i] += c * (i < ns ? drift + noise : drift);
                }
            }
        }
    }
}
