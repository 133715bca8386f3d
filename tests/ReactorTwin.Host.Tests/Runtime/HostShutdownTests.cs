using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Adapters.Tests.Mqtt.Integration;
using ReactorTwin.Runtime.Tests;

namespace ReactorTwin.Host.Tests.Runtime;

/// <summary>Graceful shutdown always reaches the broker: SIGTERM twenty times, <c>sleeping</c> seen every time, and the
/// process gone within 5 s each time.</summary>
public sealed class HostShutdownTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reactortwin-term-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Sigterm_TwentyTimes_SleepingReachesTheBrokerEveryTimeAndTheHostExitsWithinFiveSeconds()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        string config = Path.Combine(_dir, "appsettings.json");
        File.WriteAllText(config, $$"""
            { "Logging": { "LogLevel": { "Default": "Warning" } },
              "ReactorTwin": {
                "Broker": { "Host": "127.0.0.1", "Port": {{broker.Port}}, "ClientId": "term-host", "QueueDirectory": "{{Path.Combine(_dir, "queue")}}" },
                "JournalPath": "{{Path.Combine(_dir, "journal.db")}}",
                "Reactors": [ { "Id": "t1", "Model": "cho", "Channels": [ { "Component": "GLC", "NoiseSd": 0.2, "Min": -2, "Max": 100 } ] } ] } }
            """);
        await using var watcherClient = new MqttManagedClient(new MqttManagedClientOptions(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId("term-watcher").Build()), null, TimeProvider.System, new Random(1));
        await watcherClient.StartAsync();
        var states = new List<(string Topic, string State)>();
        var bus = new MqttMessageBus(watcherClient);
        using var host1 = bus.Subscribe("reactortwin/host/term-host/$state").Subscribe(m => { lock (states) { states.Add((m.Topic, m.PayloadAsString())); } });
        using var reactor1 = bus.Subscribe("reactortwin/t1/$state").Subscribe(m => { lock (states) { states.Add((m.Topic, m.PayloadAsString())); } });
        string Last(string topic) { lock (states) { return states.LastOrDefault(s => s.Topic == topic).State ?? ""; } }

        var exits = new List<TimeSpan>();
        for (int run = 1; run <= 20; run++)
        {
            await using var host = HostProcess.Start(config);
            // The host starts in 1–2 s idle; 30 s is > 10× that with both cores busy.
            await Eventually.WaitUntil(() => Last("reactortwin/host/term-host/$state") == "ready" && Last("reactortwin/t1/$state") == "ready", TimeSpan.FromSeconds(30), () => $"run {run}: not ready ({Last("reactortwin/host/term-host/$state")})");
            var exit = await host.TerminateAsync(TimeSpan.FromSeconds(30));
            exits.Add(exit);
            Assert.True(exit < TimeSpan.FromSeconds(5), $"run {run}: exit took {exit.TotalSeconds:F2} s");
            Assert.Equal(0, host.ExitCode);
            // "sleeping" was acknowledged by the broker before the host disconnected; its delivery to the watcher on
            // loopback takes milliseconds.
            await Eventually.WaitUntil(() => Last("reactortwin/host/term-host/$state") == "sleeping" && Last("reactortwin/t1/$state") == "sleeping", TimeSpan.FromSeconds(5), () => $"run {run}: state after SIGTERM '{Last("reactortwin/host/term-host/$state")}'");
        }

        Assert.Equal(20, exits.Count);
    }
}
