using System.Device.Gpio;
using System.Device.I2c;
using System.Device.Spi;
using Iot.Device.OneWire;
using ReactorTwin.Adapters.Devices;
using UnitsNet;

namespace ReactorTwin.Host.Runtime;

/// <summary>
/// How <see cref="SensorSetup.Open"/> reaches the hardware: the Linux buses through System.Device.Gpio on a Pi
/// (<see cref="Linux"/>), simulated chips in tests and hardware-in-the-loop runs.
/// </summary>
public sealed class SensorHardware
{
    /// <summary>/dev/i2c-N, /dev/spidevN.C, the GPIO character device (libgpiod) and the w1 sysfs tree, on the real clock.</summary>
    public static SensorHardware Linux { get; } = new();

    /// <summary>Opens an I2C device; default <see cref="I2cDevice.Create"/> (/dev/i2c-N).</summary>
    public Func<I2cConnectionSettings, I2cDevice> OpenI2c { get; init; } = I2cDevice.Create;

    /// <summary>Opens an SPI device; default <see cref="SpiDevice.Create"/> (/dev/spidevN.C).</summary>
    public Func<SpiConnectionSettings, SpiDevice> OpenSpi { get; init; } = SpiDevice.Create;

    /// <summary>Opens the GPIO controller; default <c>new GpioController()</c> (libgpiod on a Pi).</summary>
    public Func<GpioController> OpenGpio { get; init; } = static () => new GpioController();

    /// <summary>The read function of 1-Wire thermometer (bus, device); default Iot.Device.OneWire's
    /// <see cref="OneWireThermometerDevice.ReadTemperature"/>, which reads the fixed sysfs path.</summary>
    public Func<string, string, Func<Temperature>> OpenOneWireThermometer { get; init; } =
        static (bus, device) => new OneWireThermometerDevice(bus, device).ReadTemperature;

    /// <summary>The clock of our own drivers' waits (EZO processing times, HX711 data ready); default the real clock.</summary>
    public HardwareClock Clock { get; init; } = HardwareClock.FromTimeProvider(TimeProvider.System);
}
