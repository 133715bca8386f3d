using System.Reactive.Concurrency;
using System.Text.Json;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Core.Models;
using ReactorTwin.Runtime.Contracts;
using ReactorTwin.Runtime.Ingest;
using ReactorTwin.Runtime.Pipeline;
using ReactorTwin.Runtime.Twin;
using ReactorTwin.Simulator.Plant;

namespace ReactorTwin.Runtime.Tests;

/// <summary>
/// A twin whose instrument reads an observable (OD600 = X/0.37) instead of a state: the readings are validated against
/// the observable's unit, filtered, and its predictions published in that unit. Checked against a second twin that
/// reads the biomass itself (X = 0.37·OD600, noise scaled alike): every published OD600 prediction, band and forecast
/// point must be that twin's X prediction divided by 0.37 (a linear observable: exact up to the filter's 1e−12
/// variance floor).
/// </summary>
public sealed class ObservableChannelTests
{
    private const double Yield = 0.37;
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    private const string Json = """
        {
          "name": "growth-od",
          "systemSize": 200,
          "species": [ { "name": "S", "unit": "g/L", "initial": 10 } ],
          "cellPhases": [ { "name": "X", "unit": "g/L", "initial": 0.3 } ],
          "parameters": [
            { "name": "mu", "value": 0.3, "lower": 0.01, "upper": 2 },
            { "name": "K", "value": 1.0, "lower": 0.01, "upper": 10, "estimate": false }
          ],
          "reactions": [ { "name": "uptake", "stoichiometry": { "S": -2, "X": 1 }, "rate": "mu*S/(K+S)*X" } ],
          "observables": [ { "name": "OD600", "formula": "X/0.37", "unit": "AU" } ]
        }
        """;

    private static DigitalTwin Twin(ReactionNetwork model, TwinChannel channel) => new(new TwinOptions
    {
        ReactorId = "r1",
        Model = model,
        Channels = [channel],
        OnlinePosterior = false,
        ForecastStepHours = 2,
    });

    [Fact]
    public void Predictions_of_an_observable_channel_are_the_state_predictions_mapped_through_it()
    {
        var model = ModelJson.Parse(Json, "growth-od.json");
        var byX = Twin(model, new TwinChannel("X", 0.02, 0, 0, 50));
        var byOd = Twin(model, new TwinChannel("OD600", 0.02 / Yield, 0, 0, 100));
        var outX = new List<TwinOutput>();
        var outOd = new List<TwinOutput>();
        var announcement = new BatchAnnouncement("b1", ContractCodec.FormatTime(Start), 8, new() { ["S"] = 10, ["X"] = 0.3 }, []);
        byX.BeginBatch(announcement, Start, outX);
        byOd.BeginBatch(announcement, Start, outOd);
        foreach (var (t, x) in new[] { (1.0, 0.39), (2.0, 0.52), (3.0, 0.69), (4.0, 0.95) })
        {
            byX.Absorb(new Measurement("b1", "X", Start.AddHours(t), t, x), predict: true, outX);
            byOd.Absorb(new Measurement("b1", "OD600", Start.AddHours(t), t, x / Yield), predict: true, outOd);
        }

        Assert.DoesNotContain(outOd, o => o is TwinError);
        var px = outX.OfType<PredictionOutput>().ToList();
        var pod = outOd.OfType<PredictionOutput>().ToList();
        Assert.Equal(8, pod.Count); // now and at the batch's end, after each of 4 readings
        Assert.Equal(px.Count, pod.Count);
        for (int k = 0; k < px.Count; k++)
        {
            var (a, b) = (px[k].Payload, pod[k].Payload);
            Assert.Equal("OD600", pod[k].Component);
            Assert.Equal("AU", b.Unit);
            Assert.Equal(a.HorizonHours, b.HorizonHours);
            foreach (var (x, od, what) in new[] { (a.Mean, b.Mean, "mean"), (a.Sd, b.Sd, "sd"), (a.Lo95, b.Lo95, "lo95"), (a.Hi95, b.Hi95, "hi95"), (a.StateNoise.Sd, b.StateNoise.Sd, "state sd"), (a.Measurement.Sd, b.Measurement.Sd, "reading sd") })
            {
                Assert.True(Math.Abs((x / Yield) - od) <= 1e-6 * Math.Max(1, Math.Abs(od)), $"prediction {k} {what}: OD600 {od:R} vs X/0.37 {x / Yield:R}");
            }
        }

        var fod = outOd.OfType<ForecastOutput>().Last().Payload.Components["OD600"];
        var fx = outX.OfType<ForecastOutput>().Last().Payload.Components["X"];
        Assert.Equal("AU", fod.Unit);
        Assert.Equal(fx.Points.Count, fod.Points.Count);
        Assert.All(fx.Points.Zip(fod.Points), p => Assert.True(Math.Abs((p.First.Mean / Yield) - p.Second.Mean) <= 1e-6 * p.Second.Mean));
        Assert.True(pod[^1].Payload.Mean > 0.95 / Yield, "the culture keeps growing to the batch's end");
    }

