using System.Reactive.Concurrency;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Core.Design;
using ReactorTwin.Core.Models;
using ReactorTwin.Runtime.Contracts;
using ReactorTwin.Runtime.Pipeline;
using ReactorTwin.Runtime.Twin;
using ReactorTwin.Simulator.Plant;

namespace ReactorTwin.Runtime.Tests;

/// <summary>The twin beside a simulated plant whose true state is known: what the accuracy tests measure.</summary>
internal static class TwinAccuracy
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);

    /// <summary>The guess of the twin: the true estimated parameters times these factors (as the demo's).</summary>
    private static readonly double[] GuessFactors = [1.6, 0.6, 1.8, 0.8, 1.5, 1.5, 0.6];

    /// <summary>One filtered estimate of a measured component at a reading, beside the plant's true state then.</summary>
    public sealed record Filtered(int Batch, double TimeHours, string Component, double Truth, double Mean, double Lo95, double Hi95)
    {
        public bool Covered => Truth >= Lo95 && Truth <= Hi95;
    }

    /// <summary>What a run produced: every filtered estimate beside the truth, the proposals, the final estimate.</summary>
    public sealed record Run(IReadOnlyList<Filtered> Filtered, IReadOnlyList<double> ProposedGlucose, double[] Estimate);

    /// <summary>Runs <paramref name="batches"/> batches of the CHO plant (seed <paramref name="seed"/>) with GLC and LAC
    /// read every 6 h, the twin starting from the guess with priors centred on it. With <paramref name="design"/> the twin
    /// proposes each next initial glucose (D-optimal in [18, 38] mM) and the plant applies it; otherwise the plant stays
    /// at <paramref name="fixedGlucose"/> mM.</summary>
    public static Run Simulate(int seed, int batches, bool design, double fixedGlucose = 28)
    {
        var model = BuiltInModels.Load("cho");
        var truth = model.NominalParameters();
        var guess = (double[])truth.Clone();
        var estimated = Enumerable.Range(0, model.Parameters.Count).Where(k => model.Parameters[k].Estimate).ToArray();
        for (int j = 0; j < estimated.Length; j++)
        {
            guess[estimated[j]] *= GuessFactors[j];
        }

        var scheduler = new HistoricalScheduler(Start);
        var bus = new InMemoryMessageBus();
        var plantOptions = TwinFixtures.GlcLacPlant(model, seed, batches) with { InitialSetpoints = new Dictionary<string, double> { ["GLC"] = fixedGlucose } };
        using var reactor = new SimulatedReactor(plantOptions, bus, scheduler);
        var options = TwinFixtures.GlcLacTwin(model, design: design) with
        {
            InitialParameters = guess,
            Priors = estimated.ToDictionary(k => model.Parameters[k].Name, k => PriorSpec.LogNormal(guess[k], 1.7)),
            Seed = seed,
            SafetyBounds = new Dictionary<string, (double, double)> { ["GLC"] = (18, 38) },
        };
        using var pipeline = new ReactorPipeline(options, bus);
        var filtered = new List<Filtered>();
        var proposals = new List<double>();
        pipeline.Events.Subscribe(e =>
        {
            if (e.Kind == "prediction")
            {
                // Raised while the plant emits the reading (the bus delivers synchronously): its true state is the
                // state at that time.
                int i = model.IndexOfState(e.Component);
                filtered.Add(new Filtered(int.Parse(e.Batch[1..], System.Globalization.CultureInfo.InvariantCulture), e.TimeHours, e.Component, reactor.TrueState[i], e.Value, e.Lower, e.Upper));
            }
            else if (e.Kind == "proposal")
            {
                proposals.Add(e.Value);
            }
        });
        pipeline.Start();
        reactor.Start();
        for (int b = 0; b < batches; b++)
        {
            scheduler.AdvanceBy(TimeSpan.FromHours(73));
        }

        pipeline.CompleteRunningBatch();
        return new Run(filtered, proposals, pipeline.Estimate);
    }
}
