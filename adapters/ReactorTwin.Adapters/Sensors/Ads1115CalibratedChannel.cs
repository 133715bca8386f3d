using Iot.Device.Ads1115;

namespace ReactorTwin.Adapters.Sensors;

/// <summary>
/// An ADS1115 input (through Iot.Device.Ads1115's <see cref="Ads1115"/>, single-shot) converted to engineering units by
/// a <see cref="VoltageCalibration"/>. A code at either end of the range means the input is beyond full scale
/// (suspect); a voltage outside the calibration standards is extrapolated (suspect).
/// </summary>
public sealed class Ads1115CalibratedChannel(
    string name,
    Ads1115 adc,
    InputMultiplexer input,
    MeasuringRange range,
    DataRate rate,
    VoltageCalibration calibration,
    string unit,
    double plausibleMinimum = double.NegativeInfinity,
    double plausibleMaximum = double.PositiveInfinity)
    : SensorChannel(name, unit, plausibleMinimum, plausibleMaximum)
{
    /// <inheritdoc/>
    protected override ChannelSample Sample()
    {
        ArgumentNullException.ThrowIfNull(calibration);
        short raw = adc.ReadRaw(input, range, rate);
        double volts = adc.RawToVoltage(raw).Volts;
        double value = calibration.ToUnits(volts);
        if (raw is short.MaxValue or short.MinValue)
        {
            return ChannelSample.Suspect(value, $"{Name}: ADC saturated at {volts:0.####} V (input beyond full scale)");
        }

        return calibration.IsExtrapolated(volts)
            ? ChannelSample.Suspect(value, $"{Name}: {volts:0.####} V is outside the calibrated range")
            : ChannelSample.Good(value);
    }
}
