using System.Reactive.Concurrency;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Core.Models;
using ReactorTwin.Runtime.Contracts;
using ReactorTwin.Runtime.Ingest;
using ReactorTwin.Runtime.Journal;
using ReactorTwin.Runtime.Pipeline;
using ReactorTwin.Runtime.Twin;
using ReactorTwin.Simulator.Plant;

namespace ReactorTwin.Runtime.Tests;

/// <summary>The batch-end refit off the reading path (<see cref="TwinOptions.BackgroundRefit"/>), as <c>run</c> uses it.</summary>
public sealed class BackgroundRefitTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("reactortwin-refit-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void BackgroundRefit_NextBatchJournaledAndFilteredWhileItRuns_CheckpointAndEstimatesAsInline()
    {
        var model = BuiltInModels.Load("cho");
        var inline = RunTwin(model, background: false, Path.Combine(_dir, "inline.db"));
        var background = RunTwin(model, background: true, Path.Combine(_dir, "background.db"));

        // Same data, same warm starts: the estimates after each refit do not depend on where the refit ran.
        Assert.Equal(inline.Length, background.Length);
        for (int k = 0; k < inline.Length; k++)
        {
            Assert.Equal(inline[k], background[k], Math.Abs(inline[k]) * 1e-12);
        }
    }

    private static double[] RunTwin(ReactionNetwork model, bool background, string db)
    {
        var scheduler = new HistoricalScheduler(Start);
        var bus = new InMemoryMessageBus();
        using var reactor = new SimulatedReactor(TwinFixtures.GlcLacPlant(model, 8, 2), bus, scheduler);
        using var journal = new MeasurementJournal(db);
        var clock = new GateClock();
        if (background)
        {
            clock.Hold(); // the refit will wait inside MultiStartMle until released
        }

        var options = TwinFixtures.GlcLacTwin(model) with { BackgroundRefit = background };
        var engine = new ReactorPipeline(options, bus, journal, processing: null, clock);
        var events = new List<TwinEvent>();
        using var sub = engine.Events.Subscribe(e => { lock (events) { events.Add(e); } });
        engine.Start();
        reactor.Start();
        scheduler.AdvanceBy(TimeSpan.FromHours(72 + 30)); // batch 1 ended at 72 h; batch 2 (from 73 h) is at 29 h
        if (background)
        {
            Assert.True(clock.Held.Wait(TimeSpan.FromSeconds(30)), "the refit never started");
            lock (events)
            {
                Assert.DoesNotContain(events, e => e.Kind == "refit");
                Assert.Equal(8, events.Count(e => e.Kind == "measurement" && e.Batch == "b0002")); // 6 … 24 h, GLC and LAC
                Assert.Contains(events, e => e.Kind == "prediction" && e.Batch == "b0002" && e.TimeHours == 24);
            }

            Assert.Equal(reactor.ReadingsSent.Values.Sum(), journal.Count("r1"));
            Assert.Null(journal.LatestCheckpoint("r1")); // nothing is checkpointed before the refit is applied
            clock.Release();
            Assert.True(engine.WaitForRefits(TimeSpan.FromSeconds(120)), "the refit did not end");
            lock (events)
            {
                Assert.Equal(7, events.Count(e => e.Kind == "refit" && e.Batch == "b0001"));
            }

            // The checkpoint covers batch 1 only: a restart replays batch 2's announcement and 8 readings, which were
            // handled while the refit ran, and resumes with the refitted estimate.
            var refitted = engine.Estimate;
            engine.Dispose();
            engine = new ReactorPipeline(options, bus, journal, processing: null, clock);
            engine.Start();
            Assert.Equal(1 + 8, engine.Replayed);
            Assert.Equal(refitted, engine.Estimate);
        }

        scheduler.AdvanceBy(TimeSpan.FromHours(43));
        engine.CompleteRunningBatch(); // waits for the background refit too
        var estimate = engine.Estimate;
        engine.Dispose();
        return estimate;
    }

    [Fact]
    public void BackgroundRefit_EngineDisposedWhileItRuns_IsCancelledAndNotApplied()
    {
        var model = BuiltInModels.Load("cho");
        var scheduler = new HistoricalScheduler(Start);
        var bus = new InMemoryMessageBus();
        using var reactor = new SimulatedReactor(TwinFixtures.GlcLacPlant(model, 8, 1), bus, scheduler);
        using var journal = new MeasurementJournal(Path.Combine(_dir, "j.db"));
        var clock = new GateClock();
        clock.Hold();
        var engine = new ReactorPipeline(TwinFixtures.GlcLacTwin(model, design: true) with { BackgroundRefit = true }, bus, journal, processing: null, clock);
        var kinds = new List<string>();
        // Dispose completes the events after it has cancelled the refits: only then may the held refit go on.
        using var sub = engine.Events.Subscribe(e => { lock (kinds) { kinds.Add(e.Kind); } }, clock.Release);
        engine.Start();
        reactor.Start();
        scheduler.AdvanceBy(TimeSpan.FromHours(73));
        Assert.True(clock.Held.Wait(TimeSpan.FromSeconds(30)), "the refit never started");

        engine.Dispose();

        // Dispose returned with the refit finished (not merely abandoned) before its first evaluation — an uncancelled
        // fit reads the clock at every evaluation — and nothing of it was applied.
        Assert.True(engine.WaitForRefits(TimeSpan.Zero));
        Assert.Equal(1, clock.Reads);
        lock (kinds)
        {
            Assert.Contains("refit-started", kinds);
            Assert.Contains("refit-cancelled", kinds);
            Assert.DoesNotContain("refit", kinds);
            Assert.DoesNotContain("proposal", kinds);
        }

        Assert.Null(journal.LatestCheckpoint("r1"));
    }

    /// <summary>A clock whose next reading can be held: the thread that reads it waits until <see cref="Release"/>.
    /// The engine reads its clock only in the refit, so holding it holds the refit at its start.</summary>
    private sealed class GateClock : TimeProvider
    {
        private readonly ManualResetEventSlim _open = new(true);
        private int _armed;

        /// <summary>Set while a reader is held.</summary>
        public ManualResetEventSlim Held { get; } = new(false);

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public void Hold()
        {
            _open.Reset();
            Interlocked.Exchange(ref _armed, 1);
        }

        public void Release() => _open.Set();

        /// <summary>How often the clock was read.</summary>
        public int Reads => Volatile.Read(ref _reads);

        private int _reads;

        public override long GetTimestamp()
        {
            Interlocked.Increment(ref _reads);
            if (Interlocked.Exchange(ref _armed, 0) == 1)
            {
                Held.Set();
                _open.Wait();
            }

            return 0; // time stands still: the budget never runs out
        }
    }
}
