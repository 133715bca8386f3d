using System.Reactive.Concurrency;
using System.Text;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Core.Models;
using ReactorTwin.Runtime.Contracts;
using ReactorTwin.Runtime.Journal;
using ReactorTwin.Runtime.Pipeline;
using ReactorTwin.Simulator.Plant;

namespace ReactorTwin.Runtime.Tests;

/// <summary>Commands are journaled with who sent them and what came of them; rejected messages go to the dead letters.</summary>
public sealed class AuditTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("reactortwin-audit-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task AcceptCommands_AreJournaledWithOriginAndOutcome_RejectionsAreDeadLettered()
    {
        var model = BuiltInModels.Load("cho");
        var scheduler = new HistoricalScheduler(Start);
        var bus = new InMemoryMessageBus();
        using var journal = new MeasurementJournal(Path.Combine(_dir, "j.db"));
        using var reactor = new SimulatedReactor(TwinFixtures.GlcLacPlant(model, 9, 2), bus, scheduler);
        using var pipeline = new ReactorPipeline(TwinFixtures.GlcLacTwin(model, design: true, autoApply: false), bus, journal, time: new FixedClock(Start.AddDays(10)));
        pipeline.Start();
        reactor.Start();
        scheduler.AdvanceBy(TimeSpan.FromHours(72.5)); // batch 1 ended: proposal 1 waits

        Task Send(string payload) => bus.PublishAsync(new MqttMessage(Topics.ProposalAccept("r1"), Encoding.UTF8.GetBytes(payload)));
        await Send("""{"id": 7, "by": "dashboard:ana"}""");
        await Send("""{"id": 1, "by": "dashboard:ana"}""");
        await Send("""{"id": 1}""");
        await bus.PublishAsync(new MqttMessage(Topics.Sensor("r1", "b0001", "GLC"), Encoding.UTF8.GetBytes("garbage")));

        var commands = journal.Commands("r1");
        Assert.Equal(3, commands.Count);
        Assert.Equal(("dashboard:ana (via MQTT)", "refused: accept: proposal 7 is not the one waiting (1)"), (commands[0].Origin, commands[0].Outcome));
        Assert.Equal("dashboard:ana (via MQTT)", commands[1].Origin);
        Assert.StartsWith("applied proposal 1: GLC = ", commands[1].Outcome, StringComparison.Ordinal);
        Assert.Equal(("mqtt", true), (commands[2].Origin, commands[2].Outcome.StartsWith("refused: accept: no proposal is waiting", StringComparison.Ordinal)));
        Assert.All(commands, c => Assert.Equal(Start.AddDays(10), c.Received));

        var dead = journal.DeadLetters("r1");
        Assert.Single(dead);
        Assert.Equal(("garbage", Topics.Sensor("r1", "b0001", "GLC")), (dead[0].Payload, dead[0].Topic));
        Assert.StartsWith("payload: malformed JSON", dead[0].Reason, StringComparison.Ordinal);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
