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

        var host = StartHost(config);
        try
        {
            await WaitUntil(() => plantClient.IsConnected && File.Exists(journalPath), TimeSpan.FromSeconds(30), () => "host or plant did not start");
            await Task.Delay(1000); // the host subscribes after connecting
            reactor.Start();
            int Sent() => reactor.ReadingsSent.Values.Sum();
            scheduler.AdvanceBy(TimeSpan.FromHours(24));
            await WaitUntil(() => JournalCount(journalPath) == Sent(), TimeSpan.FromSeconds(60), () => $"journal {JournalCount(journalPath)} of {Sent()}");

            host.Kill(); // SIGKILL: no graceful shutdown, no last words
            await host.WaitForExitAsync();
            scheduler.AdvanceBy(TimeSpan.FromHours(24)); // the plant keeps measuring; the broker queues for the host's session
            long beforeRestart = JournalCount(journalPath);
            Assert.True(beforeRestart < Sent());

            host = StartHost(config);
            await WaitUntil(() => JournalCount(journalPath) == Sent(), TimeSpan.FromSeconds(60), () => $"after the restart: journal {JournalCount(journalPath)} of {Sent()}");
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
