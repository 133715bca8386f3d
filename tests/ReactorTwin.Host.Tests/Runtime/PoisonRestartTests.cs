using System.Text;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Adapters.Tests.Mqtt.Integration;
using ReactorTwin.Runtime.Journal;
using ReactorTwin.Runtime.Tests;

namespace ReactorTwin.Host.Tests.Runtime;

/// <summary>Each poison message, sent to a running host that is then killed before or after it handled it and
/// restarted: the host never crashes, on the message or on its redelivery, and refuses it with a reason.</summary>
public sealed class PoisonRestartTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reactortwin-poison-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string, string> Cases => new()
    {
        { "reactortwin/p1/proposal/accept/set", "{\"id\":null}" },
        { "reactortwin/p1/proposal/accept/set", "{\"id\":\"1\"}" },
        { "reactortwin/p1/proposal/accept/set", "[1,2,3]" },
        { "reactortwin/p1/b0001/batch", "{\"batch\":\"b0001\",\"start\":null,\"hours\":\"72\"}" },
        { "reactortwin/p1/b0001/batch", "{\"batch\":\"other\",\"start\":\"2026-01-05T08:00:00Z\",\"hours\":72,\"initial\":{},\"setpoints\":{}}" },
        { "reactortwin/p1/b0001/sensors/GLC", "{\"value\":[],\"unit\":7,\"ts\":{}}" },
        { "reactortwin/p1/b0001/sensors/GLC", "\u0000\u0001\u00ff" },
    };

    [Fact]
    public async Task PoisonMessages_HostRestartedAfterEach_NeverCrashesAndRefusesEachWithAReason()
    {
        await using var broker = await MosquittoBroker.StartAsync(persistence: true);
        string journalPath = Path.Combine(_dir, "journal.db");
        string config = Path.Combine(_dir, "appsettings.json");
        File.WriteAllText(config, $$"""
            { "Logging": { "LogLevel": { "Default": "Warning" }, "Console": { "FormatterName": "simple", "FormatterOptions": { "SingleLine": true } } },
              "ReactorTwin": {
                "Broker": { "Host": "127.0.0.1", "Port": {{broker.Port}}, "ClientId": "poison-host", "QueueDirectory": "{{Path.Combine(_dir, "queue")}}" },
                "JournalPath": "{{journalPath}}",
                "Reactors": [ { "Id": "p1", "Model": "cho", "Channels": [ { "Component": "GLC", "NoiseSd": 0.2, "Min": -2, "Max": 100 } ] } ] } }
            """);
        await using var client = new MqttManagedClient(new MqttManagedClientOptions(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId("poison-sender").Build()), null, TimeProvider.System, new Random(1));
        await client.StartAsync();
        var bus = new MqttMessageBus(client);
        var states = new List<string>();
        using var watch = bus.Subscribe("reactortwin/host/poison-host/$state").Subscribe(m => { lock (states) { states.Add(m.PayloadAsString()); } });
        string Last() { lock (states) { return states.Count == 0 ? "" : states[^1]; } }
        long Refused()
        {
            using var j = new MeasurementJournal(journalPath);
            return j.DeadLetters("p1").Count + j.Commands("p1").Count;
        }

        await using var host = HostProcess.Start(config);
        // The host starts in 1–2 s idle; 30 s is > 10× that with both cores busy.
        await Eventually.WaitUntil(() => Last() == "ready", TimeSpan.FromSeconds(30), () => "the host did not start");
        int sent = 0;
        foreach (var row in Cases)
        {
            var (topic, payload) = ((string)row[0], (string)row[1]);
            long before = Refused();
            await bus.PublishAsync(new MqttMessage(topic, Encoding.Latin1.GetBytes(payload), MqttQualityOfService.AtLeastOnce));
            sent++;
            // Handled (journaled as refused) within milliseconds, then the host is killed at once — possibly before its
            // acknowledgement left, so that the broker redelivers the message — and restarted: it must come back up and
            // stay up (a redelivery is refused again: MQTT delivers at least once).
            await Eventually.WaitUntil(() => Refused() > before, TimeSpan.FromSeconds(30), () => $"case {sent} ({topic} {payload}): not refused");
            await host.KillAsync();
            host.Restart();
            await Eventually.WaitUntil(() => Last() == "ready" && !host.HasExited, TimeSpan.FromSeconds(30), () => $"after case {sent}: host {(host.HasExited ? "exited " + host.ExitCode : "not ready")}\n{host.Log}");
            Assert.True(Refused() > before);
        }

        Assert.False(host.HasExited, host.Log);
        Assert.DoesNotContain("Unhandled exception", host.Log, StringComparison.Ordinal);
    }
}
