using System.Reactive.Concurrency;
using Iot.Device.Ads1115;
using ReactorTwin.Adapters.Devices;
using ReactorTwin.Adapters.Devices.AtlasEzo;
using ReactorTwin.Adapters.Sensors;
using ReactorTwin.Simulator.Devices;
using UnitsNet;

namespace ReactorTwin.Adapters.Tests.Sensors;

/// <summary>Channels polled on a HistoricalScheduler; device waits advance the same virtual clock.</summary>
public sealed class SensorSourceTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly HistoricalScheduler _scheduler = new(Start);
    private readonly HardwareClock _clock;

    public SensorSourceTests() => _clock = HardwareClock.FromVirtualTime(_scheduler);

    [Fact]
    public void Poll_EzoChannel_ReadingsStampedAfterProcessingTimeAtInterval()
    {
        var chip = new SimulatedAtlasEzo(AtlasEzoCircuit.Ph, _clock, t => 7.0 + (0.01 * (t - Start).TotalSeconds));
        var channel = new AtlasEzoChannel("vessel.ph", new AtlasEzoPh(chip, _clock), plausibleMinimum: 6.0, plausibleMaximum: 8.0);
        var source = new SensorSource(_scheduler);
        var readings = new List<SensorReading>();
        using var sub = source.Add(channel, TimeSpan.FromSeconds(10)).Subscribe(readings.Add);

        _scheduler.AdvanceTo(Start.AddSeconds(30));

        Assert.Equal(4, readings.Count);
        Assert.All(readings, r => Assert.Equal(("vessel.ph", "pH", ReadingQuality.Good), (r.Channel, r.Unit, r.Quality)));
        Assert.Equal(Start.AddMilliseconds(900), readings[0].Timestamp);
        for (int i = 1; i < readings.Count; i++)
        {
            var gap = readings[i].Timestamp - readings[i - 1].Timestamp;
            Assert.InRange(gap, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10.9)); // never faster than the interval
        }

        Assert.All(readings, r => Assert.Equal(7.0 + (0.01 * (r.Timestamp - Start).TotalSeconds), r.Value, 3));
    }

    [Fact]
    public void Read_ImplausibleValue_IsSuspectWithReason()
    {
        var chip = new SimulatedAtlasEzo(AtlasEzoCircuit.Ph, _clock, _ => 9.5);
        var channel = new AtlasEzoChannel("vessel.ph", new AtlasEzoPh(chip, _clock), plausibleMinimum: 6.0, plausibleMaximum: 8.0);
        var r = channel.Read(_clock.GetUtcNow);
        Assert.Equal(ReadingQuality.Suspect, r.Quality);
        Assert.Equal(9.5, r.Value, 3);
        Assert.Contains("outside the plausible range", r.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DeviceNotAcknowledging_IsFaultWithNaN()
    {
        var chip = new SimulatedAtlasEzo(AtlasEzoCircuit.DissolvedOxygen, _clock, _ => 6.0) { NotAcknowledging = true };
        var r = new AtlasEzoChannel("vessel.do", new AtlasEzoDissolvedOxygen(chip, _clock)).Read(_clock.GetUtcNow);
        Assert.Equal(ReadingQuality.Fault, r.Quality);
        Assert.True(double.IsNaN(r.Value));
        Assert.Contains("Error 121 performing I2C data transfer", r.Reason, StringComparison.Ordinal);
        Assert.Equal("mg/L", r.Unit);
    }

    [Fact]
    public void Read_EzoWithTemperatureSource_CompensatesOrFlagsMissingTemperature()
    {
        var chip = new SimulatedAtlasEzo(AtlasEzoCircuit.Ph, _clock, _ => 9.0) { LiquidTemperatureCelsius = _ => 37.0 };
        double? temperature = 37.0;
        var channel = new AtlasEzoChannel("vessel.ph", new AtlasEzoPh(chip, _clock), () => temperature);
        var compensated = channel.Read(_clock.GetUtcNow);
        Assert.Equal((ReadingQuality.Good, 9.0), (compensated.Quality, Math.Round(compensated.Value, 3)));
        temperature = null;
        var fallback = channel.Read(_clock.GetUtcNow);
        Assert.Equal(ReadingQuality.Suspect, fallback.Quality);
        Assert.Contains("no temperature", fallback.Reason, StringComparison.Ordinal);
        Assert.Equal("R", chip.CommandLog[^1]);
    }

    [Fact]
    public void Read_AdsChannel_SaturatedOrExtrapolatedIsSuspect()
    {
        var chip = new SimulatedAds1115(_clock);
        using var adc = new Ads1115(chip, InputMultiplexer.AIN0, MeasuringRange.FS4096, DataRate.SPS128, DeviceMode.PowerDown);
        var channel = new Ads1115CalibratedChannel("vessel.od", adc, InputMultiplexer.AIN0, MeasuringRange.FS4096, DataRate.SPS128, VoltageCalibration.TwoPoint(0.5, 0.0, 2.5, 4.0), "OD600");
        chip.SetInput(0, 1.5);
        var good = channel.Read(_clock.GetUtcNow);
        Assert.Equal(ReadingQuality.Good, good.Quality);
        Assert.Equal(2.0, good.Value, 3);
        chip.SetInput(0, 3.0);
        Assert.Contains("outside the calibrated range", channel.Read(_clock.GetUtcNow).Reason, StringComparison.Ordinal);
        chip.SetInput(0, 5.0);
        var saturated = channel.Read(_clock.GetUtcNow);
        Assert.Equal(ReadingQuality.Suspect, saturated.Quality);
        Assert.Contains("saturated", saturated.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void All_MergesChannelsAndFaultsAbsentThermometer()
    {
        // The thermometers' reads as Iot.Device.OneWire gives them: a temperature, or the exception of a missing
        // w1_slave file (the binding itself is exercised on a fake sysfs tree in OneWireNamespaceTests).
        Temperature Present() => Temperature.FromDegreesCelsius(36.812);
        Temperature Unplugged() => throw new DirectoryNotFoundException("Could not find a part of the path '/sys/devices/w1_bus_master1/28-0000075a1b2d/w1_slave'.");
        var source = new SensorSource(_scheduler);
        source.Add(new Ds18b20TemperatureChannel("vessel.temperature", Present), TimeSpan.FromSeconds(5));
        source.Add(new Ds18b20TemperatureChannel("jacket.temperature", Unplugged), TimeSpan.FromSeconds(5));
        var readings = new List<SensorReading>();
        using var sub = source.All.Subscribe(readings.Add);
        _scheduler.AdvanceTo(Start.AddSeconds(5));

        Assert.Equal(4, readings.Count);
        Assert.All(readings.Where(r => r.Channel == "vessel.temperature"), r => Assert.Equal((36.812, ReadingQuality.Good, "°C"), (r.Value, r.Quality, r.Unit)));
        Assert.All(readings.Where(r => r.Channel == "jacket.temperature"), r => Assert.Equal(ReadingQuality.Fault, r.Quality));
        Assert.All(readings.Where(r => r.Channel == "jacket.temperature"), r => Assert.Contains("not readable", r.Reason, StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => source.Add(new Ds18b20TemperatureChannel("vessel.temperature", Present), TimeSpan.FromSeconds(1)));
    }
}
