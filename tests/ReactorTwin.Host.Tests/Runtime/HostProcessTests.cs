using System.Diagnostics;
using System.Reactive.Concurrency;
using System.Text;
using System.Text.Json;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Adapters.Tests.Mqtt.Integration;
using ReactorTwin.Core.Models;
using ReactorTwin.Runtime.Journal;
using ReactorTwin.Runtime.Tests;
using ReactorTwin.Simulator.Plant;

namespace ReactorTwin.Host.Tests.Runtime;

/// <summary><c>reactortwin run</c> as a real child process on a real mosquitto, killed with SIGKILL mid-batch and restarted.</summary>
public sealed class HostProcessTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("reactortwin-proc-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private long JournalCount(string path)
    {
        // A separate read-only connection (WAL lets it read while the host writes).
        using var j = new MeasurementJournal(path);
        return j.Count("proc");
    }

    private static bool BatchEnded(string path)
    {
        using var j = new MeasurementJournal(path);
        return j.ReadAfter("proc", 0).Any(e => e.Announcement is { } a && a.Contains("\"end\":\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HostProcess_KilledMidBatchAndRestarted_JournalHasEveryReadingOnceAndPredictionsContinue()
    {
        await using var broker = await MosquittoBroker.StartAsync(persistence: true);
        string journalPath = Path.Combine(_dir, "journal.db");
        string config = Path.Combine(_dir, "appsettings.json");
        File.WriteAllText(config, $$"""
            { "Logging": { "LogLevel": { "Default": "Warning" }, "Console": { "FormatterName": "simple", "FormatterOptions": { "SingleLine": true } } },
              "ReactorTwin": {
                "Broker": { "Host": "127.0.0.1", "Port": {{broker.Port}}, "ClientId": "proc-host", "QueueDirectory": "{{Path.Combine(_dir, "queue")}}" },
                "JournalPath": "{{journalPath}}",
                "Reactors": [ { "Id": "proc", "Model": "cho",
                  "Channels": [ { "Component": "GLC", "NoiseSd": 0.2, "Min": -2, "Max": 100 }, { "Component": "LAC", "NoiseSd": 0.2, "Min": -2, "Max": 100 } ] } ] } }
            """);
        var model = BuiltInModels.Load("cho");
        await using var plantClient = new MqttManagedClient(new MqttManagedClientOptions(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId("proc-plant").WithCleanSession(false).WithSessionExpiryInterval(3600).Build()), null, TimeProvider.System, new Random(1));
        await plantClient.StartAsync();
        var plantBus = new MqttMessageBus(plantClient);
        var predictions = new List<JsonElement>();
        using var watch = plantBus.Subscribe("reactortwin/proc/b0001/twin/GLC").Subscribe(m =>
        {
            lock (predictions)
            {
                predictions.Add(JsonDocument.Parse(m.Payload).RootElement.Clone());
            }
        });
        var scheduler = new HistoricalScheduler(Start);
        SensorChannelOptions Ch(string c) => new() { Component = c, IntervalHours = 2, NoiseSd = 0.2 };
        using var reactor = new SimulatedReactor(new ReactorOptions { ReactorId = "proc", Model = model, Channels = [Ch("GLC"), Ch("LAC")], Seed = 3, Batches = 1, StepHours = 0.02 }, plantBus, scheduler);

        // A dashboard's view: the host's $state (its last will says "lost") and Home Assistant discovery.
        var states = new List<string>();
        var discovery = new List<(string Topic, JsonElement Config)>();
        using var stateWatch = plantBus.Subscribe("reactortwin/host/proc-host/$state").Subscribe(m => { lock (states) { states.Add(m.PayloadAsString()); } });
        using var discoveryWatch = plantBus.Subscribe("homeassistant/sensor/+/config").Subscribe(m => { lock (discovery) { discovery.Add((m.Topic, JsonDocument.Parse(m.Payload).RootElement.Clone())); } });
        int parameters = 0;
        using var parameterWatch = plantBus.Subscribe("reactortwin/proc/twin/parameters").Subscribe(_ => Interlocked.Increment(ref parameters));
        string LastState() { lock (states) { return states.Count == 0 ? "" : states[^1]; } }
        int DiscoveryCount() { lock (discovery) { return discovery.Count; } }

        await using var host = HostProcess.Start(config);
        {
            // Bounds: the child process starts (runtime start, JIT, model compilation) in 1–2 s idle; 30 s is > 5× that
            // with both cores busy. "ready" goes out through the client's queue, whose publish gate opens only after the
            // subscriptions are restored, so seeing it means the host is subscribed.
            await Eventually.WaitUntil(() => plantClient.IsConnected && File.Exists(journalPath), TimeSpan.FromSeconds(30), () => "host or plant did not start");
            await Eventually.WaitUntil(() => LastState() == "ready" && DiscoveryCount() >= 2, TimeSpan.FromSeconds(30), () => $"state '{LastState()}', {DiscoveryCount()} discovery configs");
            lock (discovery)
            {
                var glc = discovery.First(d => d.Topic == "homeassistant/sensor/reactortwin_proc_glc/config").Config;
                Assert.Equal("mM", glc.GetProperty("unit_of_measurement").GetString());
                Assert.Contains(glc.GetProperty("availability").EnumerateArray(), a => a.GetProperty("topic").GetString() == "reactortwin/host/proc-host/$state");
            }

            reactor.Start();
            int Sent() => reactor.ReadingsSent.Values.Sum();
            scheduler.AdvanceBy(TimeSpan.FromHours(24));
            // 24 readings, one SQLite commit each: well under a second idle.
            await Eventually.WaitUntil(() => JournalCount(journalPath) == Sent(), TimeSpan.FromSeconds(60), () => $"journal {JournalCount(journalPath)} of {Sent()}");

            await host.KillAsync(); // SIGKILL: no graceful shutdown, no last words (but the broker publishes the will)
            // mosquitto publishes the will as soon as it sees the socket close (the kernel closes it at the kill).
            await Eventually.WaitUntil(() => LastState() == "lost", TimeSpan.FromSeconds(30), () => $"state after the kill: '{LastState()}'");
            scheduler.AdvanceBy(TimeSpan.FromHours(24)); // the plant keeps measuring; the broker queues for the host's session
            long beforeRestart = JournalCount(journalPath);
            Assert.True(beforeRestart < Sent());

            host.Restart();
            await Eventually.WaitUntil(() => JournalCount(journalPath) == Sent(), TimeSpan.FromSeconds(60), () => $"after the restart: journal {JournalCount(journalPath)} of {Sent()}");
            await Eventually.WaitUntil(() => LastState() == "ready", TimeSpan.FromSeconds(30), () => $"state after the restart: '{LastState()}'");
            int before = DiscoveryCount();
            await plantBus.PublishAsync(new MqttMessage("homeassistant/status", "online"u8.ToArray(), MqttQualityOfService.AtLeastOnce));
            await Eventually.WaitUntil(() => DiscoveryCount() >= before + 2, TimeSpan.FromSeconds(30), () => "no discovery after homeassistant/status online");
            scheduler.AdvanceBy(TimeSpan.FromHours(10));
            await Eventually.WaitUntil(() => JournalCount(journalPath) == Sent(), TimeSpan.FromSeconds(60), () => $"journal {JournalCount(journalPath)} of {Sent()}");
            await Eventually.WaitUntil(
                () => { lock (predictions) { return predictions.Count > 0 && predictions[^1].GetProperty("horizon_h").GetDouble() >= 58; } },
                TimeSpan.FromSeconds(30),
                () => "no prediction for the readings after the restart");

            Assert.Equal(2 * 29, Sent()); // readings every 2 h up to 58 h, two channels
            using var j = new MeasurementJournal(journalPath);
            var rows = j.ReadAfter("proc", 0).Where(e => e.Measurement is not null).Select(e => e.Measurement!).ToArray();
            Assert.Equal(Sent(), rows.Length);
            Assert.Equal(rows.Length, rows.Select(r => (r.Component, r.Timestamp)).Distinct().Count());
            lock (predictions)
            {
                var last = predictions[^1];
                Assert.True(last.GetProperty("lo95").GetDouble() < last.GetProperty("mean").GetDouble());
            }

            // The batch ends: the host journals the end and starts its refit (one batch of GLC and LAC: it runs to its
            // 500 iterations, tens of seconds). SIGTERM arrives while it runs.
            scheduler.AdvanceBy(TimeSpan.FromHours(15));
            await Eventually.WaitUntil(() => BatchEnded(journalPath), TimeSpan.FromSeconds(60), () => "the batch's end was not journaled");
            // The host's shutdown is bounded by design: the pipelines stop and cancel the running refit (it stops at its
            // next evaluation, milliseconds; the pipeline waits ≤ 10 s), then the client drains its queue, "sleeping"
            // last, for ≤ 5 s before it disconnects. Without the cancellation the refit would run on for tens of seconds.
            var exit = await host.TerminateAsync(TimeSpan.FromSeconds(20));
            Assert.True(exit < TimeSpan.FromSeconds(20), $"exit took {exit.TotalSeconds:F1} s");
            // "sleeping" was acknowledged by the broker before the process exited, so it is the last state; the refit
            // was cancelled, not finished (no parameters were published).
            await Eventually.WaitUntil(() => LastState() == "sleeping", TimeSpan.FromSeconds(10), () => $"state after SIGTERM: '{LastState()}'");
            Assert.Equal(0, Volatile.Read(ref parameters));
            Assert.True(host.Log.Contains("proc: refit cancelled: stopped by shutdown", StringComparison.Ordinal), host.Log);
        }
    }
}
