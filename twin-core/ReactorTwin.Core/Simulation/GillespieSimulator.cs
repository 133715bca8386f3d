using ReactorTwin.Core.Expressions;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Core.Simulation;

/// <summary>
/// Gillespie's direct method at system size Ω: channel r fires with propensity Ω·a_r(z) and moves the species by
/// N_{·r} molecules, i.e. N_{·r}/Ω in concentration (fractional stoichiometry is allowed and gives fractional jumps).
/// For models without cell phases this is the exact SSA. With cell phases the densities X follow their
/// deterministic ODE (seed 001 eq. 1) between events, so the propensities drift in time; the simulator then
/// caps the waiting time at <see cref="MaxDeterministicStepHours"/> and advances X by a midpoint step
/// (a piecewise-deterministic Markov process whose error is O(cap); docs/adr/0002-cell-phases-deterministic.md).
/// Rates are truncated at 0. Models with deterministic channels that change species (a fed-batch's feed and
/// dilution, <see cref="Reaction.Deterministic"/>) are refused: use the CLE or the mean ODE. Seeded and repeatable; after construction a simulation allocates nothing.
/// Not thread-safe.
/// </summary>
public sealed class GillespieSimulator
{
    private readonly ReactionNetwork _model;
    private readonly double[] _z, _zMid, _rates, _counts, _stoich;
    private readonly ModelArguments _args;
    private readonly StochasticEvents _events;
    private readonly double _omega;
    private readonly bool _hybrid;

