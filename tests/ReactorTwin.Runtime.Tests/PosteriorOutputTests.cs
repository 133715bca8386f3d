using System.Reactive.Concurrency;
using System.Text.Json;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Core.Models;
using ReactorTwin.Runtime.Contracts;
using ReactorTwin.Runtime.Pipeline;
using ReactorTwin.Simulator.Plant;

namespace ReactorTwin.Runtime.Tests;

/// <summary>What a scientist reads: MAP estimates with Laplace intervals and identifiability flags, and predictions
/// whose bands include the parameters' uncertainty from the first batch on, labelled as such.</summary>
public sealed class PosteriorOutputTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void AfterARefit_ParametersAreFlaggedAndPredictionsCarryTheParameterUncertainty()
    {
        var model = BuiltInModels.Load("cho");
        var scheduler = new HistoricalScheduler(Start);
        var bus = new InMemoryMessageBus();
        using var reactor = new SimulatedReactor(TwinFixtures.GlcLacPlant(model, 8, 2), bus, scheduler);
        using var pipeline = new ReactorPipeline(TwinFixtures.GlcLacTwin(model), bus);
        var forecasts = new List<(string Topic, PredictionPayload Payload)>();
        ParameterEstimatesPayload? parameters = null;
        using var f = bus.Subscribe("reactortwin/r1/+/twin/GLC/end").Subscribe(m => forecasts.Add((m.Topic, JsonSerializer.Deserialize(m.Payload.Span, ContractJson.Wire.PredictionPayload)!)));
        using var p = bus.Subscribe(Topics.Parameters("r1")).Subscribe(m => parameters ??= JsonSerializer.Deserialize(m.Payload.Span, ContractJson.Wire.ParameterEstimatesPayload));
        pipeline.Start();
        reactor.Start();
        scheduler.AdvanceBy(TimeSpan.FromHours(73 + 24)); // batch 1 and its refit, then a day of batch 2

        // Batch 1: the online posterior starts from the priors, so the forecasts carry the parameters' uncertainty from
        // the batch's start on (wider than the intrinsic noise alone), and the label says so.
        var first = forecasts.Where(x => x.Topic.Contains("/b0001/", StringComparison.Ordinal)).Select(x => x.Payload).ToArray();
        Assert.NotEmpty(first);
        Assert.All(first, x => Assert.StartsWith("posterior predictive", x.Band, StringComparison.Ordinal));
        Assert.All(first, x => Assert.True(x.Sd > x.StateNoise.Sd && x.Hi95 > x.Lo95, $"sd {x.Sd} vs intrinsic {x.StateNoise.Sd}"));

        // After the refit: posterior predictive, wider than the intrinsic noise alone, and a reading's band wider still.
        var second = forecasts.Where(x => x.Topic.Contains("/b0002/", StringComparison.Ordinal)).Select(x => x.Payload).ToArray();
        Assert.NotEmpty(second);
        Assert.All(second, x => Assert.StartsWith("posterior predictive", x.Band, StringComparison.Ordinal));
        Assert.All(second, x => Assert.True(x.Sd > x.StateNoise.Sd, $"sd {x.Sd} vs intrinsic {x.StateNoise.Sd}"));
        Assert.All(second, x => Assert.True(x.Measurement.Sd > x.Sd && x.Lo95 >= 0 && x.Lo95 < x.Mean && x.Mean < x.Hi95));

        // The estimates: the posterior mode with Laplace intervals; mAb is not measured, so its rates are flagged.
        Assert.NotNull(parameters);
        Assert.Contains("MAP", parameters.Method, StringComparison.Ordinal);
        Assert.Equal(1, parameters.Batches);
        Assert.False(parameters.Parameters["vmaxmAb0"].Identified);
        Assert.Contains("not identified", parameters.Parameters["vmaxmAb0"].Note, StringComparison.Ordinal);
        Assert.False(parameters.Parameters["vmaxmAb1"].Identified);
        Assert.True(parameters.Parameters["vmaxg0"].Identified, parameters.Parameters["vmaxg0"].Note);
        foreach (var (name, e) in parameters.Parameters)
        {
            var bounds = model.Parameters[model.IndexOfParameter(name)];
            Assert.NotNull(e.Lo95);
            Assert.InRange(e.Value, e.Lo95!.Value, e.Hi95!.Value);
            Assert.True(e.Lo95 >= bounds.Lower * (1 - 1e-12) && e.Hi95 <= bounds.Upper * (1 + 1e-12), $"{name}: [{e.Lo95}, {e.Hi95}] outside its bounds");
        }
    }
}
