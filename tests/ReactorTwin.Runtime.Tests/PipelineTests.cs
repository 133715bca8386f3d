using System.Reactive.Concurrency;
using System.Text;
using System.Text.Json;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Core.Design;
using ReactorTwin.Core.Models;
using ReactorTwin.Runtime.Contracts;
using ReactorTwin.Runtime.Ingest;
using ReactorTwin.Runtime.Journal;
using ReactorTwin.Runtime.Pipeline;
using ReactorTwin.Runtime.Twin;
using ReactorTwin.Simulator.Plant;

namespace ReactorTwin.Runtime.Tests;

public sealed class PipelineTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("reactortwin-runtime-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static MqttMessage Msg(string topic, string payload) => new(topic, Encoding.UTF8.GetBytes(payload));

    private static ReadingValidator Validator()
    {
        var v = new ReadingValidator(BuiltInModels.Load("cho"), "r1", [new TwinChannel("GLC", 0.2, 0, 0, 100)]);
        v.BeginBatch("b1", Start, 72);
        return v;
    }

    [Theory]
    [InlineData("reactortwin/r1/b1/sensors/GLC", "not json", "payload: malformed JSON")]
    [InlineData("reactortwin/r1/b1/sensors/GLC", "[1,2]", "payload: not a JSON object")]
    [InlineData("reactortwin/r1/b1/sensors/GLC", "{\"value\":\"NaN\",\"unit\":\"mM\",\"ts\":\"2026-01-05T10:00:00Z\"}", "value: missing or not a number")]
    [InlineData("reactortwin/r1/b1/sensors/GLC", "{\"value\":5,\"ts\":\"2026-01-05T10:00:00Z\"}", "unit: missing")]
    [InlineData("reactortwin/r1/b1/sensors/GLC", "{\"value\":5,\"unit\":\"g/L\",\"ts\":\"2026-01-05T10:00:00Z\"}", "unit: 'g/L' but GLC is in mM")]
    [InlineData("reactortwin/r1/b1/sensors/GLC", "{\"value\":-1e9,\"unit\":\"mM\",\"ts\":\"2026-01-05T10:00:00Z\"}", "value: -1E+09 mM outside the plausible range [0, 100]")]
    [InlineData("reactortwin/r1/b1/sensors/GLC", "{\"value\":5,\"unit\":\"mM\",\"ts\":\"yesterday\"}", "ts: missing or not an ISO 8601 time")]
    [InlineData("reactortwin/r1/b1/sensors/GLC", "{\"value\":5,\"unit\":\"mM\",\"ts\":\"2026-01-05T07:00:00Z\"}", "ts: -1.000 h after the batch start")]
    [InlineData("reactortwin/r1/b9/sensors/GLC", "{\"value\":5,\"unit\":\"mM\",\"ts\":\"2026-01-05T10:00:00Z\"}", "batch 'b9' has not been announced")]
    [InlineData("reactortwin/r1/b1/sensors/pH", "{\"value\":5,\"unit\":\"mM\",\"ts\":\"2026-01-05T10:00:00Z\"}", "'pH' is not a configured channel")]
    [InlineData("reactortwin/r2/b1/sensors/GLC", "{\"value\":5,\"unit\":\"mM\",\"ts\":\"2026-01-05T10:00:00Z\"}", "topic: expected reactortwin/r1/")]
    public void Validator_RejectsWithTheFieldThatWasWrong(string topic, string payload, string reason)
    {
        Assert.False(Validator().TryAccept(Msg(topic, payload), out var m, out var r));
        Assert.Null(m);
        Assert.Contains(reason, r!.Reason, StringComparison.Ordinal);
        Assert.Equal(topic, r.Topic);
    }

    [Fact]
    public void Validator_AcceptsThenRejectsDuplicatesAndOlderReadings()
    {
        var v = Validator();
        const string topic = "reactortwin/r1/b1/sensors/GLC";
        Assert.True(v.TryAccept(Msg(topic, "{\"value\":27.5,\"unit\":\"mM\",\"ts\":\"2026-01-05T12:00:00Z\"}"), out var m, out _));
        Assert.Equal(4.0, m!.TimeHours, 1e-12);
        Assert.Equal(27.5, m.Value);
        Assert.False(v.TryAccept(Msg(topic, "{\"value\":27.5,\"unit\":\"mM\",\"ts\":\"2026-01-05T12:00:00Z\"}"), out _, out var dup));
        Assert.StartsWith("duplicate", dup!.Reason, StringComparison.Ordinal);
        Assert.False(v.TryAccept(Msg(topic, "{\"value\":27.9,\"unit\":\"mM\",\"ts\":\"2026-01-05T11:00:00Z\"}"), out _, out var old));
        Assert.Contains("out of order", old!.Reason, StringComparison.Ordinal);
        Assert.True(v.TryAccept(Msg(topic, "{\"value\":26.9,\"unit\":\"mM\",\"ts\":\"2026-01-05T13:00:00Z\"}"), out _, out _));
    }

    [Fact]
    public void Journal_AppendsOnceReadsInOrderAndKeepsCheckpointsAcrossReopen()
    {
        string path = Path.Combine(_dir, "j.db");
        var m1 = new Measurement("b1", "GLC", Start.AddHours(2), 2, 27.1);
        var m2 = new Measurement("b1", "LAC", Start.AddHours(2), 2, 1.3);
        using (var j = new MeasurementJournal(path))
        {
            Assert.Equal(1, j.Append("r1", m1));
            Assert.Equal(-1, j.Append("r1", m1));
            Assert.Equal(2, j.Append("r1", m2));
            j.SaveCheckpoint("r1", 1, "{\"theta\":[1]}");
        }

        using (var j = new MeasurementJournal(path))
        {
            Assert.Equal(2, j.Count("r1"));
            var (seq, state) = j.LatestCheckpoint("r1")!.Value;
            Assert.Equal(1, seq);
            Assert.Equal("{\"theta\":[1]}", state);
            var after = j.ReadAfter("r1", seq).ToArray();
            Assert.Single(after);
            Assert.Equal(m2, after[0].Measurement);
            Assert.Null(j.LatestCheckpoint("r2"));
        }
    }

    [Fact]
    public void Journal_ThatCannotBeOpened_ThrowsJournalExceptionNamingIt()
    {
        var e = Assert.Throws<JournalException>(() => new MeasurementJournal(_dir)); // a directory, not a file
        Assert.Contains("cannot open journal", e.Message, StringComparison.Ordinal);
        Assert.Contains(_dir, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("old")]
    [InlineData("version1")]
    [InlineData("newer")]
    public void Journal_OfAnotherFormat_IsRefusedWithAClearMessageAndLeftUnchanged(string kind)
    {
        string path = Path.Combine(_dir, kind + ".db");
        using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = kind switch
            {
                "old" => "CREATE TABLE measurement (seq INTEGER PRIMARY KEY, reactor TEXT, batch TEXT, component TEXT, ts TEXT, t_h REAL, value REAL); INSERT INTO measurement VALUES (1, 'r1', 'b1', 'GLC', '2026-01-05T10:00:00Z', 2, 27.5);",
                "version1" => "PRAGMA user_version=1;",
                _ => "PRAGMA user_version=99;",
            };
            cmd.ExecuteNonQuery();
        }

        byte[] before = File.ReadAllBytes(path);
        var e = Assert.Throws<JournalException>(() => new MeasurementJournal(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains(kind == "newer" ? "newer reactortwin" : "older reactortwin", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));

        // A journal of this format reopens without complaint.
        string current = Path.Combine(_dir, "current.db");
        new MeasurementJournal(current).Dispose();
        new MeasurementJournal(current).Dispose();
    }

    [Fact]
    public void Engine_OneBatchWithFaults_PublishesSaneRetainedPredictionsAndAClampedProposal()
    {
        var model = BuiltInModels.Load("cho");
        var scheduler = new HistoricalScheduler(Start);
        var bus = new InMemoryMessageBus();
        SensorChannelOptions Ch(string c, double dt) => new() { Component = c, IntervalHours = dt, NoiseSd = 0.2, GarbageProbability = 0.05, DuplicateProbability = 0.05 };
        using var reactor = new SimulatedReactor(new ReactorOptions { ReactorId = "r1", Model = model, Channels = [Ch("GLC", 3), Ch("LAC", 3)], Seed = 5, Batches = 1, StepHours = 0.02 }, bus, scheduler);
        using var journal = new MeasurementJournal(Path.Combine(_dir, "engine.db"));
        using var engine = new ReactorPipeline(
            new TwinOptions
            {
                ReactorId = "r1",
                Model = model,
                Channels = [new TwinChannel("GLC", 0.2, 0, 0, 100), new TwinChannel("LAC", 0.2, 0, 0, 100)],
                Design = new DesignSpace(model, [("GLC", 18, 38)]),
                SafetyBounds = new Dictionary<string, (double, double)> { ["GLC"] = (25, 30) },
            },
            bus,
            journal);
        var errors = new List<string>();
        using var e = bus.Subscribe("reactortwin/r1/+/errors").Subscribe(m => errors.Add(Encoding.UTF8.GetString(m.Payload.Span)));
        var setpoints = new List<string>();
        using var s = bus.Subscribe("reactortwin/r1/control/batch/set").Subscribe(m => setpoints.Add(Encoding.UTF8.GetString(m.Payload.Span)));
        engine.Start();
        reactor.Start();
        scheduler.AdvanceBy(TimeSpan.FromHours(72));

        Assert.Equal(reactor.ReadingsSent.Values.Sum(), engine.Accepted);
        Assert.Equal(engine.Accepted, journal.Count("r1"));
        Assert.True(engine.Rejected > 0 && errors.Count == engine.Rejected, $"{engine.Rejected} rejected, {errors.Count} error messages: {string.Join(" | ", errors.Take(8))}");

        var retained = new List<MqttMessage>();
        using (bus.Subscribe("reactortwin/r1/b0001/twin/#").Subscribe(retained.Add))
        {
            Assert.Equal(4, retained.Count); // GLC, LAC now and at batch end
        }

        foreach (var m in retained)
        {
            var p = JsonDocument.Parse(m.Payload).RootElement;
            double mean = p.GetProperty("mean").GetDouble(), lo = p.GetProperty("lo95").GetDouble(), hi = p.GetProperty("hi95").GetDouble();
            Assert.True(double.IsFinite(mean) && lo < mean && mean < hi, m.Topic);
            Assert.True(lo >= 0, $"{m.Topic}: a concentration band below zero ({lo})");
            Assert.Equal("mM", p.GetProperty("unit").GetString());
        }

        engine.CompleteRunningBatch();
        Assert.Single(setpoints);
        double glc = JsonDocument.Parse(setpoints[0]).RootElement.GetProperty("GLC").GetDouble();
        Assert.InRange(glc, 25, 30);
        MqttMessage? proposal = null;
        using (bus.Subscribe("reactortwin/r1/proposal").Subscribe(m => proposal = m))
        {
            var p = JsonDocument.Parse(proposal!.Payload).RootElement;
            Assert.Equal("d-optimal", p.GetProperty("policy").GetString());
            Assert.True(p.GetProperty("applied").GetBoolean());
            if (glc is 25 or 30)
            {
                Assert.Contains("clamped", p.GetProperty("notes")[0].GetString(), StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Engine_KilledMidBatchAndRestarted_ResumesFromCheckpointWithoutLossOrDuplicates()
    {
        var model = BuiltInModels.Load("cho");
        (double[] Estimate, List<double> Proposals) RunTwin(bool restart, string db)
        {
            var scheduler = new HistoricalScheduler(Start);
            var bus = new InMemoryMessageBus();
            using var reactor = new SimulatedReactor(TwinFixtures.GlcLacPlant(model, 8, 2), bus, scheduler);
            var options = TwinFixtures.GlcLacTwin(model, design: true); // d-optimal: its accumulated information is checkpointed
            using var journal = new MeasurementJournal(db);
            var proposals = new List<double>();
            using var sub = bus.Subscribe("reactortwin/r1/proposal").Subscribe(m =>
            {
                using var doc = JsonDocument.Parse(m.Payload);
                proposals.Add(doc.RootElement.GetProperty("setpoints").GetProperty("GLC").GetDouble());
            });
            var engine = new ReactorPipeline(options, bus, journal);
            engine.Start();
            reactor.Start();
            scheduler.AdvanceBy(TimeSpan.FromHours(72 + 30)); // batch 1 completed and checkpointed, batch 2 at 30 h
            if (restart)
            {
                engine.Dispose(); // the process dies: in-memory state is gone, the journal stays
                engine = new ReactorPipeline(options, bus, journal);
                engine.Start();
                Assert.Equal(1 + 8, engine.Replayed); // batch 2's announcement and its 8 readings (6 … 24 h) after the checkpoint
            }

            scheduler.AdvanceBy(TimeSpan.FromHours(43));
            engine.CompleteRunningBatch();
            Assert.Equal(reactor.ReadingsSent.Values.Sum(), journal.Count("r1"));
            var estimate = engine.Estimate;
            engine.Dispose();
            return (estimate, proposals);
        }

        var straight = RunTwin(false, Path.Combine(_dir, "a.db"));
        var resumed = RunTwin(true, Path.Combine(_dir, "b.db"));
        for (int k = 0; k < straight.Estimate.Length; k++)
        {
            Assert.Equal(straight.Estimate[k], resumed.Estimate[k], Math.Abs(straight.Estimate[k]) * 1e-9);
        }

        // The proposal after batch 2 depends on the information accumulated by batch 1's proposal, restored from the
        // checkpoint (without it the restarted twin would propose as if batch 1 had not been designed).
        Assert.Equal(2, straight.Proposals.Count);
        Assert.Equal(straight.Proposals, resumed.Proposals);
    }

    [Fact]
    public void Engine_ProposalAtBatchEnd_IsAppliedToTheNextBatch()
    {
        var model = BuiltInModels.Load("cho");
        var scheduler = new HistoricalScheduler(Start);
        var bus = new InMemoryMessageBus();
        using var reactor = new SimulatedReactor(TwinFixtures.GlcLacPlant(model, 4, 2), bus, scheduler);
        using var engine = new ReactorPipeline(TwinFixtures.GlcLacTwin(model, design: true), bus);
        var proposals = new List<TwinEvent>();
        using var sub = engine.Events.Subscribe(e =>
        {
            if (e.Kind == "proposal")
            {
                proposals.Add(e);
            }
        });
        engine.Start();
        reactor.Start();
        scheduler.AdvanceBy(TimeSpan.FromHours(73));
        Assert.Equal("b0002", reactor.CurrentBatch);
        Assert.Single(proposals);
        Assert.Equal(proposals[0].Value, reactor.TrueState[0]);
    }

    [Fact]
    public void Engine_StreamOfBadInput_IsRejectedAndLeavesTheEstimatesUnchanged()
    {
        var model = BuiltInModels.Load("cho");
        var scheduler = new HistoricalScheduler(Start);
        var plantBus = new InMemoryMessageBus();
        var clean = new InMemoryMessageBus();
        var dirty = new InMemoryMessageBus();
        var random = new Random(12);
        string[] garbage =
        [
            "not json", "{\"value\": 1.2, \"unit\": ", "{\"value\":\"NaN\",\"unit\":\"mM\",\"ts\":\"2026-01-05T09:00:00Z\"}",
            "{\"value\":1e308,\"unit\":\"mM\",\"ts\":\"2026-01-05T09:00:00Z\"}", "{\"value\":5,\"unit\":\"g/L\",\"ts\":\"2026-01-05T09:00:00Z\"}",
            "{\"value\":5,\"unit\":\"mM\",\"ts\":\"2030-01-01T00:00:00Z\"}", "[]", "",
        ];
        using var forward = plantBus.Subscribe("#").Subscribe(m =>
        {
            clean.PublishAsync(m).GetAwaiter().GetResult();
            dirty.PublishAsync(m).GetAwaiter().GetResult();
            if (m.Topic.Contains("/sensors/", StringComparison.Ordinal))
            {
                dirty.PublishAsync(m).GetAwaiter().GetResult(); // duplicate
                dirty.PublishAsync(new MqttMessage(m.Topic, Encoding.UTF8.GetBytes(garbage[random.Next(garbage.Length)]))).GetAwaiter().GetResult();
                dirty.PublishAsync(new MqttMessage(m.Topic.Replace("/sensors/GLC", "/sensors/pH", StringComparison.Ordinal), m.Payload)).GetAwaiter().GetResult();
            }
        });
        using var reactor = new SimulatedReactor(TwinFixtures.GlcLacPlant(model, 9, 1), plantBus, scheduler);
        var options = TwinFixtures.GlcLacTwin(model);
        using var a = new ReactorPipeline(options, clean);
        using var b = new ReactorPipeline(options, dirty);
        a.Start();
        b.Start();
        reactor.Start();
        scheduler.AdvanceBy(TimeSpan.FromHours(73));
        Assert.Equal(a.Accepted, b.Accepted);
        Assert.Equal(0, a.Rejected);
        // Rejected with a reason: one garbage payload per reading, and each glucose reading's copy on the unknown pH
        // channel (a lactate reading's "pH" copy keeps its LAC topic, so it is a second duplicate). Half the readings
        // are glucose. The same reading again is dropped quietly, as a broker's redelivery is.
        Assert.Equal(b.Accepted + (b.Accepted / 2), b.Rejected);
        Assert.Equal(b.Accepted + (b.Accepted / 2), b.Duplicates);
        Assert.NotEqual(model.NominalParameters(), a.Estimate); // the batch was refitted, so the comparison means something
        Assert.Equal(a.Estimate, b.Estimate);
    }

    [Fact]
    public async Task Engine_OnAnEventLoop_ProcessesBatchAndSensorMessagesInArrivalOrder()
    {
        // A burst (start, readings, end) as a broker delivers it after a reconnect: the end announcement must not
        // overtake the readings that arrived before it, or they would miss the batch's refit.
        var model = BuiltInModels.Load("cho");
        var bus = new InMemoryMessageBus();
        using var loop = new EventLoopScheduler();
        using var engine = new ReactorPipeline(new TwinOptions { ReactorId = "r1", Model = model, Channels = [new TwinChannel("GLC", 0.2, 0, -2, 100)] }, bus, null, loop);
        int measurements = 0, refits = 0;
        using var done = new ManualResetEventSlim();
        using var sub = engine.Events.Subscribe(e =>
        {
            if (e.Kind == "measurement")
            {
                measurements++;
            }
            else if (e.Kind == "refit" && ++refits == 1)
            {
                done.Set();
            }
        });
        engine.Start();
        var scheduler = new HistoricalScheduler(Start);
        using var reactor = new SimulatedReactor(new ReactorOptions { ReactorId = "r1", Model = model, Channels = [new SensorChannelOptions { Component = "GLC", IntervalHours = 6, NoiseSd = 0.2 }], Seed = 4, Batches = 1, StepHours = 0.02 }, bus, scheduler);
        reactor.Start();
        scheduler.AdvanceBy(TimeSpan.FromHours(73)); // the whole batch in one burst, much faster than the loop runs
        Assert.True(done.Wait(TimeSpan.FromSeconds(60)), $"no refit; accepted {engine.Accepted}, rejected {engine.Rejected}, filtered {measurements}");
        Assert.Equal(12, engine.Accepted);
        Assert.Equal(12, measurements);
    }

    [Fact]
    public async Task Engine_ProposalWaitingForConfirmation_IsAppliedOnlyByAnAcceptWithItsId()
    {
        var model = BuiltInModels.Load("cho");
        var scheduler = new HistoricalScheduler(Start);
        var bus = new InMemoryMessageBus();
        using var reactor = new SimulatedReactor(TwinFixtures.GlcLacPlant(model, 9, 2), bus, scheduler);
        using var engine = new ReactorPipeline(TwinFixtures.GlcLacTwin(model, design: true, autoApply: false), bus);
        var errors = new List<string>();
        var commands = new List<string>();
        string? proposal = null;
        using var e = bus.Subscribe("reactortwin/r1/+/errors").Subscribe(m => errors.Add(Encoding.UTF8.GetString(m.Payload.Span)));
        using var c = bus.Subscribe("reactortwin/r1/control/batch/set").Subscribe(m => commands.Add(Encoding.UTF8.GetString(m.Payload.Span)));
        using var p = bus.Subscribe("reactortwin/r1/proposal").Subscribe(m => proposal = Encoding.UTF8.GetString(m.Payload.Span));
        engine.Start();
        reactor.Start();
        scheduler.AdvanceBy(TimeSpan.FromHours(72.5)); // batch 1 has ended: refit and proposal 1, waiting

        using (var doc = JsonDocument.Parse(proposal!))
        {
            Assert.Equal(1, doc.RootElement.GetProperty("id").GetInt32());
            Assert.False(doc.RootElement.GetProperty("applied").GetBoolean());
        }

        Assert.Empty(commands);
        Task Accept(string payload) => bus.PublishAsync(new MqttMessage("reactortwin/r1/proposal/accept/set", Encoding.UTF8.GetBytes(payload)));
        await Accept("yes please");
        await Accept("{\"id\": 2}");
        Assert.Empty(commands);
        Assert.Contains(errors, x => x.Contains("expected {", StringComparison.Ordinal));
        Assert.Contains(errors, x => x.Contains("proposal 2 is not the one waiting (1)", StringComparison.Ordinal));

        await Accept("{\"id\": 1}");
        Assert.Single(commands);
        double glc;
        using (var doc = JsonDocument.Parse(proposal!))
        {
            Assert.True(doc.RootElement.GetProperty("applied").GetBoolean());
            glc = doc.RootElement.GetProperty("setpoints").GetProperty("GLC").GetDouble();
        }

        await Accept("{\"id\": 1}");
        Assert.Single(commands);
        Assert.Contains(errors, x => x.Contains("no proposal is waiting", StringComparison.Ordinal));

        scheduler.AdvanceBy(TimeSpan.FromHours(1)); // batch 2 starts with the accepted setpoint
        Assert.Equal("b0002", reactor.CurrentBatch);
        Assert.Equal(glc, reactor.TrueState[0]);
    }
}
