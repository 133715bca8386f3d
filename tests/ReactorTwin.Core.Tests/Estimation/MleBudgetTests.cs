using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Tests.Estimation;

/// <summary>An MLE stopped early (iteration limit, time budget, cancellation) reports the best point it evaluated.</summary>
public sealed class MleBudgetTests
{
    /// <summary>Two positive parameters with wide bounds (u = log θ ∈ [−5, 5]), starting at u = (−1.2, 1).</summary>
    private static ParameterSpace Space()
    {
        var model = ReactionNetwork.CreateBuilder("r").AddSpecies("A", "mM", 1)
            .AddParameter("a", Math.Exp(-1.2), Math.Exp(-5), Math.Exp(5)).AddParameter("b", Math.E, Math.Exp(-5), Math.Exp(5))
            .AddReaction("r", new() { ["A"] = -1 }, "a*b*A").Build();
        return new ParameterSpace(model);
    }

    [Fact]
    public void Fit_IterationLimitReached_ReturnsTheBestEvaluatedPointMarkedPartial()
    {
        var density = new TestDensities.Rosenbrock();
        var space = Space();
        var result = MultiStartMle.Fit(density, space, new MultiStartMleOptions { Starts = 1, MaxIterations = 3 });
        Assert.True(result.Partial);
        Assert.False(result.Starts[0].Converged);
        Assert.StartsWith("iteration limit (3)", result.Exit, StringComparison.Ordinal);
        // The reported value is the density at the reported point, and no worse than the start.
        Assert.Equal(density.Evaluate(result.Optimum, new double[2]), result.LogLikelihood);
        Assert.True(result.LogLikelihood >= density.Evaluate(result.Starts[0].Start, new double[2]));
        Assert.True(result.LogLikelihood >= density.BestSeen - 1e-15, "not the best point the optimiser evaluated");
        // An honest summary: the start that did not converge is counted as such, never hidden behind "0 failed".
        Assert.Contains("not converged: iteration limit (3)", result.Summary, StringComparison.Ordinal);
        Assert.Contains("0 of 1 starts converged; 1 stopped before converging", result.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("0 failed", result.Summary, StringComparison.Ordinal);

        var full = MultiStartMle.Fit(density, space, new MultiStartMleOptions { Starts = 1, MaxIterations = 2000 });
        Assert.False(full.Partial);
        Assert.Equal(1.0, full.Optimum[0], 1e-4);
        Assert.Equal(1.0, full.Optimum[1], 1e-4);
    }

    [Fact]
    public void Fit_TimeBudgetRunsOut_StopsThereAndSkipsTheOtherStarts()
    {
        // A clock that advances 1 s each time it is read: the 20 s budget ends after about 20 evaluations.
        var clock = new TestDensities.SteppingClock(TimeSpan.FromSeconds(1));
        var density = new TestDensities.Rosenbrock();
        var result = MultiStartMle.Fit(density, Space(), new MultiStartMleOptions { Starts = 3, TimeBudget = TimeSpan.FromSeconds(20) }, clock);
        Assert.True(result.Partial);
        Assert.StartsWith("time budget (20 s)", result.Starts[0].Exit, StringComparison.Ordinal);
        Assert.InRange(density.Evaluations, 10, 21);
        Assert.Equal(["skipped: time budget (20 s)", "skipped: time budget (20 s)"], result.Starts.Skip(1).Select(s => s.Exit));
        Assert.Equal(0, result.BestStart);
        Assert.True(result.LogLikelihood >= density.BestSeen - 1e-15);
    }

    [Fact]
    public void Fit_Cancelled_ReturnsBestPointSoFarOrThrowsIfThereIsNone()
    {
        using var cts = new CancellationTokenSource();
        var density = new TestDensities.Rosenbrock { CancelAfter = (7, cts) };
        var result = MultiStartMle.Fit(density, Space(), new MultiStartMleOptions { Starts = 2 }, cancellationToken: cts.Token);
        Assert.True(result.Partial);
        Assert.StartsWith("cancelled", result.Exit, StringComparison.Ordinal);
        Assert.Equal(7, density.Evaluations);
        Assert.Equal("skipped: cancelled", result.Starts[1].Exit);

        using var before = new CancellationTokenSource();
        before.Cancel();
        Assert.Throws<OperationCanceledException>(() => MultiStartMle.Fit(new TestDensities.Rosenbrock(), Space(), cancellationToken: before.Token));
    }

    [Fact]
    public void Fit_NonPositiveTimeBudget_IsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => MultiStartMle.Fit(new TestDensities.Rosenbrock(), Space(), new MultiStartMleOptions { TimeBudget = TimeSpan.Zero }));
}
