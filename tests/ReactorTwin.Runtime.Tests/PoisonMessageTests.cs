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

/// <summary>No payload can hurt a reactor: at least 10 000 generated hostile payloads on every topic it takes, between
/// good readings — every good reading journaled once, every bad message rejected with a reason and dead-lettered,
/// nothing thrown.</summary>
public sealed class PoisonMessageTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("reactortwin-poison-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Hostile payloads, seeded: arbitrary JSON of every type, every field of a reading or command with a wrong
    /// type or value, empty, binary, and 2 MB.</summary>
    internal static byte[] Hostile(Random random)
    {
        string[] scalars = ["null", "true", "false", "0", "-1", "1e400", "-1e308", "1.5", "\"\"", "\"1\"", "\"NaN\"", "\"Infinity\"", "[]", "{}", "[1,2]", "{\"a\":{}}"];
        string S() => scalars[random.Next(scalars.Length)];
        string Ts() => random.Next(4) switch { 0 => "\"yesterday\"", 1 => "\"2026-13-45T99:00:00Z\"", 2 => S(), _ => "\"2030-01-01T00:00:00Z\"" };
        switch (random.Next(14))
        {
            case 0: return [];
            case 1:
                var binary = new byte[random.Next(1, 512)];
                random.NextBytes(binary);
                return binary;
            case 2: return Encoding.UTF8.GetBytes("{\"value\":" + new string('9', 2_000_000) + "}"); // 2 MB
            case 3: return Encoding.UTF8.GetBytes(S());
            case 4: return Encoding.UTF8.GetBytes($"{{\"value\":{S()},\"unit\":\"mM\",\"ts\":\"2026-01-05T10:00:00Z\"}}");
            case 5: return Encoding.UTF8.GetBytes($"{{\"value\":1.0,\"unit\":{S()},\"ts\":\"2026-01-05T10:00:00Z\"}}");
            case 6: return Encoding.UTF8.GetBytes($"{{\"value\":1.0,\"unit\":\"mM\",\"ts\":{Ts()}}}");
            case 7: return Encoding.UTF8.GetBytes($"{{\"id\":{S()}}}");
            case 8: return Encoding.UTF8.GetBytes($"{{\"batch\":{S()},\"start\":{Ts()},\"hours\":{S()},\"initial\":{S()},\"setpoints\":{S()}}}");
            case 9: return Encoding.UTF8.GetBytes($"{{\"batch\":\"b0001\",\"start\":\"2026-01-05T08:00:00Z\",\"hours\":72,\"initial\":{{\"GLC\":{S()}}},\"setpoints\":{{}},\"end\":{Ts()}}}");
            case 10: return Encoding.UTF8.GetBytes(new string('[', random.Next(1, 300)));
            case 11: return Encoding.UTF8.GetBytes("{\"value\": 1.2, \"unit\": ");
            case 12: return Encoding.UTF8.GetBytes($"{{\"value\":-1e9,\"unit\":\"mM\",\"ts\":\"2026-01-05T10:00:00Z\",\"quality\":{S()}}}");
            default: return Encoding.UTF8.GetBytes($"[{S()},{S()},{{\"value\":{S()}}}]");
        }
    }

    [Fact]
    public void TenThousandHostilePayloadsBetweenGoodReadings_GoodOnesJournaledOnceBadOnesRejectedWithAReason()
    {
        var model = BuiltInModels.Load("cho");
        var scheduler = new HistoricalScheduler(Start);
        var plantBus = new InMemoryMessageBus();
        var bus = new InMemoryMessageBus();
        var random = new Random(20);
        string[] topics =
        [
            Topics.Sensor("r1", "b0001", "GLC"), Topics.Sensor("r1", "b0001", "LAC"), Topics.Sensor("r1", "b0001", "pH"),
            Topics.Sensor("r1", "b9999", "GLC"), Topics.Batch("r1", "b0001"), Topics.Batch("r1", "b0002"), Topics.ProposalAccept("r1"),
        ];
        int hostile = 0;
        using var journal = new MeasurementJournal(Path.Combine(_dir, "j.db"));
        using var pipeline = new ReactorPipeline(TwinFixtures.GlcLacTwin(model, design: true, autoApply: false) with { MinPredictionIntervalHours = 6 }, bus, journal);
        var errors = 0;
        var twinErrors = new List<string>();
        using var e = bus.Subscribe("reactortwin/r1/+/errors").Subscribe(m =>
        {
            errors++;
            string text = System.Text.Encoding.UTF8.GetString(m.Payload.Span);
            if (!text.Contains("/sensors/", StringComparison.Ordinal) && !text.Contains("/control/", StringComparison.Ordinal) && !text.Contains("/batch", StringComparison.Ordinal))
            {
                twinErrors.Add(text);
            }
        });
        pipeline.Start();
        using var forward = plantBus.Subscribe("#").Subscribe(m =>
        {
            bus.PublishAsync(m).GetAwaiter().GetResult();
            if (!m.Topic.Contains("/sensors/", StringComparison.Ordinal))
            {
                return;
            }

            for (int k = 0; k < 420; k++) // 24 good readings × 420 = 10 080
            {
                hostile++;
                bus.PublishAsync(new MqttMessage(topics[random.Next(topics.Length)], Hostile(random), MqttQualityOfService.AtLeastOnce)).GetAwaiter().GetResult();
            }
        });
        using var reactor = new SimulatedReactor(TwinFixtures.GlcLacPlant(model, 3, 1), plantBus, scheduler);
        reactor.Start();
        scheduler.AdvanceBy(TimeSpan.FromHours(73));

        int good = reactor.ReadingsSent.Values.Sum();
        Assert.True(hostile >= 10_000, $"{hostile} hostile payloads");
        Assert.Equal(good, pipeline.Accepted);
        Assert.Equal(good, journal.Count("r1"));
        // Every hostile payload is refused with a reason (the accept topic's malformed commands included), published and
        // dead-lettered; none is silently swallowed.
        var dead = journal.DeadLetters("r1");
        var refusedCommands = journal.Commands("r1").Count(c => c.Outcome.StartsWith("refused", StringComparison.Ordinal));
        Assert.Equal(hostile, dead.Count + refusedCommands);
        Assert.All(dead, d => Assert.False(string.IsNullOrWhiteSpace(d.Reason)));
        Assert.True(hostile == errors, $"{errors} errors for {hostile} hostile payloads; not about the input: {string.Join(" | ", twinErrors.Take(5))}");
        Assert.Equal(pipeline.Rejected, dead.Count);
        Assert.NotEqual(model.NominalParameters(), pipeline.Estimate); // the batch was refitted after all that
    }
}
