namespace ReactorTwin.Adapters.Sensors;

/// <summary>
/// One configured measurement: a device, what to read from it, its unit and plausible range. Implementations
/// exist for each driver; <see cref="SensorSource"/> polls them.
/// </summary>
public abstract class SensorChannel
{
    /// <summary>Creates the channel.</summary>
    /// <param name="name">Channel name, unique within a source.</param>
    /// <param name="unit">Unit symbol of the values.</param>
    /// <param name="plausibleMinimum">Values below are <see cref="ReadingQuality.Suspect"/>; default −∞.</param>
    /// <param name="plausibleMaximum">Values above are <see cref="ReadingQuality.Suspect"/>; default +∞.</param>
    protected SensorChannel(string name, string unit, double plausibleMinimum = double.NegativeInfinity, double plausibleMaximum = double.PositiveInfinity)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(unit);
        if (!(plausibleMinimum <= plausibleMaximum))
        {
            throw new ArgumentException("plausibleMinimum must not exceed plausibleMaximum");
        }

        Name = name;
        Unit = unit;
        PlausibleMinimum = plausibleMinimum;
        PlausibleMaximum = plausibleMaximum;
    }

    /// <summary>Channel name.</summary>
    public string Name { get; }

    /// <summary>Unit symbol.</summary>
    public string Unit { get; }

    /// <summary>Lower plausibility bound.</summary>
    public double PlausibleMinimum { get; }

    /// <summary>Upper plausibility bound.</summary>
    public double PlausibleMaximum { get; }

    /// <summary>
    /// Reads the device once and grades the result: device failures (an <see cref="IOException"/> from the bus, a
    /// binding's <see cref="TimeoutException"/> or <see cref="InvalidOperationException"/>, any other exception a
    /// driver throws) become <see cref="ReadingQuality.Fault"/> with the exception's message, non-finite or implausible
    /// values <see cref="ReadingQuality.Suspect"/>. A failing device never stops the polling of the others.
    /// </summary>
    /// <param name="timestamp">Called after the read to stamp it (so the device's processing time is included).</param>
    public SensorReading Read(Func<DateTimeOffset> timestamp)
    {
        ArgumentNullException.ThrowIfNull(timestamp);
        ChannelSample sample;
        try
        {
            sample = Sample();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            sample = ChannelSample.Fault($"{Name}: {e.Message}");
        }

        if (sample.Quality != ReadingQuality.Fault)
        {
            if (!double.IsFinite(sample.Value))
            {
                sample = ChannelSample.Fault($"non-finite value {sample.Value}");
            }
            else if (sample.Quality == ReadingQuality.Good && (sample.Value < PlausibleMinimum || sample.Value > PlausibleMaximum))
            {
                sample = ChannelSample.Suspect(sample.Value, $"{sample.Value:G6} {Unit} is outside the plausible range [{PlausibleMinimum:G6}, {PlausibleMaximum:G6}]");
            }
        }

        return new SensorReading(Name, timestamp(), sample.Quality == ReadingQuality.Fault ? double.NaN : sample.Value, Unit, sample.Quality, sample.Reason);
    }

    /// <summary>Obtains one value from the device.</summary>
    protected abstract ChannelSample Sample();
}
