using System.Device.I2c;

namespace ReactorTwin.Adapters.Devices.AtlasEzo;

/// <summary>Atlas Scientific EZO-pH circuit: readings 0.001–14.000 pH, 1–3-point calibration, temperature compensation.</summary>
public sealed class AtlasEzoPh(I2cDevice device, HardwareClock clock, AtlasEzoSettings? settings = null)
    : AtlasEzo(device, clock, AtlasEzoCircuit.Ph, settings)
{
    /// <summary>Takes a reading (<c>R</c>, 900 ms).</summary>
    public bool TryReadPh(out double ph, out string? failure) => TryReadNumber("R", out ph, out failure);

    /// <summary>Sets the compensation temperature and takes a reading in one command (<c>RT,xx.x</c>).</summary>
    public bool TryReadPhCompensated(double temperatureCelsius, out double ph, out string? failure) =>
        TryReadNumber(ReadWithTemperatureCommand(temperatureCelsius), out ph, out failure);

    /// <summary>Sets the compensation temperature (<c>T,xx.x</c>).</summary>
    public void SetTemperatureCompensationCelsius(double celsius) => SetTemperature(celsius);

    /// <summary>Reads the compensation temperature (<c>T,?</c>).</summary>
    public double GetTemperatureCompensationCelsius() => GetTemperature();

    /// <summary>Midpoint calibration (<c>Cal,mid,n</c>, usually 7.00); clears the other points, so do it first.</summary>
    public void CalibrateMidpoint(double ph) => Calibrate($"Cal,mid,{CheckPh(ph)}");

    /// <summary>Low-point calibration (<c>Cal,low,n</c>, usually 4.00).</summary>
    public void CalibrateLowPoint(double ph) => Calibrate($"Cal,low,{CheckPh(ph)}");

    /// <summary>High-point calibration (<c>Cal,high,n</c>, usually 10.00).</summary>
    public void CalibrateHighPoint(double ph) => Calibrate($"Cal,high,{CheckPh(ph)}");

    private static string CheckPh(double ph)
    {
        if (!double.IsFinite(ph) || ph is < 0 or > 14)
        {
            throw new ArgumentOutOfRangeException(nameof(ph), ph, "a pH buffer value is in [0, 14]");
        }

        return Number(ph);
    }
}