    /// <summary>Creates the simulator.</summary>
    /// <param name="model">The model.</param>
    /// <param name="systemSize">Ω; null for the model's own. Concentration c corresponds to c·Ω molecules.</param>
    /// <param name="maxDeterministicStepHours">Longest deterministic advance of the cell densities between events (h), &gt; 0.</param>
    /// <param name="maxEvents">Event budget per path; exceeding it throws rather than running for ever.</param>
    /// <exception cref="ArgumentException">The model has deterministic channels that change species.</exception>
    public GillespieSimulator(ReactionNetwork model, double? systemSize = null, double maxDeterministicStepHours = 0.01, long maxEvents = 200_000_000)
    {
        ArgumentNullException.ThrowIfNull(model);
        _omega = SimulationInputs.ResolveSystemSize(model, systemSize);

        if (!(maxDeterministicStepHours > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(maxDeterministicStepHours), maxDeterministicStepHours, "must be > 0 hours");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(maxEvents, 1);
        var fluxes = DeterministicSpeciesChannels(model.Compiled);
        if (fluxes.Count > 0)
        {
            throw new ArgumentException($"model '{model.Name}' has deterministic channels that change species ({string.Join(", ", fluxes)}); the SSA advances only cell densities between events, so it cannot simulate them: use the CLE or the mean ODE", nameof(model));
        }

        _model = model;
        MaxDeterministicStepHours = maxDeterministicStepHours;
        MaxEvents = maxEvents;
        _z = new double[model.StateDimension];
        _zMid = new double[model.StateDimension];
        _counts = new double[model.SpeciesCount];
        _args = new ModelArguments(model);
        _events = new StochasticEvents(model);
        _rates = new double[model.Compiled.ChannelCount];
        _stoich = new double[model.StateDimension * model.Compiled.ChannelCount];
        _hybrid = model.Compiled.PhaseCount > 0 || model.Compiled.IsTimeDependent;
    }

    /// <summary>Longest deterministic advance of cell densities between events (h); unused without cell phases.</summary>
    public double MaxDeterministicStepHours { get; }

    /// <summary>Event budget per path.</summary>
    public long MaxEvents { get; }

    /// <summary>Number of reaction events fired by the last simulation.</summary>
    public long LastEventCount { get; private set; }

    /// <summary>Simulates one path from t = 0 and writes z at each output time (row-major, times × state).</summary>
    /// <param name="initialState">z(0), finite and ≥ 0.</param>
    /// <param name="parameters">θ (natural scale).</param>
    /// <param name="times">Output times (h), non-decreasing, ≥ 0.</param>
    /// <param name="output">times.Length × StateDimension values.</param>
    /// <param name="random">Seeded uniform source.</param>
    /// <exception cref="SimulationException">The event budget ran out.</exception>
    public void Simulate(ReadOnlySpan<double> initialState, ReadOnlySpan<double> parameters, ReadOnlySpan<double> times, Span<double> output, Random random) =>
        Simulate(initialState, parameters, times, output, random, null);

    /// <summary>
    /// Simulates one path with the inputs of <paramref name="inputs"/> (null: the model's values). Waiting times stop at
    /// every input point and event time (by memorylessness the event clock restarts there); an event at a time applies
    /// after the output at that time; a triggered event fires right after the reaction or deterministic advance that
    /// made its condition true. Without cell phases or time in the rates the state holds still between reactions, and
    /// a condition that becomes true with the time (a trigger on t or an input) fires at its time (to 1e−13 h); with
    /// them it fires after the deterministic advance of at most <see cref="MaxDeterministicStepHours"/> in which it did.
    /// </summary>
    /// <inheritdoc cref="Simulate(ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, Random)"/>
    public void Simulate(ReadOnlySpan<double> initialState, ReadOnlySpan<double> parameters, ReadOnlySpan<double> times, Span<double> output, Random random, InputSchedule? inputs)
    {
        ArgumentNullException.ThrowIfNull(random);
        SimulationInputs.CheckAndLoad(_model, initialState, parameters, times, output, _z, _args);
        var cm = _model.Compiled;
        int n = cm.StateDimension, ns = cm.SpeciesCount, m = cm.ChannelCount;
        cm.EvaluateStoichiometry(_args.Values, _stoich);
        var stoich = _stoich;

        // Species are tracked as molecule numbers c·Ω so that integer jumps stay exact (no drift from
        // accumulating 1/Ω); z holds c = count/Ω for the rate laws and the output.
        for (int i = 0; i < ns; i++)
        {
            _counts[i] = _z[i] * _omega;
        }

        double t = 0, segmentEnd = 0, last = times[^1];
        long events = 0;
        int outIndex = 0;
        _events.Begin(_args, 0, _z);
        while (outIndex < times.Length)
        {
            double tOut = times[outIndex];
            if (t >= segmentEnd && t < tOut)
            {
                if (_events.ApplyDue(_args, t, _z))
                {
                    SyncCounts(ns);
                }

                segmentEnd = _events.NextStop(t, inputs);
                _args.SetSegment(inputs, t, Math.Min(segmentEnd, last));
            }

            _args.At(t);
            cm.Rates(_z, _args.Values, _rates);
            double a0 = 0;
            for (int r = 0; r < m; r++)
            {
                if (cm.IsStochasticChannel(r))
                {
                    a0 += Math.Max(_rates[r], 0.0) * _omega;
                }
            }

            double tau = a0 > 0 ? -Math.Log(1.0 - random.NextDouble()) / a0 : double.PositiveInfinity;
            double end = Math.Min(tOut, segmentEnd);
            double limit = end - t;
            if (_hybrid)
            {
                limit = Math.Min(limit, MaxDeterministicStepHours);
            }

            if (!_hybrid && _events.HasTimeTriggers)
            {
                // The state holds still until the next reaction, but a trigger on t or an input may become true in
                // the wait: advance to it, fire, and restart the reaction clock there (memorylessness).
                double crossing = _events.FirstCrossing(_args, t, t + Math.Min(tau, limit), _z);
                if (double.IsFinite(crossing))
                {
                    t = crossing;
                    if (_events.FireTriggered(_args, t, _z))
                    {
                        SyncCounts(ns);
                    }

                    continue;
                }
            }

            if (tau >= limit)
            {
                // No event before the limit: by memorylessness the event clock restarts there.
                if (_hybrid)
                {
                    AdvanceCells(cm, t, limit, ns, n, m);
                }

                t = limit == end - t ? end : t + limit;
                if (_hybrid && _events.FireTriggered(_args, t, _z))
                {
                    SyncCounts(ns);
                }

                while (outIndex < times.Length && times[outIndex] <= t)
                {
                    _z.AsSpan().CopyTo(output.Slice(outIndex * n, n));
                    outIndex++;
                }

                continue;
            }

            double tEvent = t + tau;
            if (++events > MaxEvents)
            {
                throw new SimulationException($"the SSA of model '{_model.Name}' fired more than {MaxEvents} events before t = {tEvent:G6} h (Ω = {_omega}); use the CLE or a smaller Ω");
            }

            // Choose the channel with probability Ω a_r / a0 (rates at the start of the wait).
            double u = random.NextDouble() * a0;
            int fired = -1;
            for (int r = 0; r < m; r++)
            {
                if (!cm.IsStochasticChannel(r))
                {
                    continue;
                }

                double a = Math.Max(_rates[r], 0.0) * _omega;
                if (a > 0)
                {
                    fired = r;
                    if (u < a)
                    {
                        break;
                    }

                    u -= a;
                }
            }

            if (_hybrid)
            {
                AdvanceCells(cm, t, tau, ns, n, m); // overwrites _rates, so only after the channel is chosen
            }

            t = tEvent;

            for (int i = 0; i < ns; i++)
            {
                double c = stoich[(i * m) + fired];
                if (c != 0.0)
                {
                    _counts[i] += c;
                    _z[i] = _counts[i] / _omega;
                }
            }

            if (_events.FireTriggered(_args, t, _z))
            {
                SyncCounts(ns);
            }
        }

        LastEventCount = events;
    }

    /// <summary>Names of the channels marked deterministic (feeds, dilution, transfer) whose column has a species entry.</summary>
    internal static List<string> DeterministicSpeciesChannels(CompiledModel cm)
    {
        var names = new List<string>();
        int m = cm.ChannelCount;
        for (int r = 0; r < m; r++)
        {
            bool changesSpecies = false;
            for (int i = 0; i < cm.SpeciesCount; i++)
            {
                changesSpecies |= !Algebra.IsZero(cm.StoichiometryExpressions[(i * m) + r]);
            }

            if (changesSpecies && !cm.IsStochasticChannel(r))
            {
                names.Add(cm.ChannelNames[r]);
            }
        }

        return names;
    }

    /// <summary>Molecule counts from the concentrations after an event changed them.</summary>
    private void SyncCounts(int ns)
    {
        for (int i = 0; i < ns; i++)
        {
            _counts[i] = _z[i] * _omega;
        }
    }

    /// <summary>Midpoint step of the cell-density ODE over <paramref name="dt"/> from <paramref name="t"/> with the species held fixed.</summary>
    private void AdvanceCells(CompiledModel cm, double t, double dt, int ns, int n, int m)
    {
        var stoich = _stoich;
        _z.AsSpan().CopyTo(_zMid);
        _args.At(t);
        cm.Rates(_z, _args.Values, _rates);
        for (int i = ns; i < n; i++)
        {
            double d = 0;
            for (int r = 0; r < m; r++)
            {
                d += stoich[(i * m) + r] * _rates[r];
            }

            _zMid[i] = _z[i] + (0.5 * dt * d);
        }

        _args.At(t + (0.5 * dt));
        cm.Rates(_zMid, _args.Values, _rates);
        for (int i = ns; i < n; i++)
        {
            double d = 0;
            for (int r = 0; r < m; r++)
            {
                d += stoich[(i * m) + r] * _rates[r];
            }

            _z[i] += dt * d;
        }
    }
}
