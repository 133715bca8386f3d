using Xunit.Abstractions;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Runtime.Tests;

/// <summary>
/// The twin against the plant's true (simulated) state, over seeds: (1) the band published with each reading's
/// filtered estimate covers the true hidden state at about its stated 95 %; (2) the proposed second batch teaches the
/// twin more than repeating the first batch's glucose: paired on the same seeds (same plant noise, same first batch),
/// the estimate after two batches predicts held-out batches better.
/// </summary>
public sealed class TwinAccuracyTests(ITestOutputHelper output)
{
    private const int Seeds = 32;

    [Fact]
    public void ProposedSecondBatch_AgainstTheFixedDesign_PairedOnSeeds_PredictsHeldOutBatchesBetter_AndFilterBandsCoverTheTruth()
    {
        var runs = new (TwinAccuracy.Run Designed, TwinAccuracy.Run Fixed)[Seeds];
        // 32 seeds × 2 designs × 2 batches: about 20 s on two cores.
        Parallel.For(0, Seeds, new ParallelOptions { MaxDegreeOfParallelism = 2 }, s =>
        {
            runs[s] = (TwinAccuracy.Simulate(100 + s, batches: 2, design: true), TwinAccuracy.Simulate(100 + s, batches: 2, design: false));
        });

        // (1) Every filtered estimate (GLC and LAC at every reading of both batches, both designs) against the truth.
        // The batch's known start (t = 0, a point mass) is left out. 95 % bands over ~1500 estimates, correlated within a
        // batch: 0.90–0.99 allows for that correlation and still fails a band that is too narrow (before the filter's
        // online steps were bounded and the bands censored at 0, 82.6 %) or too wide.
        var filtered = runs.SelectMany(r => r.Designed.Filtered.Concat(r.Fixed.Filtered)).Where(f => f.TimeHours > 0).ToArray();
        double coverage = filtered.Count(f => f.Covered) / (double)filtered.Length;
        string cells = string.Join(", ", filtered.GroupBy(f => (f.Batch, f.Component)).OrderBy(g => g.Key).Select(g => $"batch {g.Key.Batch} {g.Key.Component} {g.Count(f => f.Covered) / (double)g.Count():P1} of {g.Count()}"));
        output.WriteLine($"filter band coverage {coverage:P1} of {filtered.Length}: {cells}");
        Assert.True(filtered.Length >= 1500, $"{filtered.Length} filtered estimates (every reading of both batches should give two)");
        Assert.True(coverage is >= 0.90 and <= 0.99, $"the filter's 95 % band covered the true state in {coverage:P1} of {filtered.Length} ({cells})");

        // (2) The proposal differs from the fixed 28 mM, and the held-out error after two batches is lower with it.
        var model = BuiltInModels.Load("cho");
        var errors = runs.Select(r => (Designed: HeldOutError(model, r.Designed.Estimate), Fixed: HeldOutError(model, r.Fixed.Estimate))).ToArray();
        Assert.All(runs, r => Assert.InRange(r.Designed.ProposedGlucose[0], 18, 38));
        // Seeds whose proposal is the fixed 28 mM give the same second batch (a tie); on the others, measured on these 32
        // seeds: the proposal wins 20 of 29 (sign test p ≈ 0.03), mean gain 0.016 mM of a 0.32 mM error (paired t ≈ 1.6).
        // The bound (60 % of the seeds that differ, and a positive mean gain) keeps a margin of two seeds below that.
        var differing = errors.Where((e, i) => Math.Abs(runs[i].Designed.ProposedGlucose[0] - 28) > 0.5).ToArray();
        int wins = differing.Count(e => e.Designed < e.Fixed);
        double meanGain = errors.Average(e => e.Fixed - e.Designed);
        string table = string.Join("; ", errors.Select((e, i) => $"seed {100 + i}: designed {e.Designed:F3} ({runs[i].Designed.ProposedGlucose[0]:F1} mM) vs fixed {e.Fixed:F3}"));
        output.WriteLine($"designed better in {wins} of {differing.Length} differing seeds, mean gain {meanGain:F4} mM: {table}");
        Assert.True(differing.Length >= Seeds / 2 && 5 * wins >= 3 * differing.Length && meanGain > 0, $"designed better in {wins} of the {differing.Length} seeds whose proposal differs from 28 mM, mean gain {meanGain:F3} mM ({table})");
    }

    /// <summary>RMS error (mM) of the mean-ODE glucose and lactate under <paramref name="estimate"/> against the truth,
    /// every 6 h of three held-out 72 h batches starting at 18, 28 and 38 mM glucose.</summary>
    private static double HeldOutError(ReactionNetwork model, double[] estimate)
    {
        var truth = model.NominalParameters();
        var ode = new MeanOdeSimulator(model);
        double[] times = [.. Enumerable.Range(1, 12).Select(k => 6.0 * k)];
        int n = model.StateDimension, glc = model.IndexOfState("GLC"), lac = model.IndexOfState("LAC");
        double sum = 0;
        int count = 0;
        foreach (double g in new[] { 18.0, 28.0, 38.0 })
        {
            var z0 = model.DefaultInitialState();
            z0[glc] = g;
            var expected = new double[times.Length * n];
            var predicted = new double[times.Length * n];
            ode.Simulate(z0, truth, times, expected);
            ode.Simulate(z0, estimate, times, predicted);
            for (int k = 0; k < times.Length; k++)
            {
                foreach (int i in new[] { glc, lac })
                {
                    double d = predicted[(k * n) + i] - expected[(k * n) + i];
                    sum += d * d;
                    count++;
                }
            }
        }

        return Math.Sqrt(sum / count);
    }
}
