using System.Globalization;
using ReactorTwin.Adapters.Tests.Mqtt.Integration;
using ReactorTwin.Host.Tests.Runtime;
using ReactorTwin.Runtime.Contracts;
using ReactorTwin.Runtime.Journal;
using ReactorTwin.Runtime.Tests;

namespace ReactorTwin.Host.Tests.Deploy;

/// <summary>
/// The fault suite, with real processes as a lab runs them — the shipped broker configuration, <c>reactortwin run</c> as
/// the twin user, <c>reactortwin simulator</c> as the instruments user with a durable queue — through a broker kill -9
/// (and restart), a host SIGKILL (and restart), a host frozen by SIGSTOP for 30 s, and the host stopped for a whole batch.
/// Afterwards the readings the simulator produced and the ones the journal holds are compared by key (batch, component,
/// time) and value: none lost, none duplicated, none changed.
/// </summary>
public sealed class FaultSuiteTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reactortwin-faults-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task BrokerKill9_HostKill_HostFrozen_HostAwayForABatch_EveryProducedReadingJournaledOnceUnchanged()
    {
        var users = new Dictionary<string, string> { ["twin"] = "t-pw", ["instruments"] = "i-pw", ["operator"] = "o-pw", ["dashboard"] = "d-pw" };
        await using var broker = await ShippedBroker.StartAsync(users);
        string journalPath = Path.Combine(_dir, "journal.db");
        string record = Path.Combine(_dir, "produced.csv");
        string config = Path.Combine(_dir, "appsettings.json");
        string Channel(string c, double max) => $$"""{ "Component": "{{c}}", "NoiseSd": 0.2, "NoiseRelative": 0.01, "Min": -5, "Max": {{max}} }""";
        File.WriteAllText(config, $$"""
            { "Logging": { "LogLevel": { "Default": "Warning" }, "Console": { "FormatterName": "simple", "FormatterOptions": { "SingleLine": true } } },
              "ReactorTwin": {
                "Broker": { "Host": "127.0.0.1", "Port": {{broker.Port}}, "ClientId": "faults-host", "Username": "twin", "Password": "t-pw", "QueueDirectory": "{{Path.Combine(_dir, "host-queue")}}" },
                "JournalPath": "{{journalPath}}",
                "Reactors": [ { "Id": "r1", "Model": "cho", "RefitBudgetSeconds": 5, "Channels": [ {{Channel("GLC", 100)}}, {{Channel("LAC", 100)}}, {{Channel("mAb", 10)}} ] } ] } }
            """);

        long Journaled()
        {
            using var j = new MeasurementJournal(journalPath);
            return j.Count("r1");
        }

        int Produced() => File.Exists(record) ? Math.Max(0, File.ReadLines(record).Count() - 1) : 0;

        await using var host = HostProcess.Start(config);
        // The host starts in 1–2 s idle (30 s bound: > 10× that with both cores busy).
        await Eventually.WaitUntil(() => File.Exists(journalPath), TimeSpan.FromSeconds(30), () => "the host did not start");
        // Three batches of 73 h at 7 200× real time, 36.5 s each (54 readings per batch: three species every 4 h).
        await using var simulator = HostProcess.StartCommand(
            "simulator", "--broker", $"127.0.0.1:{broker.Port}", "--user", "instruments", "--password", "i-pw", "--reactor", "r1",
            "--batches", "3", "--speed", "7200", "--seed", "5", "--queue", Path.Combine(_dir, "sim-queue"), "--record", record,
            "--bounds", "GLC=18:38", "--drain-seconds", "120");

        async Task WhenProduced(int n) => await Eventually.WaitUntil(() => Produced() >= n, TimeSpan.FromSeconds(120), () => $"the simulator produced {Produced()} of {n}");

        // kill -9 of the broker: it loses nothing it acknowledged (saved after every change); both clients reconnect
        // within 2 s of its return and the instruments' durable queue holds what it produced meanwhile.
        await WhenProduced(6);
        await broker.KillAsync();
        await WhenProduced(9);
        await broker.StartProcessAsync();

        // SIGKILL of the host: the broker queues for its persistent session; the restarted host takes it all.
        await WhenProduced(15);
        await host.KillAsync();
        await WhenProduced(18);
        host.Restart();

        // SIGSTOP for 30 s (shorter than 1.5 keep-alives, so the broker keeps the connection), across the end of batch
        // 1 and into batch 2: the host thaws and catches up.
        await WhenProduced(24);
        await host.SignalAsync(stop: true);
        await Task.Delay(TimeSpan.FromSeconds(30)); // the fault itself lasts 30 s
        await host.SignalAsync(stop: false);

        // The host away for the whole third batch (graceful stop once batch 2 is done), back after the simulator ended.
        await WhenProduced(2 * 54);
        _ = await host.TerminateAsync(TimeSpan.FromSeconds(20));
        await simulator.WaitForExitAsync(TimeSpan.FromSeconds(240));
        Assert.Equal(0, simulator.ExitCode); // it drained: every reading it produced reached the broker
        host.Restart();
        // The backlog (a batch of readings) is journaled within seconds of the restart (60 s bound, loaded machine).
        await Eventually.WaitUntil(() => Journaled() >= Produced(), TimeSpan.FromSeconds(60), () => $"journal {Journaled()} of {Produced()} produced; the host's log ends:\n{string.Join('\n', host.Log.Split('\n').TakeLast(40))}");

        var produced = File.ReadLines(record).Skip(1).Select(l => l.Split(','))
            .Select(p => (Key: $"{p[0]}/{p[1]}/{p[2]}", Value: double.Parse(p[3], CultureInfo.InvariantCulture))).ToArray();
        using var journal = new MeasurementJournal(journalPath);
        var rows = journal.ReadAfter("r1", 0).Where(e => e.Measurement is not null).Select(e => e.Measurement!)
            .Select(m => (Key: $"{m.Batch}/{m.Component}/{ContractCodec.FormatTime(m.Timestamp)}", m.Value)).ToArray();
        Assert.Equal(3 * 3 * 18, produced.Length); // three batches, three species, a reading every 4 h from 4 to 72 h
        Assert.Equal(produced.Length, produced.Select(p => p.Key).Distinct().Count());
        Assert.Equal(rows.Length, rows.Select(r => r.Key).Distinct().Count()); // none duplicated
        Assert.Equal(produced.OrderBy(p => p.Key, StringComparer.Ordinal), rows.OrderBy(r => r.Key, StringComparer.Ordinal)); // none lost, none changed
        Assert.DoesNotContain("Unhandled exception", host.Log, StringComparison.Ordinal);
    }
}
