using System.Reactive.Concurrency;
using Iot.Device.Ads1115;
using Iot.Device.Max31865;
using ReactorTwin.Adapters.Devices;
using ReactorTwin.Adapters.Devices.AtlasEzo;
using ReactorTwin.Adapters.Sensors;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Simulation;
using ReactorTwin.Simulator.Devices;

namespace ReactorTwin.Simulator.Tests.Devices;

/// <summary>
/// Hardware-in-the-loop against the simulated reactor: values produced by Core simulations pass through simulated
/// chips and are read back by the real driver code (Iot.Device.Bindings and our EZO driver).
/// </summary>
public sealed class CultureThroughDriversTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    // Optical-density probe: a photodiode amplifier whose output rises linearly with cell density.
    private const double ProbeOffsetVolts = 0.25;
    private const double ProbeVoltsPerUnit = 0.0005; // per 1e6 cells/L

    private readonly HistoricalScheduler _scheduler = new(Start);
    private readonly HardwareClock _clock;

    public CultureThroughDriversTests() => _clock = HardwareClock.FromVirtualTime(_scheduler);

    [Fact]
    public void OpticalDensity_ChoMeanOde_ThroughAds1115AndTwoPointCalibration_RecoversCellDensity()
    {
        var model = BuiltInModels.Cho();
        var culture = CultureSignals.FromMeanOde(model, Start, durationHours: 120, stepHours: 0.05);
        var density = culture.TotalCellDensity();
        var chip = new SimulatedAds1115(_clock);
        chip.SetInput(0, t => ProbeOffsetVolts + (ProbeVoltsPerUnit * density(t)));
        using var adc = new Ads1115(chip, InputMultiplexer.AIN0, MeasuringRange.FS4096, DataRate.SPS128, DeviceMode.PowerDown);

        // Two-point calibration with standards of 0 and 6000 × 1e6 cells/L, as done at the bench.
        var calibration = VoltageCalibration.TwoPoint(ProbeOffsetVolts, 0.0, ProbeOffsetVolts + (ProbeVoltsPerUnit * 6000), 6000);
        var channel = new Ads1115CalibratedChannel("vessel.cells", adc, InputMultiplexer.AIN0, MeasuringRange.FS4096, DataRate.SPS128, calibration, "1e6 cells/L", 0, 10_000);
        var readings = new List<SensorReading>();
        using (SensorSource.Poll(channel, TimeSpan.FromHours(4), _scheduler).Subscribe(readings.Add))
        {
            // The binding's set-up already took a few milliseconds of bus time; the 96 h reading comes just after 96 h.
            _scheduler.AdvanceTo(Start.AddHours(96).AddSeconds(1));
        }

        // The reference: Core's mean ODE solved directly at the reading times.
        double[] hours = readings.Select(r => (r.Timestamp - Start).TotalHours).ToArray();
        double[] states = new double[hours.Length * model.StateDimension];
        new MeanOdeSimulator(model).Simulate(model.DefaultInitialState(), model.NominalParameters(), hours, states);
        int x0 = model.IndexOfState("X0");
        int x1 = model.IndexOfState("X1");

        Assert.Equal(25, readings.Count);
        double lsbUnits = 4.096 / 32768 / ProbeVoltsPerUnit; // one ADC step in cells: 0.25
        for (int i = 0; i < readings.Count; i++)
        {
            double expected = states[(i * model.StateDimension) + x0] + states[(i * model.StateDimension) + x1];
            Assert.Equal(ReadingQuality.Good, readings[i].Quality);
            Assert.InRange(readings[i].Value, expected - lsbUnits - (1e-3 * expected), expected + lsbUnits + (1e-3 * expected));
        }

        Assert.True(readings[^1].Value > 2 * readings[0].Value, "the culture grows over four days");
    }

    [Fact]
    public void OpticalDensity_ChemicalLangevinRealisation_IsSeededAndReadThroughDriver()
    {
        var model = BuiltInModels.Cho();
        var a = CultureSignals.FromChemicalLangevin(model, Start, 48, 0.1, new Random(20260301)).TotalCellDensity();
        var b = CultureSignals.FromChemicalLangevin(model, Start, 48, 0.1, new Random(20260301)).TotalCellDensity();
        var chip = new SimulatedAds1115(_clock);
        chip.SetInput(0, t => ProbeOffsetVolts + (ProbeVoltsPerUnit * a(t)));
        using var adc = new Ads1115(chip, InputMultiplexer.AIN0, MeasuringRange.FS4096, DataRate.SPS128, DeviceMode.PowerDown);
        _clock.Wait(TimeSpan.FromHours(24));
        double volts = adc.ReadVoltage().Volts;
        double cells = (volts - ProbeOffsetVolts) / ProbeVoltsPerUnit;
        Assert.Equal(b(_clock.GetUtcNow()), cells, 0.5);
    }

    [Fact]
    public void Ph_LactateDrivenPlantSignal_ThroughSimulatedEzo()
    {
        var culture = CultureSignals.FromMeanOde(BuiltInModels.Cho(), Start, 120, 0.05);
        var lactate = culture.State("LAC");
        Func<DateTimeOffset, double> ph = t => 7.2 - (0.02 * lactate(t)); // a simple acidification model
        var chip = new SimulatedAtlasEzo(AtlasEzoCircuit.Ph, _clock, ph);
        var driver = new AtlasEzoPh(chip, _clock);
        _clock.Wait(TimeSpan.FromHours(48));
        Assert.True(driver.TryReadPh(out double value, out _));
        Assert.Equal(ph(_clock.GetUtcNow()), value, 3);
        Assert.True(value < 7.2 - (0.02 * 0.8), "lactate has accumulated");
    }

    [Fact]
    public void AllSensors_DayOfCulture_AllGood()
    {
        var culture = CultureSignals.FromMeanOde(BuiltInModels.Cho(), Start, 30, 0.1);
        var density = culture.TotalCellDensity();
        var glucose = culture.State("GLC");

        var rtd = new SimulatedMax31865(() => 36.5 + (0.2 * Math.Sin((_scheduler.Now - Start).TotalHours)));
        var ads = new SimulatedAds1115(_clock);
        ads.SetInput(0, t => ProbeOffsetVolts + (ProbeVoltsPerUnit * density(t)));
        var dox = new SimulatedAtlasEzo(AtlasEzoCircuit.DissolvedOxygen, _clock, t => 2.0 + (0.1 * glucose(t)));

        var source = new SensorSource(_scheduler);
        using var converter = new Max31865(rtd, PlatinumResistanceThermometerType.Pt100, ResistanceTemperatureDetectorWires.ThreeWire, UnitsNet.ElectricResistance.FromOhms(430));
        using var adc = new Ads1115(ads, InputMultiplexer.AIN0, MeasuringRange.FS4096, DataRate.SPS128, DeviceMode.PowerDown);
        source.Add(new RtdTemperatureChannel("vessel.temperature", converter), TimeSpan.FromMinutes(5));
        source.Add(new Ads1115CalibratedChannel("vessel.cells", adc, InputMultiplexer.AIN0, MeasuringRange.FS4096, DataRate.SPS128, VoltageCalibration.Linear(1 / ProbeVoltsPerUnit, -ProbeOffsetVolts / ProbeVoltsPerUnit), "1e6 cells/L"), TimeSpan.FromMinutes(10));
        source.Add(new AtlasEzoChannel("vessel.do", new AtlasEzoDissolvedOxygen(dox, _clock)), TimeSpan.FromMinutes(5));
        var readings = new List<SensorReading>();
        using var sub = source.All.Subscribe(readings.Add);
        _scheduler.AdvanceTo(Start.AddHours(24));

        Assert.All(readings, r => Assert.Equal(ReadingQuality.Good, r.Quality));
        Assert.InRange(readings.Count(r => r.Channel == "vessel.temperature"), 280, 289);
        Assert.InRange(readings.Count(r => r.Channel == "vessel.cells"), 140, 145);
        Assert.InRange(readings.Count(r => r.Channel == "vessel.do"), 280, 289);
    }
}
