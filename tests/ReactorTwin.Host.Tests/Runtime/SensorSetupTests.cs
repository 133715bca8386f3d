using System.Reactive.Concurrency;
using System.Text;
using System.Text.Json;
using ReactorTwin.Adapters.Devices.AtlasEzo;
using ReactorTwin.Adapters.Hardware;
using ReactorTwin.Adapters.Hardware.I2c;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Core.Models;
using ReactorTwin.Host.Runtime;
using ReactorTwin.Runtime.Ingest;
using ReactorTwin.Runtime.Pipeline;
using ReactorTwin.Runtime.Twin;
using ReactorTwin.Simulator.Devices;

namespace ReactorTwin.Host.Tests.Runtime;

/// <summary>Sensors built from configuration, through the real drivers against simulated chips, into the twin.</summary>
public sealed class SensorSetupTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("reactortwin-sensors-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task ConfiguredSensors_FeedTheTwinPublishInstrumentsAndCompensatePh()
    {
        var scheduler = new HistoricalScheduler(Start);
        var clock = HardwareClock.FromVirtualTime(scheduler);
        var w1 = new SimulatedOneWireDirectory(_dir);
        string probe = w1.AddThermometer("00000a1b2c3d", _ => 31.5);
        var adc = new SimulatedAds1115(clock);
        adc.SetInput(0, 1.25); // glucose analyser output: 0 V = 0 mM, 2.5 V = 50 mM → 25 mM
        var ph = new SimulatedAtlasEzo(AtlasEzoCircuit.Ph, clock, _ => 6.4) { LiquidTemperatureCelsius = _ => 31.5 };
        var opened = new List<I2cConnectionSettings>();
        I2cDevice OpenI2c(I2cConnectionSettings s)
        {
            opened.Add(s);
            return s.DeviceAddress == 0x48 ? adc : ph;
        }

        var sensors = new List<SensorConfig>
        {
            new() { Name = "broth", Driver = "ds18b20", DeviceId = probe, OneWireDirectory = _dir, IntervalSeconds = 600 },
            new() { Name = "glucose", Driver = "ads1115", Component = "GLC", Input = "Ain0", Calibration = [[0, 0], [2.5, 50]], Unit = "mM", IntervalSeconds = 3600 },
            new() { Name = "ph", Driver = "ezo-ph", TemperatureSensor = "broth", IntervalSeconds = 3600 },
        };
        var model = BuiltInModels.Load("cho");
        var errors = new List<string>();
        SensorSetup.Validate(sensors, model, "r", errors);
        Assert.Empty(errors);

        var bus = new InMemoryMessageBus();
        using var set = SensorSetup.Open(sensors, scheduler, clock, OpenI2c);
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
            w1.Refresh(scheduler.Now);
            scheduler.AdvanceBy(TimeSpan.FromMinutes(10));
        }

        Assert.Equal([0x48, 0x63], opened.Select(o => o.DeviceAddress).Order());
        Assert.Equal(new Dictionary<string, string> { ["glucose"] = "GLC" }, set.ComponentByChannel);
        Assert.True(engine.Accepted >= 6, $"accepted {engine.Accepted}");
        Assert.Equal(engine.Accepted, feed.Fed);
        Assert.Equal(0, feed.Reported);

        using var t = JsonDocument.Parse(instruments["reactortwin/r1/instruments/broth"]);
        Assert.Equal(31.5, t.RootElement.GetProperty("value").GetDouble(), 3);
        Assert.Equal("°C", t.RootElement.GetProperty("unit").GetString());
        using var p = JsonDocument.Parse(instruments["reactortwin/r1/instruments/ph"]);
        Assert.Equal("good", p.RootElement.GetProperty("quality").GetString());
        Assert.Equal(6.4, p.RootElement.GetProperty("value").GetDouble(), 2); // compensated at 31.5 °C (read with the stored 25 °C it would be 6.39)
        Assert.Equal(31.5, ph.CompensationCelsius, 1);
    }
}
