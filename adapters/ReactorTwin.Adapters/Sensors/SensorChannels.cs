using ReactorTwin.Adapters.Devices.Ads1115;
using ReactorTwin.Adapters.Devices.AtlasEzo;
using ReactorTwin.Adapters.Devices.Ds18b20;

namespace ReactorTwin.Adapters.Sensors;

/// <summary>A DS18B20 temperature in °C.</summary>
public sealed class Ds18b20TemperatureChannel(string name, Ds18b20 sensor, double plausibleMinimumCelsius = 0, double plausibleMaximumCelsius = 60)
    : SensorChannel(name, Celsius, plausibleMinimumCelsius, plausibleMaximumCelsius)
{
    /// <summary>The unit of its readings.</summary>
    public const string Celsius = "°C";

    /// <inheritdoc/>
    protected override ChannelSample Sample() =>
        sensor.TryReadTemperatureCelsius(out double celsius, out string? failure) ? ChannelSample.Good(celsius) : ChannelSample.Fault(failure!);
}

/// <summary>An ADS1115 input converted to engineering units by a <see cref="VoltageCalibration"/>.</summary>
public sealed class Ads1115CalibratedChannel(
    string name,
    Ads1115 adc,
    Ads1115Input input,
    VoltageCalibration calibration,
    string unit,
    double plausibleMinimum = double.NegativeInfinity,
    double plausibleMaximum = double.PositiveInfinity)
    : SensorChannel(name, unit, plausibleMinimum, plausibleMaximum)
{
    /// <inheritdoc/>
    protected override ChannelSample Sample()
    {
        if (!adc.TryReadSample(input, out var sample, out string? failure))
        {
            return ChannelSample.Fault(failure!);
        }

        double value = calibration.ToUnits(sample.Volts);
        if (sample.Saturated)
        {
            return ChannelSample.Suspect(value, $"ADC saturated at {sample.Volts:0.####} V (input beyond full scale)");
        }

        return calibration.IsExtrapolated(sample.Volts)
            ? ChannelSample.Suspect(value, $"{sample.Volts:0.####} V is outside the calibrated range")
            : ChannelSample.Good(value);
    }
}

/// <summary>
/// An Atlas EZO reading: pH, DO in mg/L or ORP in mV. When a temperature source is given (pH and DO), each read
/// uses <c>RT,xx.x</c> with the latest temperature; a missing temperature falls back to a plain <c>R</c> and marks
/// the reading <see cref="ReadingQuality.Suspect"/>.
/// </summary>
public sealed class AtlasEzoChannel : SensorChannel
{
    private readonly AtlasEzo _ezo;
    private readonly Func<double?>? _temperatureCelsius;

    /// <summary>Creates the channel; the unit follows from the circuit.</summary>
    public AtlasEzoChannel(string name, AtlasEzo ezo, Func<double?>? temperatureCelsius = null, double plausibleMinimum = double.NegativeInfinity, double plausibleMaximum = double.PositiveInfinity)
        : base(name, UnitOf(ezo), plausibleMinimum, plausibleMaximum)
    {
        _ezo = ezo;
        _temperatureCelsius = temperatureCelsius;
        if (temperatureCelsius is not null && ezo is AtlasEzoOrp)
        {
            throw new ArgumentException("EZO-ORP has no temperature compensation", nameof(temperatureCelsius));
        }
    }

    /// <inheritdoc/>
    protected override ChannelSample Sample()
    {
        double? t = _temperatureCelsius?.Invoke();
        bool compensate = t is double c && double.IsFinite(c);
        bool ok;
        double value;
        string? failure;
        switch (_ezo)
        {
            case AtlasEzoPh ph:
                ok = compensate ? ph.TryReadPhCompensated(t!.Value, out value, out failure) : ph.TryReadPh(out value, out failure);
                break;
            case AtlasEzoDissolvedOxygen dox:
                ok = compensate ? dox.TryReadMilligramsPerLitreCompensated(t!.Value, out value, out failure) : dox.TryReadMilligramsPerLitre(out value, out failure);
                break;
            case AtlasEzoOrp orp:
                ok = orp.TryReadMillivolts(out value, out failure);
                break;
            default:
                throw new InvalidOperationException($"unsupported EZO circuit {_ezo.GetType().Name}");
        }

        if (!ok)
        {
            return ChannelSample.Fault(failure!);
        }

        return _temperatureCelsius is not null && !compensate
            ? ChannelSample.Suspect(value, "no temperature for compensation: read with the circuit's stored temperature")
            : ChannelSample.Good(value);
    }

    private static string UnitOf(AtlasEzo ezo)
    {
        ArgumentNullException.ThrowIfNull(ezo);
        return UnitOf(ezo.Circuit);
    }

    /// <summary>The unit an EZO circuit reports: pH, mg/L (dissolved oxygen) or mV (ORP).</summary>
    public static string UnitOf(AtlasEzoCircuit circuit) => circuit switch
    {
        AtlasEzoCircuit.Ph => "pH",
        AtlasEzoCircuit.DissolvedOxygen => "mg/L",
        _ => "mV",
    };
}
