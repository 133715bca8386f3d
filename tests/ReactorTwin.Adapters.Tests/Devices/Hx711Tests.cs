using System.Device.Gpio;
using System.Reactive.Concurrency;
using Iot.Device.Hx711;
using ReactorTwin.Adapters.Devices;
using ReactorTwin.Adapters.Sensors;
using ReactorTwin.Simulator.Devices;

namespace ReactorTwin.Adapters.Tests.Devices;

/// <summary>
/// Iot.Device.Hx711 bit-banging a simulated HX711 through GpioController over SimulatedGpioDriver, in virtual time: the
/// load cell's weight → broth volume for fed-batch.
/// </summary>
public sealed class Hx711Tests : IDisposable
{
    private const int Dout = 5;
    private const int Sck = 6;
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly HistoricalScheduler _scheduler = new(Start);
    private readonly HardwareClock _clock;
    private readonly SimulatedGpioDriver _driver = new();
    private readonly GpioController _gpio;
    private readonly SimulatedHx711 _chip;
    private readonly Hx711 _scale;
    private double _grams = 2_330; // 800 g vessel + 1.5 L of broth at 1.02 g/mL

    public Hx711Tests()
    {
        _clock = HardwareClock.FromVirtualTime(_scheduler);
        _gpio = new GpioController(_driver);
        _chip = new SimulatedHx711(_driver, Dout, Sck, _clock, _ => _grams);
        _scale = new Hx711(Dout, Sck, new Hx711Options(Hx711Mode.ChannelAGain128, useByteLittleEndian: false), _gpio, shouldDispose: false);
    }

    public void Dispose()
    {
        _scale.Dispose();
        _gpio.Dispose();
    }

    private LoadCellVolumeChannel Channel(int samples = 3) => new("volume", _scale, _gpio, Dout, _clock,
        VoltageCalibration.PiecewiseLinearThrough([(8_400, 0), (8_400 + (420 * 5_000), 5_000)]), tareGrams: 800, densityGramsPerMillilitre: 1.02, samples);

    [Fact]
    public void Read_VesselWithBroth_VolumeFromWeightMinusTareOverDensity()
    {
        var reading = Channel().Read(_clock.GetUtcNow);
        Assert.Equal(ReadingQuality.Good, reading.Quality);
        Assert.Equal("mL", reading.Unit);
        Assert.Equal(1_500, reading.Value, 1.0); // (2330 − 800) g / 1.02 g/mL; the binding rounds counts to integers
        Assert.Equal(3, _chip.ConversionsRead); // the median of three 24-bit reads
        Assert.Equal(PinValue.Low, _driver.Level(Sck)); // PD_SCK low: the chip stays powered
    }

    [Fact]
    public void Read_FedBatchFeed_VolumeFollowsTheFeed()
    {
        var channel = Channel(samples: 1);
        var volumes = new List<double>();
        foreach (var grams in new[] { 1_820.0, 1_922.0, 2_024.0 })
        {
            _grams = grams;
            volumes.Add(channel.Read(_clock.GetUtcNow).Value);
        }

        Assert.Equal([1_000, 1_100, 1_200], volumes.Select(v => Math.Round(v)));
    }

    [Fact]
    public void Read_ChipUnpowered_FaultAfterTheReadyTimeoutInsteadOfHanging()
    {
        _chip.Powered = false;
        var t0 = _scheduler.Now;
        var reading = Channel().Read(_clock.GetUtcNow);
        Assert.Equal(ReadingQuality.Fault, reading.Quality);
        Assert.Contains("HX711 not ready", reading.Reason, StringComparison.Ordinal);
        Assert.InRange(_scheduler.Now - t0, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(600));
        Assert.Equal(0, _chip.ConversionsRead);
    }

    [Fact]
    public void Read_BeyondTheWeighedStandards_Suspect()
    {
        _grams = 7_000;
        var reading = Channel().Read(_clock.GetUtcNow);
        Assert.Equal(ReadingQuality.Suspect, reading.Quality);
        Assert.Contains("outside the weighed standards", reading.Reason, StringComparison.Ordinal);
    }
}
