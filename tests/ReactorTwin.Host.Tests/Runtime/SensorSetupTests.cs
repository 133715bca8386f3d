using System.Device.Gpio;
using System.Device.I2c;
using System.Reactive.Concurrency;
using System.Text;
using System.Text.Json;
using ReactorTwin.Adapters.Devices;
using ReactorTwin.Adapters.Devices.AtlasEzo;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Core.Models;
using ReactorTwin.Host.Runtime;
using ReactorTwin.Runtime.Ingest;
using ReactorTwin.Runtime.Pipeline;
using ReactorTwin.Runtime.Twin;
using ReactorTwin.Simulator.Devices;

namespace ReactorTwin.Host.Tests.Runtime;

/// <summary>Sensors built from configuration, through the real bindings and drivers against simulated chips, into the
/// twin. (The DS18B20's binding reads a fixed sysfs path: it runs in OneWireNamespaceTests.)</summary>
public sealed class SensorSetupTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task ConfiguredSensors_FeedTheTwinPublishInstrumentsAndCompensatePh()
    {
        var scheduler = new HistoricalScheduler(Start);
        var clock = HardwareClock.FromVirtualTime(scheduler);
        var rtd = new SimulatedMax31865(() => 31.5);
        var gpio = new SimulatedGpioDriver();
        var scale = new SimulatedHx711(gpio, doutPin: 5, sckPin: 6, clock, _ => 800 + (1.02 * 1_250)); // 1.25 L in an 800 g vessel
        var adc = new SimulatedAds1115(clock);
        adc.SetInput(0, 1.25); // glucose analyser output: 0 V = 0 mM, 2.5 V = 50 mM → 25 mM
        var ph = new SimulatedAtlasEzo(AtlasEzoCircuit.Ph, clock, _ => 6.4) { LiquidTemperatureCelsius = _ => 31.5 };
        var opened = new List<I2cConnectionSettings>();
        var hardware = new SensorHardware
        {
            OpenI2c = s =>
            {
                opened.Add(s);
                return s.DeviceAddress == 0x48 ? adc : ph;
            },
            OpenSpi = _ => rtd,
            OpenGpio = () => new GpioController(gpio),
            Clock = clock,
        };

        var sensors = new List<SensorConfig>
        {
            new() { Name = "broth", Driver = "max31865", RtdType = "pt100", Wires = 3, IntervalSeconds = 600 },
            new() { Name = "glucose", Driver = "ads1115", Component = "GLC", Input = "Ain0", Calibration = [[0, 0], [2.5, 50]], Unit = "mM", IntervalSeconds = 3600 },
            new() { Name = "ph", Driver = "ezo-ph", TemperatureSensor = "broth", IntervalSeconds = 3600 },
            new()
            {
                Name = "volume", Driver = "hx711", DataPin = 5, ClockPin = 6, Calibration = [[8_400, 0], [8_400 + (420 * 5_000), 5_000]],
                TareGrams = 800, DensityGramsPerMillilitre = 1.02, IntervalSeconds = 1800,
            },
        };
        var model = BuiltInModels.Load("cho");
        var errors = new List<string>();
        SensorSetup.Validate(sensors, model, "r", errors);
        Assert.Empty(errors);

        var bus = new InMemoryMessageBus();
        using var set = SensorSetup.Open(sensors, scheduler, hardware);
        using var feed = new AttachedSensorFeed(bus, "r1", set.ComponentByChannel);
        using var engine = new ReactorPipeline(new TwinOptions { ReactorId = "r1", Model = model, Channels = [new TwinChannel("GLC", 0.2, 0, -2, 100)] }, bus, localSensors: feed.ToTwin);
        engine.Start();
        var instruments = new Dictionary<string, string>();
        using var inst = bus.Subscribe("reactortwin/r1/instruments/+").Subscribe(m => instruments[m.Topic] = Encoding.UTF8.GetString(m.Payload.Span));
        string announcement = $"{{\"batch\":\"b0001\",\"start\":\"{Start.UtcDateTime:O}\",\"hours\":72,\"initial\":{{\"GLC\":28,\"LAC\":0.8,\"mAb\":0,\"X0\":180,\"X1\":10}},\"setpoints\":{{}}}}";
        await bus.PublishAsync(new MqttMessage("reactortwin/r1/b0001/batch", Encoding.UTF8.GetBytes(announcement), MqttQualityOfService.AtLeastOnce, retain: true));

        feed.Start(set.Readings);
        for (int i = 0; i < 36; i++)
        {
            scheduler.AdvanceBy(TimeSpan.FromMinutes(10));
        }

        Assert.Equal([0x48, 0x63], opened.Select(o => o.DeviceAddress).Order());
        Assert.Equal(new Dictionary<string, string> { ["glucose"] = "GLC" }, set.ComponentByChannel);
        Assert.True(engine.Accepted >= 6, $"accepted {engine.Accepted}");
        Assert.Equal(engine.Accepted, feed.Fed);
        Assert.Equal(0, feed.Reported);

        using var t = JsonDocument.Parse(instruments["reactortwin/r1/instruments/broth"]);
        Assert.Equal(31.5, t.RootElement.GetProperty("value").GetDouble(), 0.05); // PT100 through the MAX31865: 0.034 °C steps
        Assert.Equal("°C", t.RootElement.GetProperty("unit").GetString());
        using var p = JsonDocument.Parse(instruments["reactortwin/r1/instruments/ph"]);
        Assert.Equal("good", p.RootElement.GetProperty("quality").GetString());
        Assert.Equal(6.4, p.RootElement.GetProperty("value").GetDouble(), 2); // compensated at 31.5 °C (read with the stored 25 °C it would be 6.39)
        Assert.Equal(31.5, ph.CompensationCelsius, 1);
        using var v = JsonDocument.Parse(instruments["reactortwin/r1/instruments/volume"]);
        Assert.Equal(1_250, v.RootElement.GetProperty("value").GetDouble(), 1.0);
        Assert.Equal("mL", v.RootElement.GetProperty("unit").GetString());
    }
}
