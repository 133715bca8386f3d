using System.Globalization;
using System.Reactive.Concurrency;
using System.Text;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Adapters.Tests.Mqtt.Integration;
using ReactorTwin.Core.Models;
using ReactorTwin.Runtime.Journal;
using ReactorTwin.Runtime.Tests;
using ReactorTwin.Simulator.Plant;

namespace ReactorTwin.Host.Tests.Runtime;

/// <summary>Several reactors in one <c>reactortwin run</c> process over a real mosquitto, through a broker restart and a
/// SIGKILL of the host: every reading journaled exactly once per reactor, with its own reactor's value.</summary>
public sealed class MultiReactorHostTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("reactortwin-multi-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static MqttManagedClient Client(int port, string id) =>
        new(new MqttManagedClientOptions(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(id).WithCleanSession(false).WithSessionExpiryInterval(3600).Build())
        {
            MaxPendingMessages = 100_000,
        }, null, TimeProvider.System, new Random(1));

    [Theory]
    [InlineData(2)]
    [InlineData(10)]
    public async Task SeveralReactors_BrokerRestartAndHostKill_EveryReadingJournaledOncePerReactorWithoutCrossTalk(int reactors)
    {
        await using var broker = await MosquittoBroker.StartAsync(persistence: true);
        string journalPath = Path.Combine(_dir, "journal.db");
        string config = Path.Combine(_dir, "appsettings.json");
        var ids = Enumerable.Range(0, reactors).Select(i => $"m{i}").ToArray();
        string channels = """[ { "Component": "GLC", "NoiseSd": 0.2, "Min": -2, "Max": 100 }, { "Component": "LAC", "NoiseSd": 0.2, "Min": -2, "Max": 100 } ]""";
        File.WriteAllText(config, $$"""
            { "Logging": { "LogLevel": { "Default": "Warning" }, "Console": { "FormatterName": "simple", "FormatterOptions": { "SingleLine": true } } },
              "ReactorTwin": {
                "Broker": { "Host": "127.0.0.1", "Port": {{broker.Port}}, "ClientId": "multi-host", "QueueDirectory": "{{Path.Combine(_dir, "queue")}}" },
                "JournalPath": "{{journalPath}}",
                "Reactors": [ {{string.Join(", ", ids.Select(id => $$"""{ "Id": "{{id}}", "Model": "cho", "Channels": {{channels}} }"""))}} ] } }
            """);

        // What each plant sent, as the broker delivered it to an independent recorder (persistent session, QoS 1).
        await using var recorderClient = Client(broker.Port, "multi-recorder");
        await recorderClient.StartAsync();
        var sent = new Dictionary<string, double>(StringComparer.Ordinal);
        using var record = new MqttMessageBus(recorderClient).Subscribe("reactortwin/+/+/sensors/+").Subscribe(m =>
        {
            using var doc = System.Text.Json.JsonDocument.Parse(m.Payload);
            var p = m.Topic.Split('/');
            lock (sent)
            {
                sent[$"{p[1]}/{p[2]}/{p[4]}/{doc.RootElement.GetProperty("ts").GetString()}"] = doc.RootElement.GetProperty("value").GetDouble();
            }
        });

        await using var plantClient = Client(broker.Port, "multi-plant");
        await plantClient.StartAsync();
        var plantBus = new MqttMessageBus(plantClient);
        var scheduler = new HistoricalScheduler(Start);
        var model = BuiltInModels.Load("cho");
        SensorChannelOptions Ch(string c) => new() { Component = c, IntervalHours = 4, NoiseSd = 0.2 };
        var plants = ids.Select((id, i) => new SimulatedReactor(new ReactorOptions { ReactorId = id, Model = model, Channels = [Ch("GLC"), Ch("LAC")], Seed = 20 + i, Batches = 1, StepHours = 0.02 }, plantBus, scheduler)).ToArray();
        var states = new List<string>();
        using var stateWatch = plantBus.Subscribe("reactortwin/host/multi-host/$state").Subscribe(m => { lock (states) { states.Add(m.PayloadAsString()); } });
        string LastState() { lock (states) { return states.Count == 0 ? "" : states[^1]; } }

        long Journaled(string id)
        {
            using var j = new MeasurementJournal(journalPath);
            return j.Count(id);
        }

        int Recorded() { lock (sent) { return sent.Count; } }
        int Sent() => plants.Sum(p => p.ReadingsSent.Values.Sum());
        bool AllJournaled() => Recorded() == Sent() && ids.Zip(plants).All(x => Journaled(x.First) == x.Second.ReadingsSent.Values.Sum());
        string Describe() => $"recorded {Recorded()} of {Sent()}; journal " + string.Join(", ", ids.Zip(plants).Select(x => $"{x.First} {Journaled(x.First)}/{x.Second.ReadingsSent.Values.Sum()}"));

        await using var host = HostProcess.Start(config);
        try
        {
            // Bounds: the host starts (runtime, JIT, ten models compiled) in a few seconds idle; 60 s is > 5× that with
            // both cores busy. Journaling is one SQLite commit per reading: hundreds per second.
            await Eventually.WaitUntil(() => LastState() == "ready" && plantClient.IsConnected, TimeSpan.FromSeconds(60), () => $"state '{LastState()}'");
            foreach (var p in plants)
            {
                p.Start();
            }

            scheduler.AdvanceBy(TimeSpan.FromHours(20));
            await Eventually.WaitUntil(AllJournaled, TimeSpan.FromSeconds(60), Describe);

            // The broker restarts while the plants go on measuring (their durable queues hold the readings).
            await broker.StopAsync();
            scheduler.AdvanceBy(TimeSpan.FromHours(8));
            await broker.StartProcessAsync();
            // Every client reconnects within its next backoff delay (≤ 4 s after a short outage), then the queues drain.
            await Eventually.WaitUntil(AllJournaled, TimeSpan.FromSeconds(90), () => "after the broker restart: " + Describe());

            // The host dies; the broker queues for its persistent session; the host restarts and catches up.
            await host.KillAsync();
            scheduler.AdvanceBy(TimeSpan.FromHours(8));
            host.Restart();
            await Eventually.WaitUntil(AllJournaled, TimeSpan.FromSeconds(90), () => "after the host restart: " + Describe());

            using var journal = new MeasurementJournal(journalPath);
            foreach (var (id, plant) in ids.Zip(plants))
            {
                var rows = journal.ReadAfter(id, 0).Where(e => e.Measurement is not null).Select(e => e.Measurement!).ToArray();
                Assert.Equal(plant.ReadingsSent.Values.Sum(), rows.Length);
                Assert.Equal(rows.Length, rows.Select(r => (r.Batch, r.Component, r.Timestamp)).Distinct().Count());
                foreach (var r in rows)
                {
                    // No cross-talk: the value journaled for this reactor is the one its own plant sent.
                    string key = $"{id}/{r.Batch}/{r.Component}/{r.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)}";
                    Assert.True(sent.TryGetValue(key, out double value), $"{key} was never sent");
                    Assert.Equal(value, r.Value);
                }
            }

            Assert.Equal(2 * 9 * reactors, Sent()); // readings every 4 h from 4 to 36 h: 9 per channel
        }
        finally
        {
            foreach (var p in plants)
            {
                p.Dispose();
            }
        }

        // No exception escaped: the host is still running, and it logged no error (warnings about the lost connection
        // during the broker restart are expected).
        Assert.False(host.HasExited, host.Log);
        Assert.DoesNotContain("fail:", host.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("crit:", host.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", host.Log, StringComparison.Ordinal);
    }
}
