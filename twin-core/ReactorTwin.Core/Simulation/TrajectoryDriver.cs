using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Core.Simulation;

/// <summary>
/// An ODE system built on a model's formulas: it reads θ, t and the inputs from its <see cref="Arguments"/>, and it
/// knows how its state jumps at the model's events (state, and with it any sensitivities or covariance).
/// </summary>
internal interface IModelSystem : IOdeSystem
{
    /// <summary>The argument vector the system's formulas read.</summary>
    ModelArguments Arguments { get; }

    /// <summary>
    /// Applies event <paramref name="index"/> at <paramref name="t"/> to the whole ODE state y in place (the model state
    /// and whatever rides along: sensitivities, covariance). <paramref name="triggered"/> is true for an event whose
    /// time is the root of its trigger (its sensitivities then include the shift of the event time).
    /// </summary>
    void ApplyEvent(int index, double t, double[] y, bool triggered);

    /// <summary>
    /// True when y carries derivatives of the state (sensitivities or a covariance), whose jump at two events triggered
    /// at the same instant is not the product of their single jumps: such a coincidence is then refused.
    /// </summary>
    bool CarriesDerivatives { get; }
}

/// <summary>
/// Integrates an <see cref="IModelSystem"/> through a batch: the solve is cut at every input breakpoint (so that a
/// step never straddles a jump or a kink of an input, whose values are set per segment) and at every event time,
/// and at the rising zero crossings of the event triggers, which <see cref="OdeSolver"/> locates; the event's
/// assignments are applied there (those of every event whose trigger crossed at that instant, in declaration order)
/// and the integration restarts with the step size it had. Events at a time τ apply when the integration leaves τ:
/// an output at τ sees the state before them, and a solve from t₀ applies those at t₀ first. Allocation-free once its buffers have grown to the largest segment. Not thread-safe.
/// </summary>
internal sealed class TrajectoryDriver
{
    private readonly OdeSolver _solver;
    private readonly EventTimes _eventTimes;
    private readonly int[] _rootEvent;
    private readonly ReactionNetwork _model;
    private readonly double[] _y;
    private readonly int _dim;
    private double[] _times = new double[8];
    private double[] _rows;

    public TrajectoryDriver(ReactionNetwork model, OdeSolver solver)
    {
        _solver = solver;
        _dim = solver.Dimension;
        _y = new double[_dim];
        _rows = new double[_times.Length * _dim];
        _eventTimes = new EventTimes(model);
        _rootEvent = model.CompiledEvents.RootEvent;
        _model = model;
    }

    /// <summary>The integrator.</summary>
    public OdeSolver Solver => _solver;

    /// <summary>The state the last solve ended with (at the last output time, before the events there).</summary>
    public ReadOnlySpan<double> FinalState => _y;

