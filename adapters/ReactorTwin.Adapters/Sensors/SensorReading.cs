namespace ReactorTwin.Adapters.Sensors;

/// <summary>How far a reading can be trusted.</summary>
public enum ReadingQuality
{
    /// <summary>Read successfully and plausible.</summary>
    Good,

    /// <summary>Read, but questionable (outside the plausible range, ADC saturated, calibration extrapolated).</summary>
    Suspect,

    /// <summary>No usable value: the device failed or is absent. <see cref="SensorReading.Value"/> is NaN.</summary>
    Fault,
}

/// <summary>One timestamped, unit-tagged sensor reading.</summary>
/// <param name="Channel">Configured channel name, e.g. <c>vessel.temperature</c>.</param>
/// <param name="Timestamp">When the value was obtained (after the device's processing time).</param>
/// <param name="Value">The value in <paramref name="Unit"/>; NaN for <see cref="ReadingQuality.Fault"/>.</param>
/// <param name="Unit">Unit symbol, e.g. <c>°C</c>, <c>pH</c>, <c>mg/L</c>, <c>mV</c>, <c>1e6 cells/L</c>.</param>
/// <param name="Quality">Trust level.</param>
/// <param name="Reason">Why the reading is not <see cref="ReadingQuality.Good"/>; null when it is.</param>
public readonly record struct SensorReading(string Channel, DateTimeOffset Timestamp, double Value, string Unit, ReadingQuality Quality, string? Reason);

/// <summary>What a <see cref="SensorChannel"/> obtains from its device, before the plausibility check.</summary>
/// <param name="Value">The value (NaN for a fault).</param>
/// <param name="Quality">Quality determined by the device or calibration.</param>
/// <param name="Reason">Reason for a quality below Good.</param>
public readonly record struct ChannelSample(double Value, ReadingQuality Quality, string? Reason)
{
    /// <summary>A good value.</summary>
    public static ChannelSample Good(double value) => new(value, ReadingQuality.Good, null);

    /// <summary>A questionable value.</summary>
    public static ChannelSample Suspect(double value, string reason) => new(value, ReadingQuality.Suspect, reason);

    /// <summary>No value.</summary>
    public static ChannelSample Fault(string reason) => new(double.NaN, ReadingQuality.Fault, reason);
}
