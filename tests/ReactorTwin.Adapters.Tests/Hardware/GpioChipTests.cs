using System.Reactive.Concurrency;
using System.Reactive.Linq;
using ReactorTwin.Adapters.Hardware;
using ReactorTwin.Adapters.Hardware.Gpio;
using ReactorTwin.Simulator.Devices;

namespace ReactorTwin.Adapters.Tests.Hardware;

public sealed class GpioChipTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gpio-dev-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void OpenByLabel_NoChips_ThrowsEnodevListingWhatWasFound()
    {
        var e = Assert.Throws<HardwareIoException>(() => GpioChip.OpenLinuxByLabel("pinctrl-rp1", _dir));
        Assert.Equal("ENODEV", e.ErrnoName);
        Assert.Contains("'pinctrl-rp1'", e.Message, StringComparison.Ordinal);
        Assert.Contains("no GPIO chips", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenRaspberryPiHeader_UnreadableChips_ReportsEachFailureAndTriesAllLabels()
    {
        File.CreateSymbolicLink(Path.Combine(_dir, "gpiochip4"), "/dev/null");
        File.WriteAllText(Path.Combine(_dir, "gpiochipX"), "not numbered, ignored");
        var e = Assert.Throws<HardwareIoException>(() => GpioChip.OpenRaspberryPiHeader(_dir));
        Assert.Contains("'pinctrl-rp1' or 'pinctrl-bcm2711' or 'pinctrl-bcm2835'", e.Message, StringComparison.Ordinal);
        Assert.Contains("gpiochip4", e.Message, StringComparison.Ordinal);
        Assert.Contains("ENOTTY", e.Message, StringComparison.Ordinal);
        Assert.Empty(GpioChip.EnumerateLinux(_dir));
    }

    [Fact]
    public void EnumerateLinux_MissingDirectory_IsEmpty() =>
        Assert.Empty(GpioChip.EnumerateLinux(Path.Combine(_dir, "absent")));

    [Fact]
    public void SimulatedChip_OutputAndInputWithEdges_BehaveAsContract()
    {
        var scheduler = new HistoricalScheduler(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var clock = HardwareClock.FromVirtualTime(scheduler);
        using var chip = new SimulatedGpioChip(clock);
        using var pump = chip.RequestOutput(17, initialValue: false, new GpioOutputSettings { ActiveLow = true });
        Assert.True(chip.GetLevel(17)); // active-low relay board: logical off is a high pin
        pump.Write(true);
        Assert.False(chip.GetLevel(17));

        using var level = chip.RequestInput(27, new GpioInputSettings { Bias = GpioBias.PullUp, Edge = GpioEdge.Both });
        var edges = new List<GpioEdgeEvent>();
        using var sub = level.Edges.Subscribe(edges.Add);
        chip.SetInputLevel(27, true);
        clock.Wait(TimeSpan.FromMilliseconds(250));
        chip.SetInputLevel(27, false);
        Assert.Equal([GpioEdge.Rising, GpioEdge.Falling], edges.Select(e => e.Edge));
        Assert.Equal(250_000_000, edges[1].TimestampNanoseconds - edges[0].TimestampNanoseconds);
        Assert.Equal([1u, 2u], edges.Select(e => e.Sequence));
        Assert.Throws<HardwareIoException>(() => chip.RequestInput(27));
    }
}
