using System.Reactive.Concurrency;
using System.Text;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Adapters.Sensors;
using ReactorTwin.Adapters.Tests.Mqtt.Integration;
using ReactorTwin.Core.Models;
using ReactorTwin.Runtime.Contracts;
using ReactorTwin.Runtime.Ingest;
using ReactorTwin.Runtime.Journal;
using ReactorTwin.Runtime.Pipeline;
using ReactorTwin.Runtime.Twin;

namespace ReactorTwin.Runtime.Tests;

/// <summary>A sensor attached to the box keeps feeding its twin while the broker is down; its readings reach the broker
/// (for dashboards) once it is back.</summary>
public sealed class AttachedSensorOutageTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("reactortwin-outage-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class Analyser() : SensorChannel("analyser", "mM", 0, 60)
    {
        private double _glucose = 28;

        protected override ChannelSample Sample() => ChannelSample.Good(_glucose -= 0.25);
    }

    private static MqttManagedClient Client(int port, string id) =>
        new(new MqttManagedClientOptions(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(id).WithCleanSession(false).WithSessionExpiryInterval(3600).WithKeepAlivePeriod(TimeSpan.FromSeconds(10)).Build())
        {
            InitialReconnectDelay = TimeSpan.FromMilliseconds(200),
            MaxReconnectDelay = TimeSpan.FromSeconds(1),
        }, null, TimeProvider.System, new Random(1));

    [Fact]
    public async Task BrokerDown_AttachedSensorStillFeedsTheTwin_ItsReadingsReachTheBrokerAfterItReturns()
    {
        await using var broker = await MosquittoBroker.StartAsync(persistence: true);
        await using var twinClient = Client(broker.Port, "outage-twin");
        await using var dashboardClient = Client(broker.Port, "outage-dashboard");
        await twinClient.StartAsync();
        await dashboardClient.StartAsync();
        var twinBus = new MqttMessageBus(twinClient);
        var dashboard = new MqttMessageBus(dashboardClient);
        var seen = new HashSet<string>();
        using var watch = dashboard.Subscribe(Topics.SensorFilter("r1")).Subscribe(m => { lock (seen) { seen.Add(Encoding.UTF8.GetString(m.Payload.Span)); } });
        int Seen() { lock (seen) { return seen.Count; } }

        var scheduler = new HistoricalScheduler(Start);
        var model = BuiltInModels.Load("cho");
        using var journal = new MeasurementJournal(Path.Combine(_dir, "journal.db"));
        using var feed = new AttachedSensorFeed(twinBus, "r1", new Dictionary<string, string> { ["analyser"] = "GLC" });
        using var loop = new EventLoopScheduler();
        using var pipeline = new ReactorPipeline(new TwinOptions { ReactorId = "r1", Model = model, Channels = [new TwinChannel("GLC", 0.2, 0, -2, 100)] }, twinBus, journal, loop, localSensors: feed.ToTwin);
        pipeline.Start();
        // Loopback connects take milliseconds; 20 s covers several failed attempts with the 0.2–1 s backoff.
        await Eventually.WaitUntil(() => twinClient.IsConnected && dashboardClient.IsConnected, TimeSpan.FromSeconds(20), () => "clients did not connect");

        // The batch is announced on the broker; the sensor is polled every simulated hour.
        string announcement = Encoding.UTF8.GetString(ContractCodec.Encode(new BatchAnnouncement("b0001", ContractCodec.FormatTime(Start), 72, new() { ["GLC"] = 28, ["LAC"] = 0.8, ["mAb"] = 0, ["X0"] = 180, ["X1"] = 10 }, []), ContractJson.Wire.BatchAnnouncement));
        await dashboard.PublishAsync(new MqttMessage(Topics.Batch("r1", "b0001"), Encoding.UTF8.GetBytes(announcement), MqttQualityOfService.AtLeastOnce, retain: true));
        await Eventually.WaitUntil(() => journal.ReadAfter("r1", 0).Count == 1, TimeSpan.FromSeconds(20), () => "the batch was not announced to the twin");
        var source = new SensorSource(scheduler);
        feed.Start(source.Add(new Analyser(), TimeSpan.FromHours(1)));
        scheduler.AdvanceBy(TimeSpan.FromMinutes(150)); // readings at 0, 1, 2 h
        // Three readings through the pipeline's event loop and one SQLite commit each, then the broker round trip.
        await Eventually.WaitUntil(() => journal.Count("r1") == 3 && Seen() == 3, TimeSpan.FromSeconds(30), () => $"journal {journal.Count("r1")}, dashboard saw {Seen()}");

        await broker.StopAsync();
        await Eventually.WaitUntil(() => !twinClient.IsConnected, TimeSpan.FromSeconds(20), () => "the twin did not notice the outage");
        scheduler.AdvanceBy(TimeSpan.FromHours(4)); // readings at 3, 4, 5, 6 h: the broker is down
        // The twin hears its sensor without the broker: the readings are journaled and filtered during the outage.
        await Eventually.WaitUntil(() => journal.Count("r1") == 7 && pipeline.Accepted == 7, TimeSpan.FromSeconds(30), () => $"during the outage: journal {journal.Count("r1")}, accepted {pipeline.Accepted}");
        Assert.Equal(3, Seen());

        await broker.StartProcessAsync();
        // The clients reconnect within their 1 s backoff; the twin's durable queue then delivers the four mirrored readings.
        // The twin subscribes to the sensor topic too: each mirrored reading comes back to it as well, through its own
        // event loop and a journal lookup, possibly after the dashboard has seen it; so both are waited for (a redelivery
        // after the reconnect may count one twice).
        await Eventually.WaitUntil(() => Seen() == 7 && pipeline.Duplicates >= 7, TimeSpan.FromSeconds(60), () => $"after the outage the dashboard saw {Seen()} of 7, the twin took back {pipeline.Duplicates} of 7");
        Assert.Equal(0, pipeline.Rejected);
        Assert.Equal(7, journal.Count("r1")); // the twin took each mirrored reading back from the broker for what it was
    }
}
