using System.Diagnostics;
using System.Reactive.Concurrency;
using System.Text;
using System.Text.Json;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Adapters.Tests.Mqtt.Integration;
using ReactorTwin.Core.Models;
using ReactorTwin.Host.Runtime;
using ReactorTwin.Simulator.Plant;

namespace ReactorTwin.Host.Tests.Runtime;

/// <summary><c>reactortwin run</c> as a real child process on a real mosquitto, killed with SIGKILL mid-batch and restarted.</summary>
public sealed class HostProcessTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("reactortwin-proc-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Process StartHost(string config)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "reactortwin.dll"));
        psi.ArgumentList.Add("run");
        psi.ArgumentList.Add("--config");
        psi.ArgumentList.Add(config);
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static async Task WaitUntil(Func<bool> condition, TimeSpan timeout, Func<string> describe)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > timeout)
            {
                Assert.Fail($"timed out after {timeout.TotalSeconds} s: {describe()}");
            }

            await Task.Delay(100);
        }
    }

    private long JournalCount(string path)
    {
        // A separate read-only connection (WAL lets it read while the host writes).
        using var j = new MeasurementJournal(path);
        return j.Count("proc");
    }

    [Fact]
    public async Task HostProcess_KilledMidBatchAndRestarted_JournalHasEveryReadingOnceAndPredictionsContinue()
    {
        await using var broker = await MosquittoBroker.StartAsync(persistence: true);
        string journalPath = Path.Combine(_dir, "journal.db");
        string config = Path.Combine(_dir, "appsettings.json");
        File.WriteAllText(config, $$"""
            { "Logging": { "LogLevel": { "Default": "Warning" } },
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
        string LastState() { lock (states) { return states.Count == 0 ? "" : states[^1]; } }
        int DiscoveryCount() { lock (discovery) { return discovery.Count; } }

        var host = StartHost(config);
        try
        {
            await WaitUntil(() => plantClient.IsConnected && File.Exists(journalPath), TimeSpan.FromSeconds(30), () => "host or plant did not start");
            await Task.Delay(1000); // the host subscribes after connecting
            await WaitUntil(() => LastState() == "ready" && DiscoveryCount() >= 2, TimeSpan.FromSeconds(30), () => $"state '{LastState()}', {DiscoveryCount()} discovery configs");
            lock (discovery)
            {
                var glc = discovery.First(d => d.Topic == "homeassistant/sensor/reactortwin_proc_glc/config").Config;
                Assert.Equal("mM", glc.GetProperty("unit_of_measurement").GetString());
                Assert.Contains(glc.GetProperty("availability").EnumerateArray(), a => a.GetProperty("topic").GetString() == "reactortwin/host/proc-host/$state");
            }

            reactor.Start();
            int Sent() => reactor.ReadingsSent.Values.Sum();
            scheduler.AdvanceBy(TimeSpan.FromHours(24));
            await WaitUntil(() => JournalCount(journalPath) == Sent(), TimeSpan.FromSeconds(60), () => $"journal {JournalCount(journalPath)} of {Sent()}");

            host.Kill(); // SIGKILL: no graceful shutdown, no last words (but the broker publishes the will)
            await host.WaitForExitAsync();
            await WaitUntil(() => LastState() == "lost", TimeSpan.FromSeconds(30), () => $"state after the kill: '{LastState()}'");
            scheduler.AdvanceBy(TimeSpan.FromHours(24)); // the plant keeps measuring; the broker queues for the host's session
            long beforeRestart = JournalCount(journalPath);
            Assert.True(beforeRestart < Sent());

            host = StartHost(config);
            await WaitUntil(() => JournalCount(journalPath) == Sent(), TimeSpan.FromSeconds(60), () => $"after the restart: journal {JournalCount(journalPath)} of {Sent()}");
            await WaitUntil(() => LastState() == "ready", TimeSpan.FromSeconds(30), () => $"state after the restart: '{LastState()}'");
            int before = DiscoveryCount();
            await plantBus.PublishAsync(new MqttMessage("homeassistant/status", "online"u8.ToArray(), MqttQualityOfService.AtLeastOnce));
            await WaitUntil(() => DiscoveryCount() >= before + 2, TimeSpan.FromSeconds(30), () => "no discovery after homeassistant/status online");
            scheduler.AdvanceBy(TimeSpan.FromHours(10));
            await WaitUntil(() => JournalCount(journalPath) == Sent(), TimeSpan.FromSeconds(60), () => $"journal {JournalCount(journalPath)} of {Sent()}");
            await WaitUntil(
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

            // SIGTERM: graceful shutdown says "sleeping".
            using (var term = Process.Start("kill", ["-TERM", host.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }

            await host.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            await WaitUntil(() => LastState() == "sleeping", TimeSpan.FromSeconds(30), () => $"state after SIGTERM: '{LastState()}'");
        }
        finally
        {
            if (!host.HasExited)
            {
                host.Kill();
                await host.WaitForExitAsync();
            }

            host.Dispose();
        }
    }
}
