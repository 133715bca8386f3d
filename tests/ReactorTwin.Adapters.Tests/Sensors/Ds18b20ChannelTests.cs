using ReactorTwin.Adapters.Sensors;
using UnitsNet;

namespace ReactorTwin.Adapters.Tests.Sensors;

/// <summary>How the DS18B20 channel grades what Iot.Device.OneWire returns or throws. (The binding itself reads a fixed
/// sysfs path; it runs against a fake w1 tree in a private mount namespace in the host's OneWireNamespaceTests.)</summary>
public sealed class Ds18b20ChannelTests
{
    private static SensorReading Read(Func<Temperature> read) => new Ds18b20TemperatureChannel("broth", read).Read(TimeProvider.System.GetUtcNow);

    [Fact]
    public void Read_Temperature_Good() =>
        Assert.Equal((36.812, ReadingQuality.Good, "°C"), (Read(() => Temperature.FromDegreesCelsius(36.812)) is var r ? (r.Value, r.Quality, r.Unit) : default));

    [Theory]
    [InlineData(85.0, "power-on value")]
    [InlineData(0.0, "all-zero scratchpad")]
    public void Read_ValueOfAConversionThatDidNotRun_Fault(double celsius, string reason)
    {
        var r = Read(() => Temperature.FromDegreesCelsius(celsius));
        Assert.Equal(ReadingQuality.Fault, r.Quality);
        Assert.Contains(reason, r.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_BindingRefusedTheCrc_Fault()
    {
        var r = Read(() => throw new InvalidOperationException("Unable to read temperature from device."));
        Assert.Equal(ReadingQuality.Fault, r.Quality);
        Assert.Contains("CRC", r.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DeviceGone_FaultNamingTheOverlay()
    {
        var r = Read(() => throw new DirectoryNotFoundException("Could not find a part of the path '/sys/devices/w1_bus_master1/28-000000000001/w1_slave'."));
        Assert.Equal(ReadingQuality.Fault, r.Quality);
        Assert.Contains("w1-gpio", r.Reason, StringComparison.Ordinal);
        Assert.Contains("/sys/devices/w1_bus_master1", r.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ImplausibleButValid_Suspect() =>
        Assert.Equal(ReadingQuality.Suspect, Read(() => Temperature.FromDegreesCelsius(71.5)).Quality);
}
