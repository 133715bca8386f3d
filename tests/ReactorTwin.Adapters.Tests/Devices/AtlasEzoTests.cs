using System.Reactive.Concurrency;
using System.Text;
using ReactorTwin.Adapters.Devices.AtlasEzo;
using System.Device.I2c;
using ReactorTwin.Adapters.Devices;
using ReactorTwin.Simulator.Devices;

namespace ReactorTwin.Adapters.Tests.Devices;

/// <summary>The EZO drivers against simulated EZO state machines (processing time, status bytes) in virtual time.</summary>
public sealed class AtlasEzoTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly HistoricalScheduler _scheduler = new(Start);
    private readonly HardwareClock _clock;
    private double _truth = 7.0;

    public AtlasEzoTests() => _clock = HardwareClock.FromVirtualTime(_scheduler);

    private TimeSpan Elapsed => _clock.GetUtcNow() - Start;

    [Fact]
    public void TryReadPh_WaitsDocumented900Milliseconds_ThenParsesAnswer()
    {
        _truth = 6.85;
        var (chip, ph) = Ph();
        Assert.True(ph.TryReadPh(out double value, out string? failure), failure);
        Assert.Equal(6.85, value, 3);
        Assert.Equal(TimeSpan.FromMilliseconds(900), Elapsed);
        Assert.Equal(["R"], chip.CommandLog);
    }

    [Fact]
    public void TryReadPh_ReadTooEarly_RetriesOnStillProcessing()
    {
        var (chip, ph) = Ph(new AtlasEzoSettings { ReadingTime = TimeSpan.FromMilliseconds(600), CalibrationTime = TimeSpan.FromMilliseconds(900) });
        Assert.True(ph.TryReadPh(out double value, out _));
        Assert.Equal(7.0, value, 3);
        Assert.Equal(TimeSpan.FromMilliseconds(900), Elapsed); // 600 ms + three 100 ms retries
        Assert.Single(chip.CommandLog);
    }

    [Fact]
    public void TryReadPh_StillProcessingAfterAllRetries_FailsWithClearReason()
    {
        var (chip, ph) = Ph();
        chip.ReadingTime = TimeSpan.FromSeconds(5);
        Assert.False(ph.TryReadPh(out double value, out string? failure));
        Assert.True(double.IsNaN(value));
        Assert.Contains("EZO 0x63 command 'R': still processing after 900 ms and 5 retries", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void SendCommand_Unknown_ThrowsSyntaxError()
    {
        var (_, ph) = Ph();
        var e = Assert.Throws<AtlasEzoException>(() => ph.SendCommand("Frobnicate", TimeSpan.FromMilliseconds(300)));
        Assert.Equal(AtlasEzoStatus.SyntaxError, e.Status);
        Assert.Contains("syntax error", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SendCommand_NoDataStatus_ThrowsNoData()
    {
        var ph = new AtlasEzoPh(new ScriptedDevice([255]), _clock);
        var e = Assert.Throws<AtlasEzoException>(() => ph.GetDeviceInfo());
        Assert.Equal(AtlasEzoStatus.NoData, e.Status);
        Assert.Contains("no data", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SendCommand_UnknownStatusByte_Throws()
    {
        var ph = new AtlasEzoPh(new ScriptedDevice([7]), _clock);
        Assert.Contains("unknown status byte 7", Assert.Throws<AtlasEzoException>(() => ph.GetDeviceInfo()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryReadPh_NonNumericAnswer_Fails()
    {
        var ph = new AtlasEzoPh(new ScriptedDevice([1, .. Encoding.ASCII.GetBytes("*OV"), 0]), _clock);
        Assert.False(ph.TryReadPh(out _, out string? failure));
        Assert.Contains("'*OV' is not a number", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void TryReadPh_I2cFailure_FailsWithTheBusError()
    {
        var (chip, ph) = Ph();
        chip.NotAcknowledging = true;
        Assert.False(ph.TryReadPh(out _, out string? failure));
        Assert.Contains("Error 121 performing I2C data transfer", failure, StringComparison.Ordinal);
        Assert.Contains("0x63", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void GetDeviceInfo_ReturnsTypeAndFirmware()
    {
        var (_, ph) = Ph();
        Assert.Equal("?I,pH,2.16", ph.GetDeviceInfo());
        Assert.Equal(TimeSpan.FromMilliseconds(300), Elapsed);
    }

    [Fact]
    public void PhThreePointCalibration_CorrectsProbeError()
    {
        var (chip, ph) = Ph();
        chip.ProbeOffset = 0.3;
        chip.ProbeGain = 0.95;
        _truth = 5.5;
        Assert.True(ph.TryReadPh(out double before, out _));
        Assert.Equal(0.3 + (0.95 * 5.5), before, 3);

        _truth = 7.0;
        ph.CalibrateMidpoint(7.0);
        Assert.Equal(1, ph.GetCalibrationPointCount());
        _truth = 4.0;
        ph.CalibrateLowPoint(4.0);
        _truth = 10.0;
        ph.CalibrateHighPoint(10.0);
        Assert.Equal(3, ph.GetCalibrationPointCount());

        _truth = 5.5;
        Assert.True(ph.TryReadPh(out double after, out _));
        Assert.Equal(5.5, after, 3);
        Assert.Contains("Cal,mid,7", chip.CommandLog);
        Assert.Contains("Cal,low,4", chip.CommandLog);
        Assert.Contains("Cal,high,10", chip.CommandLog);

        ph.CalibrateMidpoint(7.0); // a new midpoint clears the other points (datasheet)
        Assert.Equal(1, ph.GetCalibrationPointCount());
        ph.ClearCalibration();
        Assert.Equal(0, ph.GetCalibrationPointCount());
    }

    [Fact]
    public void PhCalibration_TakesCalibrationTime()
    {
        var (_, ph) = Ph();
        ph.CalibrateMidpoint(7.0);
        Assert.Equal(TimeSpan.FromMilliseconds(900), Elapsed);
    }

    [Fact]
    public void PhTemperatureCompensation_RtAndT_FixNernstSlopeError()
    {
        var (chip, ph) = Ph();
        chip.LiquidTemperatureCelsius = _ => 37.0;
        _truth = 9.0;
        Assert.True(ph.TryReadPh(out double uncompensated, out _));
        Assert.Equal(7.0 + (2.0 * 310.15 / 298.15), uncompensated, 3);

        Assert.True(ph.TryReadPhCompensated(37.0, out double compensated, out _));
        Assert.Equal(9.0, compensated, 3);
        Assert.Equal(37.0, ph.GetTemperatureCompensationCelsius());
        Assert.Contains("RT,37.0", chip.CommandLog);

        ph.SetTemperatureCompensationCelsius(30.04);
        Assert.Equal("T,30.0", chip.CommandLog[^1]);
        Assert.Equal(30.0, ph.GetTemperatureCompensationCelsius());
    }

    [Fact]
    public void DissolvedOxygen_Reading600MsAndTwoPointCalibration()
    {
        double truth = 7.2;
        var chip = new SimulatedAtlasEzo(AtlasEzoCircuit.DissolvedOxygen, _clock, _ => truth) { ProbeGain = 1.1, ProbeOffset = 0.2 };
        var dox = new AtlasEzoDissolvedOxygen(chip, _clock);
        Assert.True(dox.TryReadMilligramsPerLitre(out double raw, out _));
        Assert.Equal(0.2 + (1.1 * 7.2), raw, 2);
        Assert.Equal(TimeSpan.FromMilliseconds(600), Elapsed);

        dox.SetTemperatureCompensationCelsius(25.0);
        truth = SimulatedAtlasEzo.OxygenSaturationMilligramsPerLitre(25.0); // probe in air
        var before = _clock.GetUtcNow();
        dox.CalibrateAtmospheric();
        Assert.Equal(TimeSpan.FromMilliseconds(1300), _clock.GetUtcNow() - before);
        truth = 0.0; // probe in zero solution
        dox.CalibrateZero();
        Assert.Equal(2, dox.GetCalibrationPointCount());

        truth = 4.0;
        Assert.True(dox.TryReadMilligramsPerLitreCompensated(25.0, out double calibrated, out _));
        Assert.Equal(4.0, calibrated, 2);
        Assert.Equal(["R", "T,25.0", "Cal", "Cal,0", "Cal,?", "RT,25.0"], chip.CommandLog);
    }

    [Fact]
    public void Orp_ReadingAndSinglePointCalibration()
    {
        double truth = 225.0;
        var chip = new SimulatedAtlasEzo(AtlasEzoCircuit.Orp, _clock, _ => truth) { ProbeOffset = 12.0 };
        var orp = new AtlasEzoOrp(chip, _clock);
        Assert.True(orp.TryReadMillivolts(out double raw, out _));
        Assert.Equal(237.0, raw, 1);
        Assert.Equal(TimeSpan.FromMilliseconds(900), Elapsed);
        orp.Calibrate(225.0);
        truth = -120.4;
        Assert.True(orp.TryReadMillivolts(out double calibrated, out _));
        Assert.Equal(-120.4, calibrated, 1);
        Assert.Equal("Cal,225", chip.CommandLog[1]);
    }

    [Fact]
    public void Orp_TemperatureCommand_IsSyntaxError()
    {
        var chip = new SimulatedAtlasEzo(AtlasEzoCircuit.Orp, _clock, _ => 0);
        var orp = new AtlasEzoOrp(chip, _clock);
        Assert.Equal(AtlasEzoStatus.SyntaxError, Assert.Throws<AtlasEzoException>(() => orp.SendCommand("T,25.0", TimeSpan.FromMilliseconds(300))).Status);
    }

    [Fact]
    public void ArgumentChecks_RejectOutOfRangeValuesBeforeTalkingToTheChip()
    {
        var (chip, ph) = Ph();
        Assert.Throws<ArgumentOutOfRangeException>(() => ph.CalibrateMidpoint(15));
        Assert.Throws<ArgumentOutOfRangeException>(() => ph.SetTemperatureCompensationCelsius(double.NaN));
        Assert.Throws<ArgumentException>(() => ph.SendCommand("R\n", TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AtlasEzoOrp(chip, _clock).Calibrate(2000));
        Assert.Empty(chip.CommandLog);
    }

    private (SimulatedAtlasEzo Chip, AtlasEzoPh Driver) Ph(AtlasEzoSettings? settings = null)
    {
        var chip = new SimulatedAtlasEzo(AtlasEzoCircuit.Ph, _clock, _ => _truth);
        return (chip, new AtlasEzoPh(chip, _clock, settings));
    }

    /// <summary>Answers every read with a fixed response.</summary>
    private sealed class ScriptedDevice(byte[] response) : I2cDevice
    {
        public override I2cConnectionSettings ConnectionSettings { get; } = new(1, 0x63);

        public override void Read(Span<byte> buffer)
        {
            buffer.Clear();
            response.AsSpan(0, Math.Min(response.Length, buffer.Length)).CopyTo(buffer);
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
        }

        public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
        {
            Write(writeBuffer);
            Read(readBuffer);
        }
    }
}
