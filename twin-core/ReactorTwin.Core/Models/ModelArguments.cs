namespace ReactorTwin.Core.Models;

/// <summary>
/// The argument vector the compiled formulas read (<see cref="CompiledModel.ArgumentCount"/>): θ, then the time t,
/// then the inputs u, optionally followed by extra slots of the caller (the LNA's 1/Ω). Within one integration
/// segment each input is a straight line u_i(t) = a_i + b_i (t − t_start) (constant when b_i = 0), set by
/// <see cref="SetSegment"/> from an <see cref="InputSchedule"/>; <see cref="At"/> writes t and u(t). Without a
/// schedule the inputs hold the model's values. Allocation-free after construction; not thread-safe.
/// </summary>
internal sealed class ModelArguments
{
    private readonly int _timeSlot, _inputCount;
    private readonly double[] _level, _slope, _defaults;
    private double _segmentStart;

    public ModelArguments(ReactionNetwork model, int extra = 0)
    {
        var m = model.Compiled;
        Values = new double[m.ArgumentCount + extra];
        _timeSlot = m.TimeSlot;
        _inputCount = m.InputCount;
        _level = new double[_inputCount];
        _slope = new double[_inputCount];
        _defaults = new double[_inputCount];
        for (int i = 0; i < _inputCount; i++)
        {
            _defaults[i] = model.Inputs[i].Value;
        }

        ClearSegment();
    }

    /// <summary>The vector itself: θ, t, u, extra slots.</summary>
    public double[] Values { get; }

    /// <summary>Copies θ into the first slots.</summary>
    public void SetParameters(ReadOnlySpan<double> theta) => theta.CopyTo(Values);

    /// <summary>Copies another argument vector of the same model and shape: its values and its input segment.</summary>
    public void CopyFrom(ModelArguments other)
    {
        ArgumentNullException.ThrowIfNull(other);
        other.Values.AsSpan().CopyTo(Values);
        other._level.AsSpan().CopyTo(_level);
        other._slope.AsSpan().CopyTo(_slope);
        _segmentStart = other._segmentStart;
    }

    /// <summary>Inputs back to the model's constant values.</summary>
    public void ClearSegment()
    {
        _defaults.AsSpan().CopyTo(_level);
        Array.Clear(_slope);
        _segmentStart = 0;
        WriteInputs(0.0);
    }

    /// <summary>Takes the inputs of the segment [start, end) from <paramref name="schedule"/> (null: the model's values).</summary>
    public void SetSegment(InputSchedule? schedule, double start, double end)
    {
        if (schedule is null)
        {
            ClearSegment();
            return;
        }

        schedule.Segment(start, end, _level, _slope);
        _segmentStart = start;
        WriteInputs(start);
    }

    /// <summary>Writes t and u(t) of the current segment.</summary>
    public void At(double t)
    {
        Values[_timeSlot] = t;
        if (_inputCount > 0)
        {
            WriteInputs(t);
        }
    }

    /// <summary>du_i/dt in the current segment (0 for a constant input).</summary>
    public double Slope(int i) => _slope[i];

    /// <summary>The value of input i at t in the current segment.</summary>
    public double Input(int i, double t) => _level[i] + (_slope[i] * (t - _segmentStart));

    private void WriteInputs(double t)
    {
        for (int i = 0; i < _inputCount; i++)
        {
            Values[_timeSlot + 1 + i] = _level[i] + (_slope[i] * (t - _segmentStart));
        }
    }
}
