using System.Reactive.Concurrency;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Core.Models;
using ReactorTwin.Simulator.Plant;

namespace ReactorTwin.Simulator.Tests.Plant;

/// <summary>
/// The simulated reactor keeps the batch's clock for models that read it: a bolus at 5 h and a feed that grows with
/// t must act at the batch's times, not at times counted from each reading. Checked against the closed form of the
/// mean (a large system size, so the chemical Langevin path stays within a few tenths of a percent of it).
/// </summary>
public class PlantClockTests
{
    private static readonly DateTimeOffset Start = new(2026, 5, 4, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_time_event_and_a_time_dependent_feed_act_at_the_batch_times()
    {
        var model = ReactionNetwork.CreateBuilder("clocked")
            .WithSystemSize(1e6)
            .AddSpecies("S", "mM", 10)
            .AddParameter("k", 0.3, 0.01, 5)
            .AddReaction("use", new() { ["S"] = -1 }, "k*S")
            .AddReaction("feed", new() { ["P"] = 1 }, "0.5*t")
            .AddSpecies("P", "mM", 0)
            .AddEvent("bolus", [5.0], ("S", "S + 10"))
            .Build();
        var scheduler = new HistoricalScheduler(Start);
        using var reactor = new SimulatedReactor(new ReactorOptions
        {
            ReactorId = "r1",
            Model = model,
            BatchHours = 8,
            Channels = [new SensorChannelOptions { Component = "S", IntervalHours = 1 }, new SensorChannelOptions { Component = "P", IntervalHours = 1 }],
            Seed = 2,
            Batches = 1,
            StepHours = 0.005,
        }, new InMemoryMessageBus(), scheduler);
        var truth = new List<(double T, double S, double P)>();
        reactor.ReadingProduced += _ => truth.Add(((scheduler.Now - Start).TotalHours, reactor.TrueState[0], reactor.TrueState[1]));
        reactor.Start();
        scheduler.AdvanceBy(TimeSpan.FromHours(8.5));

        foreach (var (t, s, p) in truth)
        {
            double expectedS = (10 * Math.Exp(-0.3 * t)) + (t > 5 ? 10 * Math.Exp(-0.3 * (t - 5)) : 0); // an event at a reading time acts after that reading
            double expectedP = 0.25 * t * t; // ∫ 0.5 t dt
            Assert.True(Math.Abs(s - expectedS) <= 0.01 * expectedS, $"S at {t} h: {s:G5}, closed form {expectedS:G5}");
            Assert.True(Math.Abs(p - expectedP) <= 0.01 * expectedP, $"P at {t} h: {p:G5}, closed form {expectedP:G5}");
        }

        Assert.Equal(16, truth.Count);
    }
}
