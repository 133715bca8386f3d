using System.Reactive.Concurrency;
using Iot.Device.Ads1115;
using ReactorTwin.Adapters.Devices;
using ReactorTwin.Adapters.Sensors;
using ReactorTwin.Simulator.Devices;

namespace ReactorTwin.Adapters.Tests.Devices;

/// <summary>Iot.Device.Ads1115 against the simulated chip (register map, conversion timing, bus time) in virtual time.</summary>
public sealed class Ads1115BindingTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly HistoricalScheduler _scheduler = new(Start);
    private readonly HardwareClock _clock;
    private readonly SimulatedAds1115 _chip;

    public Ads1115BindingTests()
    {
        _clock = HardwareClock.FromVirtualTime(_scheduler);
        _chip = new SimulatedAds1115(_clock);
    }

    [Theory]
    [InlineData(MeasuringRange.FS6144, 6.144, 3.0)]
    [InlineData(MeasuringRange.FS4096, 4.096, 1.2345)]
    [InlineData(MeasuringRange.FS2048, 2.048, -1.5)]
    [InlineData(MeasuringRange.FS1024, 1.024, 0.9)]
    [InlineData(MeasuringRange.FS0512, 0.512, 0.25)]
    [InlineData(MeasuringRange.FS0256, 0.256, 0.1)]
    public void ReadVoltage_EachRange_WithinHalfAnLsb(MeasuringRange range, double fullScale, double volts)
    {
        _chip.SetInput(0, volts);
        using var adc = new Ads1115(_chip, InputMultiplexer.AIN0, range, DataRate.SPS128, DeviceMode.PowerDown);
        double lsb = fullScale / 32768;
        Assert.InRange(adc.ReadVoltage().Volts, volts - (lsb / 2), volts + (lsb / 2));
    }

    [Theory]
    [InlineData(DataRate.SPS008)]
    [InlineData(DataRate.SPS128)]
    [InlineData(DataRate.SPS860)]
    public void ReadRaw_SingleShot_WaitsForTheConversionThroughTheBusyBit(DataRate rate)
    {
        _chip.SetInput(0, 1.0);
        _chip.OscillatorFactor = 1.1; // a slow oscillator: the binding must poll, not assume 1/DR
        using var adc = new Ads1115(_chip, InputMultiplexer.AIN0, MeasuringRange.FS4096, rate, DeviceMode.PowerDown);
        int before = _chip.ConversionsStarted;
        var t0 = _scheduler.Now;
        short raw = adc.ReadRaw();
        var took = _scheduler.Now - t0;

        Assert.Equal(8000, raw); // 1.0 V at ±4.096 V full scale
        Assert.Equal(before + 1, _chip.ConversionsStarted);
        var conversion = SimulatedAds1115.ConversionTime(rate) * 1.1;
        // Plus the bus time of the config write, at most one busy-bit poll past the end (≈ 0.5 ms each at 100 kHz) and the
        // result read.
        Assert.InRange(took, conversion, conversion + TimeSpan.FromMilliseconds(2));
    }

    [Fact]
    public void ReadRaw_DifferentialInput_IsTheDifference()
    {
        _chip.SetInput(0, 1.75);
        _chip.SetInput(1, 2.0);
        using var adc = new Ads1115(_chip, InputMultiplexer.AIN0_AIN1, MeasuringRange.FS2048, DataRate.SPS128, DeviceMode.PowerDown);
        Assert.Equal(-0.25, adc.ReadVoltage().Volts, 3);
    }

    [Fact]
    public void ReadRaw_ContinuousMode_ReturnsTheLatestConversion()
    {
        _chip.SetInput(0, t => (t - Start).TotalSeconds);
        using var adc = new Ads1115(_chip, InputMultiplexer.AIN0, MeasuringRange.FS4096, DataRate.SPS128, DeviceMode.Continuous);
        _scheduler.AdvanceBy(TimeSpan.FromSeconds(2));
        Assert.Equal(2.0, adc.ReadVoltage().Volts, 1);
        Assert.NotEqual(0, _chip.ConfigRegister & 0x8000); // the binding wrote OS = 1 when it set up continuous mode
        Assert.Equal(0, _chip.ConfigRegister & 0x0100);
    }

    [Fact]
    public void Channel_InputBeyondFullScale_SaturatedAndSuspect()
    {
        _chip.SetInput(0, 5.0);
        using var adc = new Ads1115(_chip, InputMultiplexer.AIN0, MeasuringRange.FS4096, DataRate.SPS128, DeviceMode.PowerDown);
        var channel = new Ads1115CalibratedChannel("od", adc, InputMultiplexer.AIN0, MeasuringRange.FS4096, DataRate.SPS128, VoltageCalibration.TwoPoint(0, 0, 4, 8), "OD600");
        var reading = channel.Read(_clock.GetUtcNow);
        Assert.Equal(ReadingQuality.Suspect, reading.Quality);
        Assert.Contains("saturated", reading.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Absent_ConstructorFailsWithTheBusError_ChannelReadAfterwardsIsAFault()
    {
        _chip.NotAcknowledging = true;
        var open = Assert.Throws<IOException>(() => new Ads1115(_chip, InputMultiplexer.AIN0, MeasuringRange.FS4096, DataRate.SPS128, DeviceMode.PowerDown));
        Assert.Contains("0x48", open.Message, StringComparison.Ordinal);

        _chip.NotAcknowledging = false;
        using var adc = new Ads1115(_chip, InputMultiplexer.AIN0, MeasuringRange.FS4096, DataRate.SPS128, DeviceMode.PowerDown);
        var channel = new Ads1115CalibratedChannel("od", adc, InputMultiplexer.AIN0, MeasuringRange.FS4096, DataRate.SPS128, VoltageCalibration.TwoPoint(0, 0, 4, 8), "OD600");
        _chip.NotAcknowledging = true; // unplugged while running
        var reading = channel.Read(_clock.GetUtcNow);
        Assert.Equal(ReadingQuality.Fault, reading.Quality);
        Assert.Contains("Error 121", reading.Reason, StringComparison.Ordinal);
        Assert.True(double.IsNaN(reading.Value));
        _chip.NotAcknowledging = false; // plugged back in: the binding's Dispose writes the chip's defaults
    }
}
