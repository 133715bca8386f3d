using Iot.Device.Max31865;

namespace ReactorTwin.Adapters.Sensors;

/// <summary>
/// A PT100 or PT1000 resistance thermometer in °C through a MAX31865 RTD-to-digital converter on SPI (Iot.Device.Max31865:
/// one-shot conversion with the bias switched on only for it, Callendar–Van Dusen conversion). The binding does not look
/// at the fault register; this channel reads it after every conversion and turns any fault (a threshold, REFIN or
/// over/under-voltage) into a <see cref="ReadingQuality.Fault"/> naming it. With the chip's default thresholds an open
/// element only shows as a code at the top of the range (about 990 °C for a PT100 on 430 Ω) and a short as code 0
/// (−242 °C); both are faults here too.
/// </summary>
public sealed class RtdTemperatureChannel(string name, Max31865 converter, double plausibleMinimumCelsius = -50, double plausibleMaximumCelsius = 150)
    : SensorChannel(name, Ds18b20TemperatureChannel.Celsius, plausibleMinimumCelsius, plausibleMaximumCelsius)
{
    /// <inheritdoc/>
    protected override ChannelSample Sample()
    {
        ArgumentNullException.ThrowIfNull(converter);
        double celsius = converter.Temperature.DegreesCelsius;
        var faults = converter.Faults;
        var named = new List<string>();
        if (celsius > 850)
        {
            named.Add($"RTD open ({celsius:0} °C is the top of the range: open element, broken lead, or the wrong reference resistor)");
        }
        else if (celsius < -200)
        {
            named.Add($"RTD shorted ({celsius:0} °C is the bottom of the range)");
        }

        (bool Raised, string Meaning)[] bits =
        [
            (faults.HighThreshold, "RTD above the high threshold (open RTD or broken wire)"),
            (faults.LowThreshold, "RTD below the low threshold (shorted RTD)"),
            (faults.ReferenceInHigh, "REFIN− > 0.85 × VBIAS"),
            (faults.ReferenceInLow, "REFIN− < 0.85 × VBIAS (FORCE− open)"),
            (faults.ResistanceTemperatureDetectorLow, "RTDIN− < 0.85 × VBIAS (FORCE− open)"),
            (faults.OverUnderVoltage, "over- or under-voltage on an input"),
        ];
        named.AddRange(bits.Where(b => b.Raised).Select(b => b.Meaning));
        return named.Count == 0
            ? ChannelSample.Good(celsius)
            : ChannelSample.Fault($"{Name}: MAX31865 fault: {string.Join("; ", named)}");
    }
}
