using System.Reactive.Concurrency;
using System.Text;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Adapters.Sensors;
using ReactorTwin.Core.Models;
using ReactorTwin.Runtime.Contracts;
using ReactorTwin.Runtime.Ingest;
using ReactorTwin.Runtime.Journal;
using ReactorTwin.Runtime.Pipeline;
using ReactorTwin.Runtime.Twin;

namespace ReactorTwin.Runtime.Tests;

public class AttachedSensorFeedTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);

    /// <summary>A glucose analyser on a bus: values from a script, one per read.</summary>
    private sealed class ScriptedChannel(string name, params ChannelSample[] script) : SensorChannel(name, "mM", 0, 60)
    {
        private int _next;

        protected override ChannelSample Sample() => script[Math.Min(_next++, script.Length - 1)];
    }

    [Fact]
    public async Task DirectlyAttachedSensor_ReadingsReachTheTwinAndFaultsAreReported()
    {
        var scheduler = new HistoricalScheduler(Start);
        var bus = new InMemoryMessageBus();
        var model = BuiltInModels.Load("cho");
        var source = new SensorSource(scheduler);
        var channel = new ScriptedChannel("analyser", ChannelSample.Good(27.9), ChannelSample.Good(27.8), ChannelSample.Good(27.6), ChannelSample.Fault("EREMOTEIO on /dev/i2c-1"), ChannelSample.Good(80), ChannelSample.Good(26.9));
        using var feed = new AttachedSensorFeed(bus, "r1", new Dictionary<string, string> { ["analyser"] = "GLC" });
        using var engine = new ReactorPipeline(new TwinOptions { ReactorId = "r1", Model = model, Channels = [new TwinChannel("GLC", 0.2, 0, -2, 100)] }, bus, localSensors: feed.ToTwin);
        engine.Start();
        var errors = new List<string>();
        using var e = bus.Subscribe("reactortwin/r1/errors").Subscribe(m => errors.Add(Encoding.UTF8.GetString(m.Payload.Span)));
        var mirrored = new List<string>();
        using var mirror = bus.Subscribe("reactortwin/r1/+/sensors/GLC").Subscribe(m => mirrored.Add(Encoding.UTF8.GetString(m.Payload.Span)));
        feed.Start(source.Add(channel, TimeSpan.FromHours(1)));

        scheduler.AdvanceBy(TimeSpan.FromMinutes(90)); // polled at 0 and 1 h: readings before any batch runs are dropped
        Assert.Equal(2, feed.Fed);
        Assert.Equal(0, engine.Accepted);
        string announcement = $"{{\"batch\":\"b0001\",\"start\":\"{scheduler.Now.UtcDateTime:O}\",\"hours\":72,\"initial\":{{\"GLC\":28,\"LAC\":0.8,\"mAb\":0,\"X0\":180,\"X1\":10}},\"setpoints\":{{}}}}";
        await bus.PublishAsync(new MqttMessage("reactortwin/r1/b0001/batch", Encoding.UTF8.GetBytes(announcement), MqttQualityOfService.AtLeastOnce, retain: true));
        scheduler.AdvanceBy(TimeSpan.FromHours(4)); // polled at 2, 3, 4 and 5 h

        Assert.Equal(4, feed.Fed); // 27.6 and 26.9 as well
        Assert.Equal(2, feed.Reported); // the fault, and 80 mM graded suspect by the channel's plausible range
        Assert.Equal(2, engine.Accepted); // straight into the twin's inbox, no broker in between
        // Mirrored on the sensor topic for dashboards; the twin takes its own mirror for a duplicate, quietly.
        Assert.Equal(2, mirrored.Count);
        Assert.Equal(2, engine.Duplicates);
        Assert.Equal(0, engine.Rejected);
        Assert.Contains(errors, x => x.Contains("EREMOTEIO", StringComparison.Ordinal));
        Assert.Contains(errors, x => x.Contains("suspect", StringComparison.Ordinal));
    }
}
