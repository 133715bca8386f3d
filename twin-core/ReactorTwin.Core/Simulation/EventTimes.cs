using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Simulation;

/// <summary>
/// The times of a model's time-triggered events, sorted and distinct, with the events due at each (in declaration
/// order, which is the order they apply in). Immutable.
/// </summary>
internal sealed class EventTimes
{
    private static readonly int[] None = [];
    private readonly double[] _times;
    private readonly int[][] _events;

    public EventTimes(ReactionNetwork model)
    {
        var byTime = new SortedDictionary<double, List<int>>();
        for (int e = 0; e < model.Events.Count; e++)
        {
            foreach (double t in model.Events[e].Times ?? [])
            {
                if (!byTime.TryGetValue(t, out var list))
                {
                    byTime[t] = list = [];
                }

                list.Add(e);
            }
        }

        _times = [.. byTime.Keys];
        _events = [.. byTime.Values.Select(l => l.ToArray())];
    }

    /// <summary>True when the model has no time-triggered event.</summary>
    public bool IsEmpty => _times.Length == 0;

    /// <summary>The first event time strictly after <paramref name="t"/>, or +∞.</summary>
    public double Next(double t)
    {
        int k = Array.BinarySearch(_times, t);
        int next = k >= 0 ? k + 1 : ~k;
        return next < _times.Length ? _times[next] : double.PositiveInfinity;
    }

    /// <summary>The first time after <paramref name="t"/> where an event is due or an input of <paramref name="inputs"/> has a point, or +∞.</summary>
    public double NextStop(double t, InputSchedule? inputs)
    {
        double next = Next(t);
        if (inputs is null)
        {
            return next;
        }

        var points = inputs.Breakpoints;
        int lo = 0, hi = points.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (points[mid] <= t)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo < points.Count ? Math.Min(next, points[lo]) : next;
    }

    /// <summary>The events due at exactly <paramref name="t"/> (none: an empty array).</summary>
    public int[] At(double t)
    {
        int k = Array.BinarySearch(_times, t);
        return k >= 0 ? _events[k] : None;
    }
}