    /// <summary>
    /// Solves from (t₀, y₀) and writes y at every output time into <paramref name="output"/> (times × dimension);
    /// counters summed over the segments. On failure the rows not reached are NaN.
    /// </summary>
    public OdeSolveResult Solve<TSystem>(TSystem system, InputSchedule? inputs, double t0, ReadOnlySpan<double> y0, ReadOnlySpan<double> times, Span<double> output, bool resume = false)
        where TSystem : IModelSystem
    {
        int dim = _dim;
        y0.CopyTo(_y);
        double t = t0;
        int outIndex = 0;
        while (outIndex < times.Length && times[outIndex] <= t)
        {
            _y.AsSpan().CopyTo(output.Slice(outIndex * dim, dim));
            outIndex++;
        }

        var total = default(OdeSolveResult);
        if (outIndex == times.Length)
        {
            return total with { ReachedTime = t };
        }

        double tEnd = times[^1];
        ApplyTimeEvents(system, t);
        bool carry = resume;
        while (outIndex < times.Length)
        {
            double stop = Math.Min(NextStop(inputs, t), tEnd);
            system.Arguments.SetSegment(inputs, t, stop);
            int count = 0;
            while (outIndex + count < times.Length && times[outIndex + count] <= stop)
            {
                count++;
            }

            int local = count > 0 && times[outIndex + count - 1] == stop ? count : count + 1;
            EnsureCapacity(local);
            times.Slice(outIndex, count).CopyTo(_times);
            _times[local - 1] = stop;
            var r = _solver.Solve(system, t, _y, _times.AsSpan(0, local), _rows.AsSpan(0, local * dim), carry);
            total = Add(total, r);
            if (r.Exit == OdeExitCondition.RootFound)
            {
                int written = Math.Min(r.OutputsWritten, count);
                _rows.AsSpan(0, written * dim).CopyTo(output.Slice(outIndex * dim));
                outIndex += written;
                _solver.CurrentState.CopyTo(_y);
                t = r.ReachedTime;
                ApplyTriggeredEvents(system, t);
                ApplyTimeEvents(system, t);
                carry = true;
                continue;
            }

            if (!r.Succeeded)
            {
                output[(outIndex * dim)..].Fill(double.NaN);
                return total;
            }

            _rows.AsSpan(0, count * dim).CopyTo(output.Slice(outIndex * dim));
            _rows.AsSpan((local - 1) * dim, dim).CopyTo(_y);
            outIndex += count;
            t = stop;
            carry = true;
            if (outIndex < times.Length)
            {
                ApplyTimeEvents(system, t);
            }
        }

        return total with { Exit = OdeExitCondition.Converged, ReachedTime = t };
    }

    private double NextStop(InputSchedule? inputs, double t) => _eventTimes.NextStop(t, inputs);

    private void ApplyTimeEvents<TSystem>(TSystem system, double t)
        where TSystem : IModelSystem
    {
        foreach (int e in _eventTimes.At(t))
        {
            system.ApplyEvent(e, t, _y, triggered: false);
        }
    }

    /// <summary>
    /// Applies, in declaration order, every event whose trigger crossed where the solver stopped (the solver reports root
    /// functions, which map to events through <see cref="CompiledEvents.RootEvent"/>).
    /// </summary>
    /// <exception cref="Lna.LnaException">Two events were triggered at the same instant on a system that carries derivatives.</exception>
    private void ApplyTriggeredEvents<TSystem>(TSystem system, double t)
        where TSystem : IModelSystem
    {
        var crossed = _solver.RootsCrossed;
        int first = crossed.IndexOf(true), last = crossed.LastIndexOf(true);
        if (first != last && system.CarriesDerivatives)
        {
            throw new Lna.LnaException($"the events '{_model.Events[_rootEvent[first]].Name}' and '{_model.Events[_rootEvent[last]].Name}' of model '{_model.Name}' are triggered at the same instant (t = {t:G6} h), where the LNA and the sensitivities are not defined by the single events: write their assignments as one event");
        }

        for (int j = first; j <= last; j++)
        {
            if (crossed[j])
            {
                system.ApplyEvent(_rootEvent[j], t, _y, triggered: true);
            }
        }
    }

    private void EnsureCapacity(int rows)
    {
        if (_times.Length < rows)
        {
            _times = new double[Math.Max(rows, 2 * _times.Length)];
            _rows = new double[_times.Length * _dim];
        }
    }

    private static OdeSolveResult Add(OdeSolveResult a, OdeSolveResult b) =>
        new(b.Exit, a.AcceptedSteps + b.AcceptedSteps, a.RejectedSteps + b.RejectedSteps, a.Evaluations + b.Evaluations, b.ReachedTime)
        {
            ImplicitSteps = a.ImplicitSteps + b.ImplicitSteps,
            MethodSwitches = a.MethodSwitches + b.MethodSwitches,
            JacobianEvaluations = a.JacobianEvaluations + b.JacobianEvaluations,
            FinalMethod = b.FinalMethod,
            Root = b.Root,
            OutputsWritten = b.OutputsWritten,
        };
}
