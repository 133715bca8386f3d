using System.Reactive.Concurrency;
using System.Text;
using System.Text.Json;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Simulation;
using ReactorTwin.Simulator.Plant;

namespace ReactorTwin.Simulator.Tests.Plant;

public class SimulatedReactorTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);

    private static ReactorOptions Options(int seed, params SensorChannelOptions[] channels) => new()
    {
        ReactorId = "r1",
        Model = BuiltInModels.Load("cho"),
        Channels = channels,
        InitialSetpoints = new Dictionary<string, double> { ["GLC"] = 28 },
        Seed = seed,
        StepHours = 0.02,
    };

    [Fact]
    public void Batch_PublishesAnnouncementAndReadingsOnSchedule()
    {
        var scheduler = new HistoricalScheduler(Start);
        var bus = new InMemoryMessageBus();
        var readings = new List<(string Topic, JsonElement Payload)>();
        using var sub = bus.Subscribe("reactortwin/r1/+/sensors/+").Subscribe(m => readings.Add((m.Topic, JsonDocument.Parse(m.Payload).RootElement.Clone())));
        using var reactor = new SimulatedReactor(Options(1, new SensorChannelOptions { Component = "GLC", IntervalHours = 2 }, new SensorChannelOptions { Component = "mAb", IntervalHours = 12 }), bus, scheduler);
        reactor.Start();
        scheduler.AdvanceBy(TimeSpan.FromHours(71.9));
        Assert.Equal(35, readings.Count(r => r.Topic.EndsWith("/GLC", StringComparison.Ordinal)));
        scheduler.AdvanceBy(TimeSpan.FromHours(0.1));
        Assert.Equal(36, readings.Count(r => r.Topic.EndsWith("/GLC", StringComparison.Ordinal)));
        Assert.Equal(6, readings.Count(r => r.Topic.EndsWith("/mAb", StringComparison.Ordinal)));
        var first = readings[0].Payload;
        Assert.Equal("mM", first.GetProperty("unit").GetString());
        Assert.Equal(Start.AddHours(2), DateTimeOffset.Parse(first.GetProperty("ts").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(36, reactor.ReadingsSent["GLC"]);

        MqttMessage? announcement = null;
        using (bus.Subscribe("reactortwin/r1/+/batch").Subscribe(m => announcement = m))
        {
            Assert.NotNull(announcement);
            Assert.True(announcement!.Retain);
            var a = JsonDocument.Parse(announcement.Payload).RootElement;
            Assert.Equal("b0001", a.GetProperty("batch").GetString());
            Assert.Equal(28, a.GetProperty("initial").GetProperty("GLC").GetDouble());
        }
    }

    [Fact]
    public async Task SetpointCommand_AppliesToTheNextBatch_AndBadOnesAreRefusedWholeAndReported()
    {
        var scheduler = new HistoricalScheduler(Start);
        var bus = new InMemoryMessageBus();
        var errors = new List<string>();
        using var e = bus.Subscribe("reactortwin/r1/errors").Subscribe(m => errors.Add(Encoding.UTF8.GetString(m.Payload.Span)));
        var options = Options(1, new SensorChannelOptions { Component = "GLC", IntervalHours = 6 }) with { SafetyBounds = new Dictionary<string, (double, double)> { ["GLC"] = (18, 38) } };
        using var reactor = new SimulatedReactor(options, bus, scheduler);
        reactor.Start();
        scheduler.AdvanceBy(TimeSpan.FromHours(10));
        Task Send(string json) => bus.PublishAsync(new MqttMessage("reactortwin/r1/control/batch/set", Encoding.UTF8.GetBytes(json)));
        await Send("{\"GLC\": 35.5, \"sugar\": 3}"); // refused whole: no half-applied recipe
        await Send("{\"GLC\": 500}");                 // outside the actuator's safety bounds, whoever sent it
        await Send("{\"GLC\": 30}");
        scheduler.AdvanceBy(TimeSpan.FromHours(63));
        Assert.Equal("b0002", reactor.CurrentBatch);
        Assert.Equal(30, reactor.TrueState[0]);
        Assert.Equal(2, errors.Count);
        Assert.Contains("'sugar' is not a state component", errors[0], StringComparison.Ordinal);
        Assert.Contains("GLC = 500 is outside the safety bounds [18, 38]", errors[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, 1.0)]
    [InlineData("vmaxg0", 2.0)]
    public void Plant_MeanGlucoseFollowsTheMeanOdeAtItsTrueParameters(string? parameter, double factor)
    {
        // Chemical Langevin plant against the mean ODE at 24 h over 40 seeds: within 4 standard errors plus 1 %, at
        // the model's parameters and at configured true parameters (`reactortwin simulator --params`).
        var model = BuiltInModels.Load("cho");
        var theta = model.NominalParameters();
        if (parameter is not null)
        {
            theta[model.IndexOfParameter(parameter)] *= factor;
        }

        var ode = new double[model.StateDimension];
        var nominal = new double[model.StateDimension];
        var z0 = model.DefaultInitialState();
        new MeanOdeSimulator(model).Simulate(z0, theta, [24.0], ode);
        new MeanOdeSimulator(model).Simulate(z0, model.NominalParameters(), [24.0], nominal);
        if (parameter is not null)
        {
            Assert.True(Math.Abs(ode[0] - nominal[0]) > 0.1 * nominal[0], "the changed parameter must matter for the check to mean something");
        }

        var values = new List<double>();
        for (int seed = 1; seed <= 40; seed++)
        {
            var scheduler = new HistoricalScheduler(Start);
            var bus = new InMemoryMessageBus();
            double? at24 = null;
            using var sub = bus.Subscribe("reactortwin/r1/+/sensors/GLC").Subscribe(m =>
            {
                var p = JsonDocument.Parse(m.Payload).RootElement;
                if (DateTimeOffset.Parse(p.GetProperty("ts").GetString()!, System.Globalization.CultureInfo.InvariantCulture) == Start.AddHours(24))
                {
                    at24 = p.GetProperty("value").GetDouble();
                }
            });
            using var reactor = new SimulatedReactor(Options(seed, new SensorChannelOptions { Component = "GLC", IntervalHours = 24 }) with { TrueParameters = theta }, bus, scheduler);
            reactor.Start();
            scheduler.AdvanceBy(TimeSpan.FromHours(24.5));
            values.Add(at24!.Value);
        }

        double mean = values.Average();
        double se = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1) / values.Count);
        Assert.True(Math.Abs(mean - ode[0]) <= (4 * se) + (0.01 * ode[0]), $"plant mean {mean:G5} ± {se:G2}, ODE {ode[0]:G5}");
    }

    [Fact]
    public void Faults_ProduceDuplicatesGarbageAndDropouts()
    {
        var scheduler = new HistoricalScheduler(Start);
        var bus = new InMemoryMessageBus();
        var payloads = new List<string>();
        using var sub = bus.Subscribe("reactortwin/r1/+/sensors/GLC").Subscribe(m => payloads.Add(Encoding.UTF8.GetString(m.Payload.Span)));
        var faulty = new SensorChannelOptions { Component = "GLC", IntervalHours = 0.25, DuplicateProbability = 0.1, GarbageProbability = 0.1, DropoutProbability = 0.1, OutOfOrderProbability = 0.1 };
        using var reactor = new SimulatedReactor(Options(3, faulty), bus, scheduler);
        reactor.Start();
        scheduler.AdvanceBy(TimeSpan.FromHours(72));
        int slots = 288;
        int garbage = payloads.Count(p => !p.Contains("\"ts\"", StringComparison.Ordinal) || p.Contains("NaN", StringComparison.Ordinal) || p.Contains("-1e9", StringComparison.Ordinal) || p.Contains("-1E+09", StringComparison.Ordinal));
        int duplicates = payloads.Count - payloads.Distinct().Count();
        Assert.InRange(garbage, 10, 50);
        Assert.InRange(duplicates, 10, 50);
        Assert.True(reactor.ReadingsSent["GLC"] < slots, "dropouts and garbage must reduce the well-formed count");
        Assert.InRange(reactor.ReadingsSent["GLC"], 180, 250);
    }

    [Fact]
    public void SsaPlant_ImmigrationDeath_ReadingsAreWholeMoleculesWithThePoissonMeanAndVariance()
    {
        // ∅ → A at k = 1 mM/h, A → ∅ at g = 0.5 /h, Ω = 100: stationary A ~ Poisson(k Ω / g) / Ω, mean 2 mM,
        // variance k / (g Ω) = 0.02 mM². Noise-free sensor every 4 h (lag correlation e^{−2} ≈ 0.14), 20 seeds.
        var model = ReactionNetwork.CreateBuilder("immigration-death").WithSystemSize(100)
            .AddSpecies("A", "mM", 2).AddParameter("k", 1, 0.01, 100).AddParameter("g", 0.5, 0.005, 50)
            .AddReaction("immigration", new() { ["A"] = 1 }, "k").AddReaction("death", new() { ["A"] = -1 }, "g*A").Build();
        var values = new List<double>();
        for (int seed = 1; seed <= 20; seed++)
        {
            var scheduler = new HistoricalScheduler(Start);
            var bus = new InMemoryMessageBus();
            using var sub = bus.Subscribe("reactortwin/r1/+/sensors/A").Subscribe(m => values.Add(JsonDocument.Parse(m.Payload).RootElement.GetProperty("value").GetDouble()));
            using var reactor = new SimulatedReactor(new ReactorOptions { ReactorId = "r1", Model = model, Channels = [new SensorChannelOptions { Component = "A", IntervalHours = 4 }], Seed = seed, Batches = 1, Method = PlantMethod.Ssa }, bus, scheduler);
            reactor.Start();
            scheduler.AdvanceBy(TimeSpan.FromHours(72));
        }

        Assert.Equal(20 * 18, values.Count);
        Assert.All(values, v => Assert.Equal(Math.Round(v * 100), v * 100, 1e-6)); // whole molecules: the SSA, not the CLE
        double mean = values.Average();
        double variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1);
        double se = Math.Sqrt(0.02 / values.Count * 1.33); // inflated for the lag-4 h correlation (1 + 2·0.14)
        Assert.True(Math.Abs(mean - 2.0) <= 4 * se, $"mean {mean:G4}, expected 2 ± {se:G2}");
        Assert.InRange(variance, 0.02 * 0.75, 0.02 * 1.25); // 360 draws: SE of a variance ≈ √(2/n) ≈ 7.5 %, widened for correlation
    }
}
