namespace ReactorTwin.Core.Models;

/// <summary>
/// The values of a model's inputs over one batch: per input a series of points (t_k, u_k) read as the input
/// declares (<see cref="InputInterpolation"/>: each value holding until the next, or straight lines between
/// points), the first value before the first point and the last after the last; an input without points keeps the
/// model's value. The integrators stop at every point (<see cref="Breakpoints"/>), so a step never straddles a
/// jump or a kink. Immutable: <see cref="With"/> and <see cref="WithPoint"/> return new schedules (a live setpoint
/// change is one <see cref="WithPoint"/>). Thread-safe.
/// </summary>
public sealed class InputSchedule
{
    private readonly ReactionNetwork _model;
    private readonly double[]?[] _times;
    private readonly double[]?[] _values;

    private InputSchedule(ReactionNetwork model, double[]?[] times, double[]?[] values)
    {
        _model = model;
        _times = times;
        _values = values;
        var points = new SortedSet<double>();
        foreach (var series in times)
        {
            foreach (double t in series ?? [])
            {
                points.Add(t);
            }
        }

        Breakpoints = [.. points];
    }

    /// <summary>A schedule in which every input keeps the model's value.</summary>
    public static InputSchedule Constant(ReactionNetwork model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new InputSchedule(model, new double[]?[model.Inputs.Count], new double[]?[model.Inputs.Count]);
    }

    /// <summary>The model whose inputs these are.</summary>
    public ReactionNetwork Model => _model;

    /// <summary>Every time at which some input has a point (ascending, distinct).</summary>
    public IReadOnlyList<double> Breakpoints { get; }

    /// <summary>True when no input has points (all keep the model's values).</summary>
    public bool IsConstant => Breakpoints.Count == 0;

    /// <summary>Returns a schedule with the series of <paramref name="input"/> replaced.</summary>
    /// <param name="input">An input of the model.</param>
    /// <param name="times">Times (h), finite and strictly increasing.</param>
    /// <param name="values">Values, finite, one per time.</param>
    /// <exception cref="ArgumentException">Unknown input, mismatched lengths, bad times or values.</exception>
    public InputSchedule With(string input, IReadOnlyList<double> times, IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(times);
        ArgumentNullException.ThrowIfNull(values);
        int i = IndexOf(input);
        if (times.Count != values.Count || times.Count == 0)
        {
            throw new ArgumentException($"input '{input}': {times.Count} times and {values.Count} values; give one value per time, at least one", nameof(values));
        }

        for (int k = 0; k < times.Count; k++)
        {
            if (!double.IsFinite(times[k]) || (k > 0 && !(times[k] > times[k - 1])))
            {
                throw new ArgumentException($"input '{input}': times must be finite and strictly increasing; point {k + 1} is at {times[k]} h", nameof(times));
            }

            if (!double.IsFinite(values[k]))
            {
                throw new ArgumentException($"input '{input}': the value at {times[k]} h is not finite ({values[k]})", nameof(values));
            }
        }

        var t = (double[]?[])_times.Clone();
        var v = (double[]?[])_values.Clone();
        t[i] = [.. times];
        v[i] = [.. values];
        return new InputSchedule(_model, t, v);
    }

    /// <summary>
    /// Returns a schedule with one more point of <paramref name="input"/>: a setpoint changed at
    /// <paramref name="time"/>. A point at the time of the last one replaces it.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown input, a time before the last point, or a non-finite value.</exception>
    public InputSchedule WithPoint(string input, double time, double value)
    {
        int i = IndexOf(input);
        var times = new List<double>(_times[i] ?? []);
        var values = new List<double>(_values[i] ?? []);
        if (times.Count > 0 && time < times[^1])
        {
            throw new ArgumentException($"input '{input}': a point at {time} h comes before the last one at {times[^1]} h", nameof(time));
        }

        if (times.Count > 0 && time == times[^1])
        {
            times.RemoveAt(times.Count - 1);
            values.RemoveAt(values.Count - 1);
        }

        times.Add(time);
        values.Add(value);
        return With(input, times, values);
    }

    /// <summary>The value of <paramref name="input"/> at <paramref name="time"/> (right-continuous at a jump).</summary>
    public double Value(string input, double time) => Value(IndexOf(input), time);

    /// <summary>The value of input i at t (right-continuous at a jump).</summary>
    internal double Value(int i, double t)
    {
        var times = _times[i];
        if (times is null)
        {
            return _model.Inputs[i].Value;
        }

        var values = _values[i]!;
        int k = Array.BinarySearch(times, t);
        if (k >= 0)
        {
            return values[k];
        }

        int after = ~k;
        if (after == 0)
        {
            return values[0];
        }

        if (after == times.Length || _model.Inputs[i].Interpolation == InputInterpolation.Constant)
        {
            return values[after - 1];
        }

        double w = (t - times[after - 1]) / (times[after] - times[after - 1]);
        return values[after - 1] + (w * (values[after] - values[after - 1]));
    }

    /// <summary>
    /// Level and slope of every input on [start, end], an interval with no breakpoint strictly inside: u_i(t) =
    /// level_i + slope_i (t − start) there.
    /// </summary>
    internal void Segment(double start, double end, double[] level, double[] slope)
    {
        for (int i = 0; i < level.Length; i++)
        {
            bool linear = _model.Inputs[i].Interpolation == InputInterpolation.Linear;
            if (!linear || !(end > start))
            {
                level[i] = Value(i, end > start ? 0.5 * (start + end) : start);
                slope[i] = 0.0;
                continue;
            }

            level[i] = Value(i, start);
            slope[i] = (Value(i, end) - level[i]) / (end - start);
        }
    }

    private int IndexOf(string input)
    {
        int i = _model.IndexOfInput(input);
        if (i < 0)
        {
            throw new ArgumentException($"model '{_model.Name}' has no input '{input}' (inputs: {(_model.Inputs.Count == 0 ? "none" : string.Join(", ", _model.Inputs.Select(u => u.Name)))})", nameof(input));
        }

        return i;
    }
}
