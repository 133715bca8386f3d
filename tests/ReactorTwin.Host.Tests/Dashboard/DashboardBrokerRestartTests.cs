using System.Reactive.Concurrency;
using System.Text.Json;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Adapters.Tests.Mqtt.Integration;
using ReactorTwin.Core.Models;
using ReactorTwin.Host.Tests.Runtime;
using ReactorTwin.Runtime.Contracts;
using ReactorTwin.Runtime.Tests;
using ReactorTwin.Simulator.Plant;

namespace ReactorTwin.Host.Tests.Dashboard;

/// <summary>
/// The dashboard of a real <c>reactortwin run</c> process over a real mosquitto, through a broker stop and restart: the
/// page follows the host's own state, not the broker's. While the broker is away the page keeps answering, keeps every
/// reading it showed and says the host's connection is down; when the broker is back it shows the connection up again and
/// every reading exactly once, including those the plant queued during the outage and those the broker delivers again.
/// </summary>
public sealed class DashboardBrokerRestartTests : IDisposable
{
    private const string Reactor = "dash";
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("reactortwin-dash-broker-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Run_BrokerStoppedAndRestarted_PageFollowsTheHostAndShowsEveryReadingOnce()
    {
        await using var broker = await MosquittoBroker.StartAsync(persistence: true);
        int dashboardPort = MosquittoBroker.FreePort(); // claimed below the ephemeral range, as the brokers' ports are
        string config = Path.Combine(_dir, "appsettings.json");
        File.WriteAllText(config, $$"""
            { "Logging": { "LogLevel": { "Default": "Warning", "ReactorTwin.Host.Dashboard": "Information" }, "Console": { "FormatterName": "simple", "FormatterOptions": { "SingleLine": true } } },
              "ReactorTwin": {
                "Broker": { "Host": "127.0.0.1", "Port": {{broker.Port}}, "ClientId": "dash-host", "QueueDirectory": "{{Path.Combine(_dir, "queue")}}" },
                "JournalPath": "{{Path.Combine(_dir, "journal.db")}}",
                "Dashboard": { "Urls": "http://127.0.0.1:{{dashboardPort}}" },
                "Reactors": [ { "Id": "{{Reactor}}", "Model": "cho",
                  "Channels": [ { "Component": "GLC", "NoiseSd": 0.2, "Min": -2, "Max": 100 }, { "Component": "LAC", "NoiseSd": 0.2, "Min": -2, "Max": 100 } ] } ] } }
            """);

        // The plant: a persistent session and a queue, so what it measures while the broker is away is sent when it is
        // back; reconnection attempts at most 1 s apart, so it is back soon after the broker.
        var plantOptions = new MqttManagedClientOptions(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId("dash-plant").WithCleanSession(false).WithSessionExpiryInterval(3600).Build())
        {
            MaxReconnectDelay = TimeSpan.FromSeconds(1),
        };
        await using var plantClient = new MqttManagedClient(plantOptions, null, TimeProvider.System, new Random(1));
        await plantClient.StartAsync();
        var plantBus = new MqttMessageBus(plantClient);
        var states = new List<string>();
        using var stateWatch = plantBus.Subscribe("reactortwin/host/dash-host/$state").Subscribe(m => { lock (states) { states.Add(m.PayloadAsString()); } });
        string LastState() { lock (states) { return states.Count == 0 ? "" : states[^1]; } }
        // What the plant sent, as the broker delivered it (the plant's client receives its own messages): the batch
        // announcement and the readings, kept byte for byte to be delivered again after the restart.
        var delivered = new List<MqttMessage>();
        void Keep(MqttMessage m) { lock (delivered) { delivered.Add(new MqttMessage(m.Topic, m.Payload.ToArray(), MqttQualityOfService.AtLeastOnce)); } }
        using var sensorWatch = plantBus.Subscribe(Topics.SensorFilter(Reactor)).Subscribe(Keep);
        using var batchWatch = plantBus.Subscribe(Topics.BatchFilter(Reactor)).Subscribe(Keep);
        MqttMessage[] Delivered() { lock (delivered) { return [.. delivered]; } }
        var scheduler = new HistoricalScheduler(Start);
        static SensorChannelOptions Ch(string c) => new() { Component = c, IntervalHours = 2, NoiseSd = 0.2 };
        using var plant = new SimulatedReactor(new ReactorOptions { ReactorId = Reactor, Model = BuiltInModels.Load("cho"), Channels = [Ch("GLC"), Ch("LAC")], Seed = 11, Batches = 1, StepHours = 0.02 }, plantBus, scheduler);
        int Sent() => plant.ReadingsSent.Values.Sum();

        await using var host = HostProcess.Start(config);
        var address = new Uri($"http://127.0.0.1:{dashboardPort}");
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };

        // 1. The host starts (runtime, JIT, model compilation: 1–2 s idle) and serves the page; "ready" on the broker
        // means it is subscribed (that message leaves its queue only after the subscriptions are restored). 60 s is > 10×
        // the start with both cores busy.
        await Eventually.WaitUntil(
            () => plantClient.IsConnected && LastState() == "ready" && host.Log.Contains($"dashboard on {address.OriginalString}", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60),
            () => $"plant connected {plantClient.IsConnected}, $state '{LastState()}'; the host's log:\n{host.Log}");
        await using var page = await LivePage.OpenAsync(address, Reactor);

        // The batch is announced at 0 h; GLC and LAC are read at 2, 4 and 6 h.
        plant.Start();
        scheduler.AdvanceBy(TimeSpan.FromHours(7));
        // Six readings through the broker, one SQLite commit each, then an event to the page each, and the counters at
        // the next status look (≤ 2 s): a second or two idle; 30 s is > 10× that on a loaded machine.
        await Eventually.WaitUntil(
            () => page.Readings.Count == Sent() && page.Count("accepted") == Sent() && page.Broker == "connected" && Delivered().Length == Sent() + 1,
            TimeSpan.FromSeconds(30),
            () => $"{Sent()} sent, {Delivered().Length} delivered back to the plant; the page: {page.Describe()}");
        Assert.Equal(6, Sent());
        var beforeOutageMessages = Delivered();
        Assert.Equal("ready", page.HostState);
        var beforeOutage = page.Readings;
        AssertShown(await StateAsync(http), "ready", "connected", beforeOutage);

        // 2. The broker stops (SIGTERM, its database saved). The host's client sees its connection closed at once, and
        // the page's next status (looked at on every change and every 2 s) says so: 30 s is > 10× that, loaded.
        await broker.StopAsync();
        await Eventually.WaitUntil(() => page.Broker == "disconnected", TimeSpan.FromSeconds(30), () => "while the broker is away: " + page.Describe());
        // The plant goes on measuring (8, 10 and 12 h): its readings wait in its queue, none can reach the host.
        scheduler.AdvanceBy(TimeSpan.FromHours(6));
        Assert.Equal(12, Sent());

        // The page still answers and shows the host's own state: the twin is still ready (its last "ready" is the host's
        // own word; no broker is there to say otherwise), the connection down and since when, every reading kept.
        Assert.Equal("ready", page.HostState);
        Assert.NotEqual("", page.BrokerSince);
        Assert.Equal(beforeOutage, page.Readings);
        var away = await StateAsync(http);
        AssertShown(away, "ready", "disconnected", beforeOutage);
        Assert.True(away.GetProperty("host").TryGetProperty("brokerSince", out var since) && since.ValueKind == JsonValueKind.String, away.GetProperty("host").ToString());
        using (var index = await http.GetAsync("/"))
        {
            Assert.True(index.IsSuccessStatusCode, $"the page itself: {index.StatusCode}");
        }

        // 3. The broker is back on the same port with its saved sessions. The host reconnects within its backoff (≤ 2 s)
        // and the plant within 1 s, then the plant's queue drains; 60 s is > 10× that with both cores busy.
        await broker.StartProcessAsync();
        await Eventually.WaitUntil(
            () => page.Broker == "connected" && plantClient.IsConnected,
            TimeSpan.FromSeconds(60),
            () => $"after the broker's return: plant connected {plantClient.IsConnected}; the page: {page.Describe()}");
        // At-least-once delivery, made certain: the announcement and the six readings from before the outage arrive again
        // (as a QoS 1 message the broker or the plant resends because its acknowledgement was lost in the stop would).
        foreach (var m in beforeOutageMessages)
        {
            await plantBus.PublishAsync(m);
        }

        scheduler.AdvanceBy(TimeSpan.FromHours(6)); // 14, 16 and 18 h, sent over the restored connection
        Assert.Equal(18, Sent());
        // 12 more readings (6 queued in the outage, 6 new) and 7 copies, taken at hundreds per second, and the status that
        // counts them (≤ 2 s later): 60 s is far beyond that, loaded. The host counts each copy of a reading as a
        // repeated reading dropped, so the wait ends only once every copy has reached it.
        await Eventually.WaitUntil(
            () => page.Readings.Count >= Sent() && page.Count("accepted") >= Sent() && page.Count("journaled") >= Sent() && page.Count("duplicates") >= 6,
            TimeSpan.FromSeconds(60),
            () => $"{Sent()} sent; the page: {page.Describe()}");

        // Every reading exactly once, the ones from before the outage first and unchanged; one batch (its
        // announcement, delivered again above, changes nothing); the state back to normal. The
        // page's feed stayed up throughout: one snapshot, the stream never ended.
        var shown = page.Readings;
        Assert.Equal(Sent(), shown.Count);
        Assert.Equal(shown.Count, shown.Select(r => (r.Component, r.T)).Distinct().Count());
        Assert.Equal(Sent(), page.Count("accepted"));
        foreach (string c in new[] { "GLC", "LAC" })
        {
            Assert.Equal(Enumerable.Range(1, 9).Select(i => 2.0 * i), shown.Where(r => r.Component == c).Select(r => r.T).Order());
        }

        Assert.Equal(beforeOutage, shown.Take(beforeOutage.Count));
        Assert.Equal(["b0001"], page.Batches);
        Assert.Equal(1, page.Snapshots);
        Assert.False(page.Ended, page.Describe());
        Assert.Equal("ready", page.HostState);
        var after = await StateAsync(http);
        AssertShown(after, "ready", "connected", shown);
        Assert.Equal(JsonValueKind.Null, after.GetProperty("host").GetProperty("brokerReason").ValueKind);

        Assert.False(host.HasExited, host.Log);
        Assert.DoesNotContain("fail:", host.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("crit:", host.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", host.Log, StringComparison.Ordinal);
    }

    /// <summary><c>GET /api/state</c>: what a page opened (or reloaded) now would start from.</summary>
    private static async Task<JsonElement> StateAsync(HttpClient http) =>
        JsonDocument.Parse(await http.GetStringAsync("/api/state")).RootElement.Clone();

    /// <summary>The state shows the host in <paramref name="hostState"/>, its broker connection
    /// <paramref name="broker"/>, one batch with exactly <paramref name="readings"/> (each once, by component), and
    /// the counters agreeing.</summary>
    private static void AssertShown(JsonElement state, string hostState, string broker, IReadOnlyList<LivePage.Reading> readings)
    {
        var h = state.GetProperty("host");
        Assert.Equal(hostState, h.GetProperty("state").GetString());
        Assert.Equal(broker, h.GetProperty("broker").GetString());
        var r = state.GetProperty("reactors").EnumerateArray().Single(x => x.GetProperty("id").GetString() == Reactor);
        var batch = Assert.Single(r.GetProperty("batches").EnumerateArray());
        Assert.Equal("b0001", batch.GetProperty("batch").GetString());
        var measured = batch.GetProperty("measured").EnumerateObject()
            .SelectMany(c => c.Value.EnumerateArray().Select(p => (c.Name, T: p.GetProperty("t").GetDouble(), Value: p.GetProperty("value").GetDouble())))
            .Order().ToArray();
        Assert.Equal(readings.Select(x => (x.Component, x.T, x.Value)).Order(), measured);
        var counts = r.GetProperty("counts");
        Assert.Equal(readings.Count, counts.GetProperty("accepted").GetInt64());
        Assert.Equal(readings.Count, counts.GetProperty("journaled").GetInt64());
    }
}
