using System.Diagnostics;
using System.Reactive.Concurrency;
using System.Text;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Adapters.Tests.Mqtt.Integration;
using ReactorTwin.Core.Design;
using ReactorTwin.Core.Models;
using ReactorTwin.Runtime.Contracts;
using ReactorTwin.Runtime.Ingest;
using ReactorTwin.Runtime.Journal;
using ReactorTwin.Runtime.Pipeline;
using ReactorTwin.Runtime.Twin;
using ReactorTwin.Simulator.Plant;

namespace ReactorTwin.Runtime.Tests;

/// <summary>Host + simulated reactor + a real mosquitto: the plant runs in virtual time, everything crosses the broker.</summary>
public sealed class HardwareInTheLoopTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);

    /// <summary>The twin's refit budget here. A proposal follows the refit by the covariance (14 gradient evaluations,
    /// under 1 s idle), so waiting 120 s for it leaves a margin of 5× over budget plus covariance even with both cores
    /// busy (the first refit needs about 30 s idle for its 500 iterations, and is cut at the budget).</summary>
    private static readonly TimeSpan RefitBudget = TimeSpan.FromSeconds(20);
    private readonly string _dir = Directory.CreateTempSubdirectory("reactortwin-hil-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static MqttManagedClient Client(int port, string id) =>
        new(new MqttManagedClientOptions(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(id).WithCleanSession(false).WithSessionExpiryInterval(3600).WithKeepAlivePeriod(TimeSpan.FromSeconds(10)).Build())
        {
            MaxPendingMessages = 100_000,
        }, null, TimeProvider.System, new Random(1));

    [Fact]
    public async Task HostAndSimulatorThroughMosquitto_BrokerRestartedMidBatch_NoMeasurementLostAndProposalsInDesignSpace()
    {
        await using var broker = await MosquittoBroker.StartAsync(persistence: true);
        var model = BuiltInModels.Load("cho");
        await using var plantClient = Client(broker.Port, "hil-plant");
        await using var twinClient = Client(broker.Port, "hil-twin");
        await plantClient.StartAsync();
        await twinClient.StartAsync();
        var plantBus = new MqttMessageBus(plantClient);
        var twinBus = new MqttMessageBus(twinClient);

        var scheduler = new HistoricalScheduler(Start);
        SensorChannelOptions Ch(string c, double sd) => new() { Component = c, IntervalHours = 4, NoiseSd = sd };
        using var reactor = new SimulatedReactor(new ReactorOptions { ReactorId = "hil", Model = model, Channels = [Ch("GLC", 0.2), Ch("LAC", 0.2)], Seed = 6, Batches = 2, StepHours = 0.02 }, plantBus, scheduler);
        using var journal = new MeasurementJournal(Path.Combine(_dir, "journal.db"));
        using var loop = new EventLoopScheduler();
        using var engine = new ReactorPipeline(
            new TwinOptions
            {
                ReactorId = "hil",
                Model = model,
                Channels = [new TwinChannel("GLC", 0.2, 0, -2, 100), new TwinChannel("LAC", 0.2, 0, -2, 100)],
                Design = new DesignSpace(model, [("GLC", 18, 38)]),
                SafetyBounds = new Dictionary<string, (double, double)> { ["GLC"] = (18, 38) },
                BackgroundRefit = true, // as `reactortwin run` does: the refit runs beside the next batch's readings
                RefitTimeBudget = RefitBudget,
            },
            twinBus,
            journal,
            loop);
        var proposals = new List<double>();
        var rejections = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var intervals = new System.Collections.Concurrent.ConcurrentDictionary<string, (double Lower, double Upper)>();
        using var sub = engine.Events.Subscribe(e =>
        {
            if (e.Kind == "rejection")
            {
                rejections.Enqueue(e.Detail);
            }

            if (e.Kind == "refit")
            {
                intervals[e.Component] = (e.Lower, e.Upper);
            }

            if (e.Kind == "proposal")
            {
                lock (proposals)
                {
                    proposals.Add(e.Value);
                }
            }
        });
        engine.Start();
        // A loopback CONNECT/CONNACK takes milliseconds; 20 s also covers two failed attempts (1 s, 2 s backoff).
        await Eventually.WaitUntil(() => twinClient.IsConnected && plantClient.IsConnected, TimeSpan.FromSeconds(20), () => "clients did not connect");
        reactor.Start();
        int Sent() => reactor.ReadingsSent.Values.Sum();

        // First half of batch 1, then the broker goes down while the plant keeps measuring, then comes back.
        for (int h = 0; h < 36; h += 4)
        {
            scheduler.AdvanceBy(TimeSpan.FromHours(4));
        }

        // 18 readings through the broker, each journaled with one SQLite commit (milliseconds): 60 s is generous.
        await Eventually.WaitUntil(() => journal.Count("hil") == Sent(), TimeSpan.FromSeconds(60), () => $"journal {journal.Count("hil")} of {Sent()}");
        await broker.StopAsync();
        for (int h = 36; h < 60; h += 4)
        {
            scheduler.AdvanceBy(TimeSpan.FromHours(4));
        }

        Assert.True(journal.Count("hil") < Sent(), "readings during the outage cannot have arrived yet");
        await broker.StartProcessAsync();
        // Both clients reconnect within their next backoff delay (the broker was down for about a second: ≤ 4 s), then
        // the plant's queue of 12 readings drains in milliseconds; 90 s leaves room for a slow mosquitto start.
        await Eventually.WaitUntil(() => journal.Count("hil") == Sent(), TimeSpan.FromSeconds(90), () => $"after the restart: journal {journal.Count("hil")} of {Sent()}");

        // Rest of batch 1 (its end triggers the refit and a proposal) and batch 2.
        scheduler.AdvanceBy(TimeSpan.FromHours(13));
        // Bounded by the refit budget (see RefitBudget).
        await Eventually.WaitUntil(() => { lock (proposals) { return proposals.Count == 1; } }, TimeSpan.FromSeconds(120), () => "no proposal after batch 1");
        scheduler.AdvanceBy(TimeSpan.FromHours(73));
        await Eventually.WaitUntil(() => { lock (proposals) { return proposals.Count == 2; } }, TimeSpan.FromSeconds(120), () => "no proposal after batch 2");
        await Eventually.WaitUntil(() => journal.Count("hil") == Sent(), TimeSpan.FromSeconds(30), () => $"journal {journal.Count("hil")} of {Sent()}");
        Assert.True(engine.WaitForRefits(TimeSpan.FromSeconds(120)), "the last refit did not end (its budget is 20 s)");

        Assert.Equal(2 * 2 * 18, Sent());
        Assert.Equal(Sent(), journal.Count("hil"));
        // A reading in the event loop when the broker went down was not acknowledged yet, so the broker redelivers it
        // after the restart: the only rejections allowed are those duplicates (the journal holds every reading once).
        Assert.All(rejections, r => Assert.StartsWith("duplicate", r, StringComparison.Ordinal));
        lock (proposals)
        {
            Assert.All(proposals, g => Assert.InRange(g, 18, 38));
        }

        // The growth parameters that GLC and LAC identify: the published 95 % intervals of the last refit cover the truth
        // (KmGLC0 [2.9, 4.9] ∋ 4.2, vmaxg0 [0.117, 0.130] ∋ 0.126) and the estimates are within a factor 1.5.
        var estimate = engine.Estimate;
        foreach (var name in new[] { "KmGLC0", "vmaxg0" })
        {
            double truth = model.Parameters[model.IndexOfParameter(name)].Value;
            Assert.InRange(estimate[model.IndexOfParameter(name)], truth / 1.5, truth * 1.5);
            Assert.True(intervals.TryGetValue(name, out var ci), $"no interval published for {name}");
            Assert.InRange(truth, ci.Lower, ci.Upper);
        }

        // Every estimated parameter's published interval covers the truth (7 of 7; for the unidentified ones trivially,
        // e.g. vmaxmAb0 [9e-70, 1e53]: the interval says honestly that two GLC/LAC batches do not determine it).
        Assert.Equal(7, intervals.Count);
        Assert.All(intervals, kv => Assert.InRange(model.Parameters[model.IndexOfParameter(kv.Key)].Value, kv.Value.Lower, kv.Value.Upper));
    }

    [Fact]
    public async Task HostStoppedBeforeItsEventLoopJournaledTheReadings_BrokerRedeliversThemOnRestart_JournalCompleteOnce()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var model = BuiltInModels.Load("cho");
        await using var plantClient = Client(broker.Port, "ack-plant");
        await plantClient.StartAsync();
        var scheduler = new HistoricalScheduler(Start);
        SensorChannelOptions Ch(string c) => new() { Component = c, IntervalHours = 4, NoiseSd = 0.2 };
        using var reactor = new SimulatedReactor(new ReactorOptions { ReactorId = "ack", Model = model, Channels = [Ch("GLC"), Ch("LAC")], Seed = 3, Batches = 1, StepHours = 0.02 }, new MqttMessageBus(plantClient), scheduler);
        using var journal = new MeasurementJournal(Path.Combine(_dir, "journal.db"));
        TwinOptions Options() => new()
        {
            ReactorId = "ack",
            Model = model,
            Channels = [new TwinChannel("GLC", 0.2, 0, -2, 100), new TwinChannel("LAC", 0.2, 0, -2, 100)],
            Design = new DesignSpace(model, [("GLC", 18, 38)]),
            SafetyBounds = new Dictionary<string, (double, double)> { ["GLC"] = (18, 38) },
        };

        // First run: the host receives everything, but its event loop is stuck (as in a long refit) and the process
        // goes away before it journals anything.
        using var stuck = new ManualResetEventSlim();
        using var loop1 = new EventLoopScheduler();
        loop1.Schedule(() => stuck.Wait());
        var twin1 = Client(broker.Port, "ack-twin");
        await twin1.StartAsync();
        var engine1 = new ReactorPipeline(Options(), new MqttMessageBus(twin1), journal, loop1);
        long received = 0;
        using (twin1.Messages.Subscribe(m => Interlocked.Increment(ref received)))
        {
            engine1.Start();
            // Loopback connects take milliseconds; 20 s covers two failed attempts with backoff.
            await Eventually.WaitUntil(() => twin1.IsConnected && plantClient.IsConnected, TimeSpan.FromSeconds(20), () => "clients did not connect");
            reactor.Start();
            scheduler.AdvanceBy(TimeSpan.FromHours(24));
            int sent = reactor.ReadingsSent.Values.Sum();
            Assert.True(sent >= 12, $"only {sent} readings sent");
            // Fewer than 20 messages on loopback: delivered in milliseconds.
            await Eventually.WaitUntil(() => Interlocked.Read(ref received) >= sent + 1, TimeSpan.FromSeconds(20), () => $"host received {Interlocked.Read(ref received)} of {sent + 1}");
        }

        await twin1.DisposeAsync();
        engine1.Dispose();
        Assert.Equal(0, journal.Count("ack"));

        // Restart with the same client id: the broker still holds the unacknowledged messages and redelivers them.
        using var loop2 = new EventLoopScheduler();
        await using var twin2 = Client(broker.Port, "ack-twin");
        using var engine2 = new ReactorPipeline(Options(), new MqttMessageBus(twin2), journal, loop2);
        var rejections2 = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var watch2 = engine2.Events.Subscribe(e =>
        {
            if (e.Kind is "rejection" or "error")
            {
                rejections2.Enqueue(e.Detail);
            }
        });
        engine2.Start();
        await twin2.StartAsync();
        int total = reactor.ReadingsSent.Values.Sum();
        // Redelivery right after CONNACK, then one SQLite commit per reading: well under a second idle. The pipeline counts
        // a reading as accepted at its last stage, after the journal commit, so both are awaited (reading the counter as
        // soon as the journal was complete once saw 11 of 12 under load: the last reading was still on its way).
        await Eventually.WaitUntil(() => journal.Count("ack") == total && engine2.Accepted == total, TimeSpan.FromSeconds(30), () => $"journal {journal.Count("ack")} of {total}, accepted {engine2.Accepted}; rejected: {string.Join(" | ", rejections2)}; duplicates {engine2.Duplicates}");
        Assert.Equal((long)total, journal.Count("ack"));
        stuck.Set();
    }
}
