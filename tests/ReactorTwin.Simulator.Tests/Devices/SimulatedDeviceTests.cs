using System.Reactive.Concurrency;
using ReactorTwin.Adapters.Devices;
using ReactorTwin.Adapters.Devices.AtlasEzo;
using ReactorTwin.Simulator.Devices;

namespace ReactorTwin.Simulator.Tests.Devices;

public sealed class SimulatedDeviceTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly HistoricalScheduler _scheduler = new(Start);
    private readonly HardwareClock _clock;
    private readonly string _dir = Directory.CreateTempSubdirectory("w1-sim-").FullName;

    public SimulatedDeviceTests() => _clock = HardwareClock.FromVirtualTime(_scheduler);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(23.125, "72 01 4b 46 7f ff 0c 10 c6 : crc=c6 YES\n72 01 4b 46 7f ff 0c 10 c6 t=23125\n")]
    [InlineData(-10.125, "5e ff 4b 46 7f ff 0c 10 6a : crc=6a YES\n5e ff 4b 46 7f ff 0c 10 6a t=-10125\n")]
    public void W1Text_MatchesKernelFormatWithRealCrc(double celsius, string expected) =>
        Assert.Equal(expected, SimulatedOneWireDirectory.Text(celsius, SimulatedW1Fault.None));

    [Fact]
    public void W1Directory_SysfsLayoutOfOneBusMaster_FaultsChangeTheFiles()
    {
        // What Iot.Device.OneWire reads under /sys/devices (the binding on this tree: OneWireNamespaceTests in the host).
        double celsius = 37.0;
        var w1 = new SimulatedOneWireDirectory(_dir);
        string id = w1.AddThermometer("0000075a1b2c", _ => celsius);
        string slave = Path.Combine(_dir, "w1_bus_master1", id, "w1_slave");
        string slaves = Path.Combine(_dir, "w1_bus_master1", "w1_master_slaves");

        w1.Refresh(Start);
        Assert.Equal([id], File.ReadAllLines(slaves));
        Assert.EndsWith("t=37000\n", File.ReadAllText(slave), StringComparison.Ordinal);

        w1.SetFault(id, SimulatedW1Fault.CrcError);
        w1.Refresh(Start);
        Assert.Contains(" NO\n", File.ReadAllText(slave), StringComparison.Ordinal);

        w1.SetFault(id, SimulatedW1Fault.PowerOnReset);
        w1.Refresh(Start);
        Assert.EndsWith("t=85000\n", File.ReadAllText(slave), StringComparison.Ordinal);

        w1.SetFault(id, SimulatedW1Fault.Absent);
        w1.Refresh(Start);
        Assert.False(File.Exists(slave));
        Assert.Equal(["not found."], File.ReadAllLines(slaves));
    }

    [Fact]
    public void Crc8_DallasCheckValue() =>
        Assert.Equal(0xA1, SimulatedOneWireDirectory.Crc8("123456789"u8)); // the CRC-8/MAXIM catalogue check value

    [Fact]
    public void Ezo_RawProtocol_StatusBytesFollowTiming()
    {
        var chip = new SimulatedAtlasEzo(AtlasEzoCircuit.Ph, _clock, _ => 7.25);
        byte[] response = new byte[8];
        chip.Read(response);
        Assert.Equal((byte)AtlasEzoStatus.NoData, response[0]);

        chip.Write("R"u8);
        _clock.Wait(TimeSpan.FromMilliseconds(899));
        chip.Read(response);
        Assert.Equal((byte)AtlasEzoStatus.StillProcessing, response[0]);

        _clock.Wait(TimeSpan.FromMilliseconds(1));
        chip.Read(response);
        Assert.Equal(new byte[] { 1, (byte)'7', (byte)'.', (byte)'2', (byte)'5', (byte)'0', 0, 0 }, response);

        chip.Read(response);
        Assert.Equal((byte)AtlasEzoStatus.NoData, response[0]);

        chip.Write("Cal,mid"u8); // missing the value
        _clock.Wait(TimeSpan.FromMilliseconds(300));
        chip.Read(response);
        Assert.Equal((byte)AtlasEzoStatus.SyntaxError, response[0]);
    }

    [Fact]
    public void Ezo_OxygenSaturation_MatchesTableValues()
    {
        // Fresh water at 1 atm (USGS / Standard Methods tables): 9.09 mg/L at 20 °C, 8.26 at 25 °C, 6.73 at 37 °C.
        Assert.Equal(9.09, SimulatedAtlasEzo.OxygenSaturationMilligramsPerLitre(20), 0.01);
        Assert.Equal(8.26, SimulatedAtlasEzo.OxygenSaturationMilligramsPerLitre(25), 0.01);
        Assert.Equal(6.73, SimulatedAtlasEzo.OxygenSaturationMilligramsPerLitre(37), 0.01);
    }

    [Fact]
    public void CultureSignals_UnknownState_ThrowsListingStates()
    {
        var culture = CultureSignals.FromMeanOde(ReactorTwin.Core.Models.BuiltInModels.Cho(), Start, 1, 0.5);
        var e = Assert.Throws<ArgumentException>(() => culture.State("OD"));
        Assert.Contains("GLC", e.Message, StringComparison.Ordinal);
    }
}
