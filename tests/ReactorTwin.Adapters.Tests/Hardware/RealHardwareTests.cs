using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using ReactorTwin.Adapters.Devices.Ads1115;
using ReactorTwin.Adapters.Devices.AtlasEzo;
using ReactorTwin.Adapters.Devices.Ds18b20;
using ReactorTwin.Adapters.Hardware;
using ReactorTwin.Adapters.Hardware.Gpio;
using ReactorTwin.Adapters.Hardware.I2c;
using ReactorTwin.Adapters.Hardware.OneWire;

namespace ReactorTwin.Adapters.Tests.Hardware;

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
    public void HeaderChip_FoundByLabel()
    {
        using var chip = GpioChip.OpenRaspberryPiHeader();
        Assert.Contains(chip.Info.Label, GpioChip.RaspberryPiHeaderLabels);
        Assert.True(chip.Info.LineCount >= 28);
    }

    [Fact]
    public async Task Loopback_Gpio17DrivesGpio27_ReadsLevelsAndTimestampedEdges()
    {
        using var chip = GpioChip.OpenRaspberryPiHeader();
        using var output = chip.RequestOutput(17, false);
        using var input = chip.RequestInput(27, new GpioInputSettings { Bias = GpioBias.PullDown, Edge = GpioEdge.Both });
        var edges = input.Edges.Take(2).ToList().ToTask();
        await Task.Delay(100); // let the reader thread start polling
        output.Write(true);
        Assert.True(input.Read());
        output.Write(false);
        Assert.False(input.Read());
        var list = await edges.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal([GpioEdge.Rising, GpioEdge.Falling], list.Select(e => e.Edge));
        Assert.True(list[1].TimestampNanoseconds > list[0].TimestampNanoseconds);
    }

    [Fact]
    public void Ads1115_OnBus1_ReadsAin0WithinSupply()
    {
        using var device = I2cDevice.CreateLinux(new I2cConnectionSettings(1, Ads1115.DefaultAddress));
        var adc = new Ads1115(device, Clock);
        Assert.True(adc.TryReadVolts(Ads1115Input.Ain0, out double volts, out string? failure), failure);
        Assert.InRange(volts, -0.1, 3.4);
    }

    [Fact]
    public void AtlasEzoPh_OnBus1_ReportsDeviceInfoAndReading()
    {
        using var device = I2cDevice.CreateLinux(new I2cConnectionSettings(1, AtlasEzoSettings.DefaultAddress(AtlasEzoCircuit.Ph)));
        var ph = new AtlasEzoPh(device, Clock);
        Assert.StartsWith("?I,pH,", ph.GetDeviceInfo(), StringComparison.OrdinalIgnoreCase);
        Assert.True(ph.TryReadPh(out double value, out string? failure), failure);
        Assert.InRange(value, 0.0, 14.0);
    }

    [Fact]
    public void Ds18b20_OnW1Bus_ReadsRoomTemperature()
    {
        var bus = new OneWireBus();
        string id = Assert.Single(Ds18b20.FindDeviceIds(bus));
        Assert.True(new Ds18b20(bus, id).TryReadTemperatureCelsius(out double celsius, out string? failure), failure);
        Assert.InRange(celsius, 5.0, 45.0);
    }
}
