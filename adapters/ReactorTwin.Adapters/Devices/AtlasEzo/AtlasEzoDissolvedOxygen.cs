using System.Device.I2c;

namespace ReactorTwin.Adapters.Devices.AtlasEzo;

/// <summary>Atlas Scientific EZO-DO circuit: dissolved oxygen in mg/L, atmospheric and zero calibration, temperature compensation.</summary>
public sealed class AtlasEzoDissolvedOxygen(I2cDevice device, HardwareClock clock, AtlasEzoSettings? settings = null)
    : AtlasEzo(device, clock, AtlasEzoCircuit.DissolvedOxygen, settings)
{
    /// <summary>Takes a reading (<c>R</c>, 600 ms); the first output field is mg/L.</summary>
    public bool TryReadMilligramsPerLitre(out double milligramsPerLitre, out string? failure) =>
        TryReadNumber("R", out milligramsPerLitre, out failure);

    /// <summary>Sets the compensation temperature and takes a reading (<c>RT,xx.x</c>).</summary>
    public bool TryReadMilligramsPerLitreCompensated(double temperatureCelsius, out double milligramsPerLitre, out string? failure) =>
        TryReadNumber(ReadWithTemperatureCommand(temperatureCelsius), out milligramsPerLitre, out failure);

    /// <summary>Sets the compensation temperature (<c>T,xx.x</c>).</summary>
    public void SetTemperatureCompensationCelsius(double celsius) => SetTemperature(celsius);

    /// <summary>Reads the compensation temperature (<c>T,?</c>).</summary>
    public double GetTemperatureCompensationCelsius() => GetTemperature();

    /// <summary>Calibrates to atmospheric oxygen with the probe in air (<c>Cal</c>, 1.3 s).</summary>
    public void CalibrateAtmospheric() => Calibrate("Cal");

    /// <summary>Calibrates zero dissolved oxygen with the probe in zero solution (<c>Cal,0</c>).</summary>
    public void CalibrateZero() => Calibrate("Cal,0");
}
