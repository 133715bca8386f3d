using ReactorTwin.Adapters.Devices.Ds18b20;
using ReactorTwin.Adapters.Hardware.OneWire;

namespace ReactorTwin.Adapters.Tests.Devices;

/// <summary>The w1_slave reader against a temporary directory holding real w1_therm file contents.</summary>
public sealed class Ds18b20Tests : IDisposable
{
    private const string Good = "72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\n";
    private const string CrcNo = "72 01 4b 46 7f ff 0e 10 57 : crc=5a NO\n72 01 4b 46 7f ff 0e 10 57 t=23125\n";
    private const string PowerOn = "50 05 4b 46 7f ff 0c 10 1c : crc=1c YES\n50 05 4b 46 7f ff 0c 10 1c t=85000\n";
    private const string Negative = "5e ff 4b 46 7f ff 0c 10 6a : crc=6a YES\n5e ff 4b 46 7f ff 0c 10 6a t=-10125\n";
    private const string AllZero = "00 00 00 00 00 00 00 00 00 : crc=00 YES\n00 00 00 00 00 00 00 00 00 t=0\n";

    private readonly string _dir = Directory.CreateTempSubdirectory("w1-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Crc8_KernelSample_MatchesPrintedCrc()
    {
        Assert.Equal(0x57, W1SlaveText.Crc8([0x72, 0x01, 0x4b, 0x46, 0x7f, 0xff, 0x0e, 0x10]));
        Assert.Equal(0x1c, W1SlaveText.Crc8([0x50, 0x05, 0x4b, 0x46, 0x7f, 0xff, 0x0c, 0x10]));
    }

    [Fact]
    public void TryRead_GoodFile_ReturnsCelsius()
    {
        var sensor = Sensor("28-000005e2fdc3", Good);
        Assert.True(sensor.TryReadTemperatureCelsius(out double celsius, out string? failure), failure);
        Assert.Equal(23.125, celsius);
        Assert.Null(failure);
    }

    [Fact]
    public void TryRead_NegativeTemperature_ReturnsCelsius()
    {
        Assert.True(Sensor("28-000005e2fdc4", Negative).TryReadTemperatureCelsius(out double celsius, out _));
        Assert.Equal(-10.125, celsius);
    }

    [Fact]
    public void TryRead_CrcNo_FailsWithKernelVerdict()
    {
        Assert.False(Sensor("28-000005e2fdc3", CrcNo).TryReadTemperatureCelsius(out double celsius, out string? failure));
        Assert.True(double.IsNaN(celsius));
        Assert.Contains("kernel CRC check failed: 'crc=5a NO'", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_PowerOnValue_IsFault()
    {
        Assert.False(Sensor("28-000005e2fdc3", PowerOn).TryReadTemperatureCelsius(out _, out string? failure));
        Assert.Contains("85 °C power-on value", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_PowerOnValueAllowedBySettings_Returns85()
    {
        string id = "28-000005e2fdc3";
        Write(id, PowerOn);
        var sensor = new Ds18b20(new OneWireBus(_dir), id, new Ds18b20Settings { PowerOnValueIsFault = false });
        Assert.True(sensor.TryReadTemperatureCelsius(out double celsius, out _));
        Assert.Equal(85.0, celsius);
    }

    [Fact]
    public void TryRead_AllZeroScratchpad_IsFaultDespiteYes()
    {
        Assert.False(Sensor("28-000005e2fdc3", AllZero).TryReadTemperatureCelsius(out _, out string? failure));
        Assert.Contains("all zero", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_CorruptedByteWithYes_FailsOwnCrcCheck()
    {
        string tampered = Good.Replace("72 01 4b 46", "72 01 4b 47", StringComparison.Ordinal);
        Assert.False(Sensor("28-000005e2fdc3", tampered).TryReadTemperatureCelsius(out _, out string? failure));
        Assert.Contains("CRC-8 does not match", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n")]
    [InlineData("72 01 4b 46 7f ff 0e 10 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 t=23125\n")]
    [InlineData("72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=abc\n")]
    public void TryRead_MalformedText_IsFault(string text) =>
        Assert.False(Sensor("28-000005e2fdc3", text).TryReadTemperatureCelsius(out _, out _));

    [Fact]
    public void TryRead_AbsentDevice_IsFaultNamingEnoent()
    {
        var sensor = new Ds18b20(new OneWireBus(_dir), "28-0000deadbeef");
        Assert.False(sensor.TryReadTemperatureCelsius(out _, out string? failure));
        Assert.Contains("28-0000deadbeef unreadable", failure, StringComparison.Ordinal);
        Assert.Contains("ENOENT", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void FindDeviceIds_ListsOnlyFamily28Sorted()
    {
        Write("28-000005e2fdc4", Good);
        Write("28-000005e2fdc3", Good);
        Directory.CreateDirectory(Path.Combine(_dir, "w1_bus_master1"));
        Directory.CreateDirectory(Path.Combine(_dir, "10-000802b4a1c2"));
        Assert.Equal(["28-000005e2fdc3", "28-000005e2fdc4"], Ds18b20.FindDeviceIds(new OneWireBus(_dir)));
    }

    [Fact]
    public void Constructor_OtherFamily_Throws() =>
        Assert.Throws<ArgumentException>(() => new Ds18b20(new OneWireBus(_dir), "10-000802b4a1c2"));

    private Ds18b20 Sensor(string id, string text)
    {
        Write(id, text);
        return new Ds18b20(new OneWireBus(_dir), id);
    }

    private void Write(string id, string text)
    {
        Directory.CreateDirectory(Path.Combine(_dir, id));
        File.WriteAllText(Path.Combine(_dir, id, "w1_slave"), text);
    }
}
