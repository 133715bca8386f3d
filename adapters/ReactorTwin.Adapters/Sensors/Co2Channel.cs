using Iot.Device.Scd4x;

namespace ReactorTwin.Adapters.Sensors;

/// <summary>
/// CO₂ in ppm from a Sensirion SCD40/SCD41 (Iot.Device.Scd4x, periodic measurement every 5 s): e.g. in the off-gas line
/// or the incubator. The first reading after start waits for the first measurement (about 5 s); later ones return the
/// latest. A word whose Sensirion CRC does not match is reported as a fault, as is a sensor that stops answering.
/// </summary>
public sealed class Co2Channel(string name, Scd4x sensor, double plausibleMinimumPpm = 0, double plausibleMaximumPpm = 40_000)
    : SensorChannel(name, PartsPerMillion, plausibleMinimumPpm, plausibleMaximumPpm)
{
    /// <summary>The unit of its readings.</summary>
    public const string PartsPerMillion = "ppm";

    /// <inheritdoc/>
    protected override ChannelSample Sample()
    {
        ArgumentNullException.ThrowIfNull(sensor);
        var (co2, _, _) = sensor.ReadPeriodicMeasurement();
        return co2 is { } value
            ? ChannelSample.Good(value.PartsPerMillion)
            : ChannelSample.Fault($"{Name}: SCD4x CO₂ word failed its CRC check");
    }
}
