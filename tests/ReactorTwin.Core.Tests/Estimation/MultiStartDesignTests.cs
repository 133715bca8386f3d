using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Tests.Estimation;

/// <summary>Space-filling starts, screening, parallel starts and progress of <see cref="MultiStartMle"/>.</summary>
public sealed class MultiStartDesignTests
{
    private static ParameterSpace Space(int parameters)
    {
        var b = ReactionNetwork.CreateBuilder("p").AddSpecies("A", "mM", 1);
        var rate = "A";
        for (int j = 0; j < parameters; j++)
        {
            b = b.AddParameter($"k{j}", 1.0, Math.Exp(-4), Math.Exp(4));
            rate += $"*k{j}";
        }

        return new ParameterSpace(b.AddReaction("r", new() { ["A"] = -1 }, rate).Build());
    }

    [Fact]
    public void LatinHypercube_EveryStratumOfEveryCoordinateHoldsOneStart()
    {
        var lower = new[] { -4.0, -1.0, 0.0 };
        var upper = new[] { 4.0, 1.0, 10.0 };
        var points = StartPoints.Draw(StartDesign.LatinHypercube, 16, lower, upper, new Random(3));
        for (int j = 0; j < 3; j++)
        {
            var strata = points.Select(p => (int)Math.Floor((p[j] - lower[j]) / (upper[j] - lower[j]) * 16)).OrderBy(s => s).ToArray();
            Assert.Equal(Enumerable.Range(0, 16), strata);
        }

        // Seeded: the same seed gives the same design.
        var again = StartPoints.Draw(StartDesign.LatinHypercube, 16, lower, upper, new Random(3));
        Assert.Equal(points.SelectMany(p => p), again.SelectMany(p => p));
    }

    [Fact]
    public void Screening_StartInAPoorBasin_IsAbandonedAndCountedAsSuch()
    {
        // Two peaks in u: height 0 at u = (2, 2) and about −200 at u = (−2.5, −2.5).
        var space = Space(2);
        var fit = MultiStartMle.Fit(new TwoBasins(2), space, new MultiStartMleOptions { Starts = 12, Seed = 5, ScreeningIterations = 5 });
        Assert.Equal(2.0, fit.Optimum[0], 1e-4);
        Assert.Equal(2.0, fit.Optimum[1], 1e-4);
        var abandoned = fit.AbandonedStarts.ToArray();
        Assert.NotEmpty(abandoned);
        Assert.All(abandoned, s => Assert.True(s.Start[0] < 0, $"a start in the good basin was abandoned: {string.Join(", ", s.Start)}"));
        Assert.All(abandoned, s => Assert.StartsWith("abandoned after 5 screening iterations", s.Exit, StringComparison.Ordinal));
        Assert.DoesNotContain(abandoned, s => fit.FailedStarts.Contains(s));
        Assert.All(abandoned, s => Assert.Equal(5, s.Iterations)); // they stopped at the screening
        Assert.Contains($"{abandoned.Length} abandoned as clearly losing", fit.Summary, StringComparison.Ordinal);

        // Without screening the same starts run on and converge to the poor peak; the best value is the same.
        var full = MultiStartMle.Fit(new TwoBasins(2), space, new MultiStartMleOptions { Starts = 12, Seed = 5, ScreeningIterations = 0 });
        Assert.Empty(full.AbandonedStarts);
        Assert.Equal(fit.LogLikelihood, full.LogLikelihood, 1e-9);
        Assert.All(abandoned, s => Assert.InRange(full.Starts.Single(f => f.Start.SequenceEqual(s.Start)).LogLikelihood, -201, -199));
    }

    [Fact]
    public void ParallelStarts_GiveTheSameResultAsSequentialOnes()
    {
        var space = Space(3);
        MleResult Run(int threads) => MultiStartMle.Fit(() => new TwoBasins(3), space, new MultiStartMleOptions { Starts = 9, Seed = 2, MaxParallelism = threads });
        var one = Run(1);
        var four = Run(4);
        Assert.Equal(one.BestStart, four.BestStart);
        Assert.Equal(one.Optimum, four.Optimum);
        Assert.Equal(one.Evaluations, four.Evaluations);
        Assert.Equal(one.Starts.Select(s => (s.Exit, s.LogLikelihood, s.Iterations)), four.Starts.Select(s => (s.Exit, s.LogLikelihood, s.Iterations)));
    }

    [Fact]
    public void StartTimeBudget_EndsEachStartAtItsBestPoint()
    {
        // Each evaluation reads the clock once and advances it 1 s: a start gets about 4 evaluations, far from enough
        // to follow the Rosenbrock valley.
        var clock = new TestDensities.SteppingClock(TimeSpan.FromSeconds(1));
        var fit = MultiStartMle.Fit(new TestDensities.Rosenbrock(), Space(2), new MultiStartMleOptions { Starts = 3, StartTimeBudget = TimeSpan.FromSeconds(4), ScreeningIterations = 0 }, clock);
        Assert.All(fit.Starts, s => Assert.StartsWith("start time budget (4 s)", s.Exit, StringComparison.Ordinal));
        Assert.All(fit.Starts, s => Assert.InRange(s.Evaluations, 1, 4));
        Assert.True(fit.Partial);
    }

    [Fact]
    public void Progress_ReportsEveryStartFinishedAndNeverGoesBack()
    {
        var reports = new List<EstimationProgress>();
        var progress = new Inline(r => { lock (reports) { reports.Add(r); } });
        MultiStartMle.Fit(() => new TwoBasins(2), Space(2), new MultiStartMleOptions { Starts = 6, Seed = 1, MaxParallelism = 2, Progress = progress });
        Assert.NotEmpty(reports);
        Assert.All(reports, r => Assert.Equal(6, r.Total));
        Assert.Equal(6, reports.Max(r => r.Done));
        Assert.Contains("best log-likelihood", reports[^1].Detail, StringComparison.Ordinal);
    }

    /// <summary>log(e^a + e^b) with a = −10 |u − (2,…)|² (the good peak, height 0) and b = −200 − |u + (2.5,…)|²
    /// (a poor peak, height −200), computed stably.</summary>
    private sealed class TwoBasins(int dimension) : ILogDensity
    {
        public int Dimension => dimension;

        public double Evaluate(ReadOnlySpan<double> u, Span<double> gradient)
        {
            int d = u.Length;
            double a = 0, b = 0;
            for (int j = 0; j < d; j++)
            {
                a -= 10 * (u[j] - 2) * (u[j] - 2);
                b -= (u[j] + 2.5) * (u[j] + 2.5);
            }

            b -= 200;
            double m = Math.Max(a, b);
            double wa = Math.Exp(a - m), wb = Math.Exp(b - m);
            for (int j = 0; j < d; j++)
            {
                gradient[j] = ((wa * -20 * (u[j] - 2)) + (wb * -2 * (u[j] + 2.5))) / (wa + wb);
            }

            return m + Math.Log(wa + wb);
        }
    }

    private sealed class Inline(Action<EstimationProgress> report) : IProgress<EstimationProgress>
    {
        public void Report(EstimationProgress value) => report(value);
    }
}