    [Fact]
    public void Readings_of_an_observable_are_validated_against_its_unit()
    {
        var model = ModelJson.Parse(Json, "growth-od.json");
        var v = new ReadingValidator(model, "r1", [new TwinChannel("OD600", 0.05, 0, 0, 100)]);
        v.BeginBatch("b1", Start, 8);
        static ReactorTwin.Adapters.Mqtt.MqttMessage Msg(string payload) => new("reactortwin/r1/b1/sensors/OD600", System.Text.Encoding.UTF8.GetBytes(payload));
        Assert.True(v.TryAccept(Msg("{\"value\":1.2,\"unit\":\"AU\",\"ts\":\"2026-03-02T09:00:00Z\"}"), out var m, out _));
        Assert.Equal(1.0, m!.TimeHours, 12);
        Assert.False(v.TryAccept(Msg("{\"value\":1.3,\"unit\":\"g/L\",\"ts\":\"2026-03-02T10:00:00Z\"}"), out _, out var r));
        Assert.Contains("unit: 'g/L' but OD600 is in AU", r!.Reason, StringComparison.Ordinal);
        var e = Assert.Throws<ArgumentException>(() => Twin(model, new TwinChannel("OD660", 0.05, 0, 0, 100)));
        Assert.Contains("channel 'OD660' is not a state component, observable or input of model 'growth-od'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_plant_read_by_its_OD_is_followed_by_the_twin_end_to_end()
    {
        // The simulated reactor's instrument reads OD600 = X/0.37 plus noise; the twin is given that channel only.
        var model = ModelJson.Parse(Json, "growth-od.json");
        var scheduler = new HistoricalScheduler(Start);
        var bus = new InMemoryMessageBus();
        using var reactor = new SimulatedReactor(new ReactorOptions
        {
            ReactorId = "r1",
            Model = model,
            TrueParameters = [0.4, 1.0],
            BatchHours = 8,
            Channels = [new SensorChannelOptions { Component = "OD600", IntervalHours = 0.5, NoiseSd = 0.02 }],
            Seed = 3,
            Batches = 2,
            StepHours = 0.01,
        }, bus, scheduler);
        using var pipeline = new ReactorPipeline(new TwinOptions { ReactorId = "r1", Model = model, Channels = [new TwinChannel("OD600", 0.02, 0, 0, 100)], ForecastStepHours = 2 }, bus);
        var predictions = new List<PredictionPayload>();
        var parameters = new List<ParameterEstimatesPayload>();
        var rejections = new List<string>();
        using var p = bus.Subscribe(Topics.PredictionsFilter("r1")).Subscribe(m =>
        {
            Assert.True(Topics.TryParsePrediction(m.Topic, "r1", out _, out string component, out _), m.Topic);
            Assert.Equal("OD600", component);
            predictions.Add(JsonSerializer.Deserialize(m.Payload.Span, ContractJson.Default.PredictionPayload)!);
        });
        using var q = bus.Subscribe(Topics.Parameters("r1")).Subscribe(m => parameters.Add(JsonSerializer.Deserialize(m.Payload.Span, ContractJson.Default.ParameterEstimatesPayload)!));
        using var r = bus.Subscribe(Topics.BatchErrorsFilter("r1")).Subscribe(m => rejections.Add(System.Text.Encoding.UTF8.GetString(m.Payload.Span)));
        using var e = bus.Subscribe(Topics.Errors("r1")).Subscribe(m => rejections.Add(System.Text.Encoding.UTF8.GetString(m.Payload.Span)));
        pipeline.Start();
        reactor.Start();
        scheduler.AdvanceBy(TimeSpan.FromHours(2 * 9.5));

        Assert.Empty(rejections);
        Assert.True(predictions.Count > 40, $"{predictions.Count} OD600 predictions");
        Assert.All(predictions, x => Assert.Equal("AU", x.Unit));
        Assert.All(predictions, x => Assert.True(double.IsFinite(x.Mean) && x.Lo95 <= x.Mean && x.Mean <= x.Hi95));
        Assert.NotEmpty(parameters); // batch 1's refit on the OD600 readings
        double mu = parameters[^1].Parameters["mu"].Value;
        Assert.True(Math.Abs(mu - 0.4) < 0.05, $"μ = {mu:G4} from OD600 readings (truth 0.4, model file 0.3)");
    }
}
