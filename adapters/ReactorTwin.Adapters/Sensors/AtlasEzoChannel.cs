using ReactorTwin.Adapters.Devices.AtlasEzo;

namespace ReactorTwin.Adapters.Sensors;

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
