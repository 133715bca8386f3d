using System.Reactive.Concurrency;
using System.Text.Json;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Core.Models;
using ReactorTwin.Runtime.Contracts;
using ReactorTwin.Runtime.Pipeline;
using ReactorTwin.Runtime.Twin;
using ReactorTwin.Simulator.Plant;

namespace ReactorTwin.Runtime.Tests;

/// <summary>The forecast from the latest measurement to the batch's end: on its grid, consistent with the "now" and
/// "end" predictions published beside it, its bands labelled as they are.</summary>
public sealed class ForecastTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(6.0, 72.0, 6.0, new[] { 6.0, 12, 18, 24, 30, 36, 42, 48, 54, 60, 66, 72 })]
    [InlineData(4.5, 20.0, 6.0, new[] { 4.5, 6, 12, 18, 20 })]
    [InlineData(5.99, 13.0, 6.0, new[] { 5.99, 12, 13 })] // 6 is within a hundredth of a step of now: not repeated
    [InlineData(3.0, 12.03, 6.0, new[] { 3.0, 6, 12.03 })] // 12 is within a hundredth of a step of the end
    [InlineData(3.0, 72.0, 0.0, new[] { 3.0, 72 })]
    [InlineData(80.0, 72.0, 6.0, new[] { 80.0 })] // a reading after the planned end: now only
    public void Horizons_Grid_NowMultiplesOfTheStepAndTheEnd(double now, double end, double step, double[] expected) =>
        Assert.Equal(expected, ForecastGrid.Horizons(now, end, step));

    [Fact]
    public void Pipeline_WithAForecastStep_PublishesAForecastThatStartsAtNowAndEndsAtTheEndPrediction()
    {
        using var rig = new ChoRig(batches: 2, twin => twin with { ForecastStepHours = 6 });
        var bus = rig.Bus;
        // Every forecast with the GLC predictions published just before it (by the same reading).
        var forecasts = new List<(ForecastPayload Forecast, PredictionPayload Now, PredictionPayload End)>();
        PredictionPayload? now = null, end = null;
        using var p = bus.Subscribe(Topics.PredictionsFilter("r1")).Subscribe(m =>
        {
            Assert.True(Topics.TryParsePrediction(m.Topic, "r1", out _, out string component, out bool atEnd), m.Topic);
            if (component == "GLC")
            {
                var payload = JsonSerializer.Deserialize(m.Payload.Span, ContractJson.Default.PredictionPayload)!;
                (now, end) = atEnd ? (now, payload) : (payload, end);
            }
        });
        using var f = bus.Subscribe(Topics.ForecastFilter("r1")).Subscribe(m => forecasts.Add((JsonSerializer.Deserialize(m.Payload.Span, ContractJson.Default.ForecastPayload)!, now!, end!)));
        rig.Run(TimeSpan.FromHours(73 + 24)); // batch 1 and its refit, then a day of batch 2

        Assert.NotEmpty(forecasts);
        foreach (var (fc, first, last) in forecasts)
        {
            Assert.Equal(72, fc.EndHours);
            Assert.Equal(["GLC", "LAC"], fc.Components.Keys.Order());
            foreach (var (component, series) in fc.Components)
            {
                var times = series.Points.Select(x => x.HorizonHours).ToArray();
                Assert.Equal(ForecastGrid.Horizons(fc.FromHours, 72, 6), times);
                Assert.Equal("mM", series.Unit);
                Assert.All(series.Points, x => Assert.True(x.Lo95 >= 0 && x.Lo95 <= x.Mean && x.Mean <= x.Hi95, $"{component} at {x.HorizonHours} h: {x.Lo95} ≤ {x.Mean} ≤ {x.Hi95}"));
            }

            // The forecast's ends are the predictions published with it ("now" at the reading, and the batch's end).
            var glc = fc.Components["GLC"].Points;
            Assert.Equal(fc.FromHours, first.HorizonHours);
            Assert.Equal(first.Mean, glc[0].Mean);
            Assert.Equal(first.Hi95, glc[0].Hi95);
            Assert.Equal(72, last.HorizonHours);
            Assert.Equal(last.Mean, glc[^1].Mean);
            Assert.Equal(last.Lo95, glc[^1].Lo95);
            Assert.Equal(last.StateNoise, glc[^1].StateNoise);
        }

        // Every forecast carries the posterior predictive band (in batch 1 from the online posterior, which starts at the
        // prior), wider than the intrinsic-noise band beside it once the culture has run.
        var b1 = forecasts.Select(x => x.Forecast).Where(x => x.Batch == "b0001").ToArray();
        var b2 = forecasts.Select(x => x.Forecast).Where(x => x.Batch == "b0002").ToArray();
        Assert.NotEmpty(b1);
        Assert.NotEmpty(b2);
        Assert.All(b1, x => Assert.Equal(BandLabels.Posterior, x.Band));
        Assert.All(b2, x => Assert.Equal(BandLabels.Posterior, x.Band));
        Assert.All(b1.Concat(b2).SelectMany(x => x.Components["GLC"].Points.Skip(1)), x => Assert.True(x.Hi95 - x.Lo95 > x.StateNoise.Hi95 - x.StateNoise.Lo95, $"at {x.HorizonHours} h"));
    }

    [Fact]
    public void Pipeline_WithoutAForecastStep_PublishesNoForecast()
    {
        using var rig = new ChoRig(batches: 1, twin => twin);
        int forecasts = 0, predictions = 0;
        using var f = rig.Bus.Subscribe(Topics.ForecastFilter("r1")).Subscribe(_ => forecasts++);
        using var p = rig.Bus.Subscribe(Topics.PredictionsFilter("r1")).Subscribe(_ => predictions++);
        rig.Run(TimeSpan.FromHours(24));
        Assert.True(predictions > 0);
        Assert.Equal(0, forecasts);
    }

    /// <summary>The CHO plant (GLC and LAC measured) and its twin on an in-memory bus, in virtual time.</summary>
    private sealed class ChoRig : IDisposable
    {
        private readonly HistoricalScheduler _scheduler = new(Start);
        private readonly SimulatedReactor _reactor;
        private readonly ReactorPipeline _pipeline;

        public ChoRig(int batches, Func<TwinOptions, TwinOptions> twin)
        {
            var model = BuiltInModels.Load("cho");
            _reactor = new SimulatedReactor(TwinFixtures.GlcLacPlant(model, 8, batches), Bus, _scheduler);
            _pipeline = new ReactorPipeline(twin(TwinFixtures.GlcLacTwin(model)), Bus);
        }

        public InMemoryMessageBus Bus { get; } = new();

        /// <summary>Starts the twin, then the plant, and advances virtual time by <paramref name="time"/>.</summary>
        public void Run(TimeSpan time)
        {
            _pipeline.Start();
            _reactor.Start();
            _scheduler.AdvanceBy(time);
        }

        public void Dispose()
        {
            _pipeline.Dispose();
            _reactor.Dispose();
        }
    }
}
