using System.Device.I2c;

namespace ReactorTwin.Adapters.Devices.AtlasEzo;

/// <summary>Atlas Scientific EZO-ORP circuit: oxidation–reduction potential in mV, single-point calibration.</summary>
public sealed class AtlasEzoOrp(I2cDevice device, HardwareClock clock, AtlasEzoSettings? settings = null)
    : AtlasEzo(device, clock, AtlasEzoCircuit.Orp, settings)
{
    /// <summary>Takes a reading (<c>R</c>, 900 ms) in mV.</summary>
    public bool TryReadMillivolts(out double millivolts, out string? failure) => TryReadNumber("R", out millivolts, out failure);

    /// <summary>Calibrates to a reference solution of <paramref name="millivolts"/> (<c>Cal,n</c>), e.g. 225 mV.</summary>
    public void Calibrate(double millivolts)
    {
        if (!double.IsFinite(millivolts) || millivolts is < -1019.9 or > 1019.9)
        {
            throw new ArgumentOutOfRangeException(nameof(millivolts), millivolts, "EZO-ORP calibrates within ±1019.9 mV");
        }

        Calibrate($"Cal,{Number(millivolts)}");
    }
}
