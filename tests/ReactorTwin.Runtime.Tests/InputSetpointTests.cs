using System.Reactive.Concurrency;
using System.Text.Json;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Core.Models;
using ReactorTwin.Runtime.Contracts;
using ReactorTwin.Runtime.Pipeline;
using ReactorTwin.Runtime.Twin;
using ReactorTwin.Simulator.Plant;

namespace ReactorTwin.Runtime.Tests;

/// <summary>
/// Model inputs set by the runtime's setpoints, end to end: a fed culture (S fed at rate F, consumed at k·S) whose feed
/// rate is a batch setpoint. The simulated reactor feeds at the announced rate (and its pump reports the rate it runs
/// at, a reading on the input's channel); the twin takes the announced rate as the input from the batch's start, and
/// its refit estimates k from readings of S under that feed. A twin that ignored the feed would have to explain a
/// rising S by a tiny or negative consumption; this one finds k.
/// </summary>
public sealed class InputSetpointTests
{
    private static readonly DateTimeOffset Start = new(2026, 4, 6, 8, 0, 0, TimeSpan.Zero);

    private const string Json = """
        {
          "name": "fed",
          "systemSize": 400,
          "species": [ { "name": "S", "unit": "mM", "initial": 1 } ],
          "parameters": [ { "name": "k", "value": 0.2, "lower": 0.01, "upper": 5 } ],
          "inputs": [ { "name": "F", "unit": "mM/h", "value": 0 } ],
          "reactions": [
            { "name": "feed", "stoichiometry": { "S": 1 }, "rate": "F", "deterministic": true },
            { "name": "use", "stoichiometry": { "S": -1 }, "rate": "k*S" }
          ]
        }
        """;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_feed_rate_set_as_a_batch_setpoint_drives_the_plant_and_the_twin(bool pumpReports)
    {
        var model = ModelJson.Parse(Json, "fed.json");
        var scheduler = new HistoricalScheduler(Start);
        var bus = new InMemoryMessageBus();
        SensorChannelOptions[] plantChannels = pumpReports
            ? [new() { Component = "S", IntervalHours = 0.5, NoiseSd = 0.05 }, new() { Component = "F", IntervalHours = 2 }]
            : [new() { Component = "S", IntervalHours = 0.5, NoiseSd = 0.05 }];
        TwinChannel[] twinChannels = pumpReports
            ? [new TwinChannel("S", 0.05, 0, 0, 100), new TwinChannel("F", 0.01, 0, 0, 100)]
            : [new TwinChannel("S", 0.05, 0, 0, 100)];
        using var reactor = new SimulatedReactor(new ReactorOptions
        {
            ReactorId = "r1",
            Model = model,
            TrueParameters = [0.5],
            BatchHours = 10,
            InitialSetpoints = new Dictionary<string, double> { ["F"] = 3.0 },
            Channels = plantChannels,
            Seed = 5,
            Batches = 1,
            StepHours = 0.01,
        }, bus, scheduler);
        using var pipeline = new ReactorPipeline(new TwinOptions { ReactorId = "r1", Model = model, Channels = twinChannels, OnlinePosterior = false }, bus);
        var parameters = new List<ParameterEstimatesPayload>();
        var errors = new List<string>();
        var predictions = new List<PredictionPayload>();
        using var q = bus.Subscribe(Topics.Parameters("r1")).Subscribe(m => parameters.Add(JsonSerializer.Deserialize(m.Payload.Span, ContractJson.Default.ParameterEstimatesPayload)!));
        using var e1 = bus.Subscribe(Topics.BatchErrorsFilter("r1")).Subscribe(m => errors.Add(System.Text.Encoding.UTF8.GetString(m.Payload.Span)));
        using var e2 = bus.Subscribe(Topics.Errors("r1")).Subscribe(m => errors.Add(System.Text.Encoding.UTF8.GetString(m.Payload.Span)));
        using var p = bus.Subscribe(Topics.PredictionsFilter("r1")).Subscribe(m => predictions.Add(JsonSerializer.Deserialize(m.Payload.Span, ContractJson.Default.PredictionPayload)!));
        pipeline.Start();
        reactor.Start();
        scheduler.AdvanceBy(TimeSpan.FromHours(12));

        Assert.Empty(errors);
        Assert.True(reactor.TrueState[0] > 4, $"the plant was fed: S = {reactor.TrueState[0]:G4} (steady state F/k = 6 mM)");
        Assert.NotEmpty(parameters);
        double k = parameters[^1].Parameters["k"].Value;
        Assert.True(Math.Abs(k - 0.5) < 0.05, $"k = {k:G4} (truth 0.5)");
        Assert.All(predictions, x => Assert.Equal("mM", x.Unit)); // S only: an input channel is set, not predicted
    }
}
