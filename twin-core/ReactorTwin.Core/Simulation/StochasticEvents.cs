using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Simulation;

/// <summary>
/// Inputs and events for the fixed-step and event-driven stochastic simulators (CLE, SSA): where the next stop is
/// (an event time or an input point), the inputs of the segment up to it, the events due at a time and the triggers
/// that became true during a step (fired at its end: a path has no smooth interpolant to locate them on, so the
/// event time is accurate to the step). For the SSA, whose state holds still between reactions, a trigger on t or
/// an input is located exactly in the wait before the next reaction (<see cref="FirstCrossing"/>).
/// Allocation-free after construction; not thread-safe.
/// </summary>
internal sealed class StochasticEvents
{
    private readonly EventTimes _times;
    private readonly CompiledEvents _events;
    private readonly EventJump _jump;
    private readonly double[] _gBefore, _gAfter, _gTrial;

    public StochasticEvents(ReactionNetwork model)
    {
        _times = new EventTimes(model);
        _events = model.CompiledEvents;
        _jump = new EventJump(model);
        _gBefore = new double[_events.RootCount];
        _gAfter = new double[_events.RootCount];
        _gTrial = new double[_events.RootCount];
    }

    /// <summary>True when some trigger reads t or an input: it can become true while the state holds still.</summary>
    public bool HasTimeTriggers => _events.RootsReadTime;

    /// <summary>The first event time or input point after <paramref name="t"/>, or +∞.</summary>
    public double NextStop(double t, InputSchedule? inputs) => _times.NextStop(t, inputs);

    /// <summary>Starts a path: records which triggers hold at t (they must fail before they can fire).</summary>
    public void Begin(ModelArguments arguments, double t, double[] z)
    {
        if (_gBefore.Length > 0)
        {
            arguments.At(t);
            _events.Roots(z, arguments.Values, _gBefore);
        }
    }

    /// <summary>Applies the time events due at <paramref name="t"/>; true when any applied.</summary>
    public bool ApplyDue(ModelArguments arguments, double t, double[] z)
    {
        var due = _times.At(t);
        if (due.Length == 0)
        {
            return false;
        }

        arguments.At(t);
        foreach (int e in due)
        {
            _jump.Apply(e, arguments, z, triggered: false, [], 0, 0);
        }

        RefreshTriggers(arguments, z);
        return true;
    }

    /// <summary>After a step ending at <paramref name="t"/>: fires every event whose trigger became true; true when any fired.</summary>
    public bool FireTriggered(ModelArguments arguments, double t, double[] z)
    {
        if (_gBefore.Length == 0)
        {
            return false;
        }

        arguments.At(t);
        _events.Roots(z, arguments.Values, _gAfter);
        bool fired = false;
        for (int j = 0; j < _gAfter.Length; j++)
        {
            if (_gBefore[j] < 0 && _gAfter[j] >= 0)
            {
                _jump.Apply(_events.RootEvent[j], arguments, z, triggered: false, [], 0, 0);
                fired = true;
            }
        }

        if (fired)
        {
            RefreshTriggers(arguments, z);
        }
        else
        {
            _gAfter.AsSpan().CopyTo(_gBefore);
        }

        return fired;
    }

    /// <summary>
    /// With the state <paramref name="z"/> held fixed over (t0, t1]: the earliest time at which a trigger that failed at
    /// the last check becomes true, located by bisection to a bracket of 1e−13·max(1, t1) h (the upper end, where it
    /// holds, is returned), or +∞ when none does; then the triggers are recorded at t1 as the next check's start.
    /// </summary>
    public double FirstCrossing(ModelArguments arguments, double t0, double t1, double[] z)
    {
        if (_gBefore.Length == 0)
        {
            return double.PositiveInfinity;
        }

        arguments.At(t1);
        _events.Roots(z, arguments.Values, _gAfter);
        double best = double.PositiveInfinity, width = 1e-13 * Math.Max(1.0, Math.Abs(t1));
        for (int j = 0; j < _gAfter.Length; j++)
        {
            if (!(_gBefore[j] < 0 && _gAfter[j] >= 0))
            {
                continue;
            }

            double lo = t0, hi = t1;
            for (int it = 0; it < 200 && hi - lo > width; it++)
            {
                double mid = 0.5 * (lo + hi);
                arguments.At(mid);
                _events.Roots(z, arguments.Values, _gTrial);
                if (_gTrial[j] >= 0)
                {
                    hi = mid;
                }
                else
                {
                    lo = mid;
                }
            }

            best = Math.Min(best, hi);
        }

        if (double.IsPositiveInfinity(best))
        {
            _gAfter.AsSpan().CopyTo(_gBefore);
        }

        return best;
    }

    private void RefreshTriggers(ModelArguments arguments, double[] z)
    {
        if (_gBefore.Length > 0)
        {
            _events.Roots(z, arguments.Values, _gBefore);
        }
    }
}
