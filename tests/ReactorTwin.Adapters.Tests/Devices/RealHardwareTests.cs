using System.Device.Gpio;
using System.Device.I2c;
using Iot.Device.Ads1115;
using Iot.Device.OneWire;
using ReactorTwin.Adapters.Devices;
using ReactorTwin.Adapters.Devices.AtlasEzo;
using ReactorTwin.Adapters.Sensors;

namespace ReactorTwin.Adapters.Tests.Devices;

/// <summary>
/// Tests on a real Raspberry Pi with the bench wiring of deploy/raspberrypi/README.md ("Hardware test bench").
/// Excluded from CI (<c>--filter "Category!=Hardware"</c>); run on the Pi with
/// <c>dotnet test tests/ReactorTwin.Adapters.Tests --filter Category=Hardware</c>.
/// </summary>
[Trait("Category", "Hardware")]
public sealed class RealHardwareTests
{
    private static readonly HardwareClock Clock = HardwareClock.FromTimeProvider(TimeProvider.System);

    [Fact]
    public async Task Loopback_Gpio17DrivesGpio27_ReadsLevelsAndEdges()
    {
        using var gpio = new GpioController();
        gpio.OpenPin(17, PinMode.Output);
        gpio.OpenPin(27, PinMode.InputPullDown);
        var rising = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gpio.RegisterCallbackForPinValueChangedEvent(27, PinEventTypes.Rising, (_, _) => rising.TrySetResult());
        gpio.Write(17, PinValue.High);
        Assert.Equal(PinValue.High, gpio.Read(27));
        await rising.Task.WaitAsync(TimeSpan.FromSeconds(5)); // an edge is reported within microseconds
        gpio.Write(17, PinValue.Low);
        Assert.Equal(PinValue.Low, gpio.Read(27));
    }

    [Fact]
    public void Ads1115_OnBus1_ReadsAin0WithinSupply()
    {
        using var device = I2cDevice.Create(new I2cConnectionSettings(1, 0x48));
        using var adc = new Ads1115(device, InputMultiplexer.AIN0, MeasuringRange.FS4096, DataRate.SPS128, DeviceMode.PowerDown);
        Assert.InRange(adc.ReadVoltage().Volts, -0.1, 3.4);
    }

    [Fact]
    public void AtlasEzoPh_OnBus1_ReportsDeviceInfoAndReading()
    {
        using var device = I2cDevice.Create(new I2cConnectionSettings(1, AtlasEzoSettings.DefaultAddress(AtlasEzoCircuit.Ph)));
        var ph = new AtlasEzoPh(device, Clock);
        Assert.StartsWith("?I,pH,", ph.GetDeviceInfo(), StringComparison.OrdinalIgnoreCase);
        Assert.True(ph.TryReadPh(out double value, out string? failure), failure);
        Assert.InRange(value, 0.0, 14.0);
    }

    [Fact]
    public void Ds18b20_OnW1Bus_ReadsRoomTemperature()
    {
        var thermometer = Assert.Single(OneWireThermometerDevice.EnumerateDevices());
        var reading = new Ds18b20TemperatureChannel("t", thermometer.ReadTemperature).Read(TimeProvider.System.GetUtcNow);
        Assert.True(reading.Quality == ReadingQuality.Good, reading.Reason);
        Assert.InRange(reading.Value, 5.0, 45.0);
    }
}
