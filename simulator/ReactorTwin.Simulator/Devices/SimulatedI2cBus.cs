using System.Device.I2c;

namespace ReactorTwin.Simulator.Devices;

/// <summary>Timing and errors of the simulated I2C bus shared by the simulated chips.</summary>
public static class SimulatedI2cBus
{
    /// <summary>Standard-mode clock, Hz (a Raspberry Pi's default I2C speed).</summary>
    public const double ClockHertz = 100_000;

    /// <summary>Time a transfer of <paramref name="dataBytes"/> bytes takes: start, the address byte and each data byte
    /// with its acknowledge bit (9 clocks), stop.</summary>
    public static TimeSpan TransferTime(int dataBytes) => TimeSpan.FromSeconds(((dataBytes + 1) * 9 + 2) / ClockHertz);

    /// <summary>What the Linux i2c-dev driver reports when nothing acknowledges the address: an <see cref="IOException"/>
    /// (System.Device.I2c's <c>UnixI2cDevice</c> raises one for every failed transfer).</summary>
    public static IOException NotAcknowledged(I2cConnectionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new IOException($"Error 121 performing I2C data transfer (simulated i2c-{settings.BusId}, address 0x{settings.DeviceAddress:x2} did not acknowledge).");
    }
}
