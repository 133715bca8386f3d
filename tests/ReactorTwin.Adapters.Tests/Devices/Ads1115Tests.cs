using System.Reactive.Concurrency;
using ReactorTwin.Adapters.Devices.Ads1115;
using ReactorTwin.Adapters.Hardware;
using ReactorTwin.Adapters.Hardware.I2c;
using ReactorTwin.Simulator.Devices;

namespace ReactorTwin.Adapters.Tests.Devices;

/// <summary>The ADS1115 driver against the simulated chip (register map + conversion timing) in virtual time.</summary>
public sealed class Ads1115Tests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly HistoricalScheduler _scheduler = new(Start);
    private readonly HardwareClock _clock;
    private readonly SimulatedAds1115 _chip;

    public Ads1115Tests()
    {
        _clock = HardwareClock.FromVirtualTime(_scheduler);
        _chip = new SimulatedAds1115(_clock);
    }

    [Fact]
    public void ConfigWord_SingleShotAin0Fs4096Sps128_IsC383()
    {
        Assert.Equal(0xC383, Ads1115.ConfigWord(true, Ads1115Input.Ain0, Ads1115FullScale.PlusMinus4096Millivolts, Ads1115Mode.SingleShot, Ads1115DataRate.Sps128));
        Assert.Equal(0x0083 | (2 << 9), Ads1115.ConfigWord(false, Ads1115Input.Ain0MinusAin1, Ads1115FullScale.PlusMinus2048Millivolts, Ads1115Mode.Continuous, Ads1115DataRate.Sps128));
    }

    [Fact]
    public void Registers_AreBigEndianBehindPointerByte()
    {
        var wire = new RecordingI2cDevice();
        var adc = new Ads1115(wire, _clock);
        adc.WriteRegister(Ads1115Register.HighThreshold, 0x1234);
        Assert.Equal(new byte[] { 0x03, 0x12, 0x34 }, wire.Writes[0]);
        wire.NextRead = [0xAB, 0xCD];
        Assert.Equal(0xABCD, adc.ReadRegister(Ads1115Register.Conversion));
        Assert.Equal(new byte[] { 0x00 }, wire.Writes[1]);
    }

    [Theory]
    [InlineData(Ads1115FullScale.PlusMinus6144Millivolts, 3.0)]
    [InlineData(Ads1115FullScale.PlusMinus4096Millivolts, 1.2345)]
    [InlineData(Ads1115FullScale.PlusMinus2048Millivolts, -1.5)]
    [InlineData(Ads1115FullScale.PlusMinus1024Millivolts, 0.9)]
    [InlineData(Ads1115FullScale.PlusMinus512Millivolts, 0.25)]
    [InlineData(Ads1115FullScale.PlusMinus256Millivolts, 0.1)]
    public void TryReadVolts_EachFullScale_WithinHalfLsb(Ads1115FullScale fullScale, double volts)
    {
        _chip.SetInput(0, volts);
        var adc = new Ads1115(_chip, _clock, new Ads1115Settings { FullScale = fullScale });
        Assert.True(adc.TryReadVolts(Ads1115Input.Ain0, out double read, out string? failure), failure);
        double lsb = Ads1115.FullScaleVolts(fullScale) / 32768;
        Assert.InRange(read, volts - (lsb / 2), volts + (lsb / 2));
    }

    [Fact]
    public void TryReadSample_BeyondFullScale_SaturatesAndSaysSo()
    {
        _chip.SetInput(2, 0.3);
        var adc = new Ads1115(_chip, _clock, new Ads1115Settings { FullScale = Ads1115FullScale.PlusMinus256Millivolts });
        Assert.True(adc.TryReadSample(Ads1115Input.Ain2, out var sample, out _));
        Assert.Equal(short.MaxValue, sample.Raw);
        Assert.True(sample.Saturated);
    }

    [Fact]
    public void TryReadVolts_Differential_IsSigned()
    {
        _chip.SetInput(0, 0.5);
        _chip.SetInput(1, 1.0);
        var adc = new Ads1115(_chip, _clock);
        Assert.True(adc.TryReadVolts(Ads1115Input.Ain0MinusAin1, out double volts, out _));
        Assert.Equal(-0.5, volts, 4);
    }

    [Theory]
    [InlineData(Ads1115DataRate.Sps8)]
    [InlineData(Ads1115DataRate.Sps16)]
    [InlineData(Ads1115DataRate.Sps32)]
    [InlineData(Ads1115DataRate.Sps64)]
    [InlineData(Ads1115DataRate.Sps128)]
    [InlineData(Ads1115DataRate.Sps250)]
    [InlineData(Ads1115DataRate.Sps475)]
    [InlineData(Ads1115DataRate.Sps860)]
    public void TryReadVolts_NominalOscillator_WaitsOneOverDrPlusTenPercentOnce(Ads1115DataRate rate)
    {
        _chip.SetInput(0, 1.0);
        var adc = new Ads1115(_chip, _clock, new Ads1115Settings { DataRate = rate });
        Assert.True(adc.TryReadVolts(Ads1115Input.Ain0, out _, out _));
        var expected = Ads1115.ConversionTime(rate) * 1.1;
        Assert.Equal(expected, _clock.GetUtcNow() - Start);
    }

    [Fact]
    public void TryReadVolts_SlowOscillator_PollsOsBitUntilReady()
    {
        _chip.OscillatorFactor = 1.3; // beyond the datasheet's 10 %: the first poll finds the conversion running
        _chip.SetInput(0, 1.0);
        var adc = new Ads1115(_chip, _clock, new Ads1115Settings { DataRate = Ads1115DataRate.Sps8 });
        Assert.True(adc.TryReadVolts(Ads1115Input.Ain0, out double volts, out _));
        Assert.Equal(1.0, volts, 3);
        var elapsed = _clock.GetUtcNow() - Start;
        var conversion = Ads1115.ConversionTime(Ads1115DataRate.Sps8);
        Assert.InRange(elapsed, conversion * 1.3, (conversion * 1.3) + (conversion / 10));
    }

    [Fact]
    public void TryReadVolts_ConversionNeverCompletes_FailsAfterTimeout()
    {
        _chip.OscillatorFactor = 100;
        var adc = new Ads1115(_chip, _clock);
        Assert.False(adc.TryReadVolts(Ads1115Input.Ain0, out double volts, out string? failure));
        Assert.True(double.IsNaN(volts));
        Assert.Contains("conversion not ready", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void TryReadVolts_SamplesInputAtEndOfConversion()
    {
        _chip.SetInput(0, t => (t - Start).TotalSeconds); // a 1 V/s ramp
        var adc = new Ads1115(_chip, _clock, new Ads1115Settings { DataRate = Ads1115DataRate.Sps8 });
        Assert.True(adc.TryReadVolts(Ads1115Input.Ain0, out double volts, out _));
        Assert.Equal(0.125, volts, 3);
    }

    [Fact]
    public void Continuous_LatestResultTracksSignal()
    {
        _chip.SetInput(1, t => 0.1 * (t - Start).TotalSeconds);
        var adc = new Ads1115(_chip, _clock, new Ads1115Settings { DataRate = Ads1115DataRate.Sps128 });
        Assert.False(adc.TryReadLatestVolts(out _, out string? notStarted));
        Assert.Contains("StartContinuous", notStarted, StringComparison.Ordinal);
        adc.StartContinuous(Ads1115Input.Ain1);
        Assert.True(adc.TryReadLatestVolts(out double first, out _));
        Assert.Equal(0.1 / 128, first, 4);
        _clock.Wait(TimeSpan.FromSeconds(2));
        Assert.True(adc.TryReadLatestVolts(out double later, out _));
        double now = 0.1 * (_clock.GetUtcNow() - Start).TotalSeconds;
        Assert.InRange(later, now - (0.1 / 128) - 1e-4, now + 1e-4); // the last completed conversion, ≤ one period old
        adc.StopContinuous();
        Assert.Equal(1, (_chip.ConfigRegister >> 8) & 1);
    }

    [Fact]
    public void TryReadVolts_ChipNotAcknowledging_FailsNamingEremoteio()
    {
        _chip.NotAcknowledging = true;
        var adc = new Ads1115(_chip, _clock);
        Assert.False(adc.TryReadVolts(Ads1115Input.Ain0, out _, out string? failure));
        Assert.Contains("EREMOTEIO", failure, StringComparison.Ordinal);
    }

    /// <summary>Records the bytes a driver puts on the wire.</summary>
    private sealed class RecordingI2cDevice : I2cDevice
    {
        public List<byte[]> Writes { get; } = [];

        public byte[] NextRead { get; set; } = [];

        public override I2cConnectionSettings ConnectionSettings { get; } = new(1, 0x48);

        public override void Read(Span<byte> buffer) => NextRead.AsSpan(0, buffer.Length).CopyTo(buffer);

        public override void Write(ReadOnlySpan<byte> buffer) => Writes.Add(buffer.ToArray());
    }
}
