using System.Diagnostics;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace ReactorTwin.Core.Estimation;

/// <summary>Options of <see cref="MultiStartMle"/>.</summary>
public sealed record MultiStartMleOptions
{
    /// <summary>Number of starts, ≥ 1. The first is the space's base point; the others are uniform in the u-bounds (or in a box around the first, <see cref="StartHalfWidth"/>). Default 8.</summary>
    public int Starts { get; init; } = 8;

    /// <summary>
    /// Half-width w (in u) of the box around the first start from which the other starts are drawn, intersected with
    /// the bounds; null (default) draws them from the whole bounds. A local box (for example w = log 3, a factor 3
    /// either way) keeps the starts away from corners of two-decade bounds, where Kalman–LNA fits of CHO were observed to
    /// take minutes per start.
    /// </summary>
    public double? StartHalfWidth { get; init; }

    /// <summary>Seed of the start points.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// Gradient tolerance. MathNet stops on the absolute gradient or on the relative gradient
    /// |g_j|·max(|u_j|, 1)/max(|ℓ|, 1), whichever is met first, so for large |ℓ| a small value is needed. Default 1e−8.
    /// </summary>
    public double GradientTolerance { get; init; } = 1e-8;

    /// <summary>Iteration limit per start. Default 2000.</summary>
    public int MaxIterations { get; init; } = 2000;

    /// <summary>L-BFGS memory (unbounded mode). Default 7.</summary>
    public int Memory { get; init; } = 7;

    /// <summary>
    /// True (default) to keep u within the parameters' bounds with MathNet's box-constrained BFGS-B; false for
    /// unconstrained L-BFGS (the log scale still keeps positive parameters positive).
    /// </summary>
    public bool Bounded { get; init; } = true;

    /// <summary>
    /// Time allowed for the whole fit (all starts), measured on the clock passed to <see cref="MultiStartMle.Fit"/>;
    /// null (default) for no limit, otherwise &gt; 0. When it runs out the running start ends at the best point it
    /// has evaluated (reported as not converged, exit "time budget"), later starts are skipped, and the result is
    /// <see cref="MleResult.Partial"/>.
    /// </summary>
    public TimeSpan? TimeBudget { get; init; }
}

/// <summary>Outcome of one start.</summary>
/// <param name="Start">Start point u₀.</param>
/// <param name="Optimum">End point u (null if the start failed).</param>
/// <param name="LogLikelihood">log π at the end point (−∞ if failed).</param>
/// <param name="Iterations">L-BFGS iterations.</param>
/// <param name="Exit">Exit condition, or the reason of failure.</param>
/// <param name="Converged">True when the optimiser stopped on its gradient criterion (a local optimum); false when it
/// stopped for another reason (iteration limit, time budget, cancellation, lack of progress), in which case
/// <paramref name="Optimum"/> is the best point the start evaluated.</param>
public sealed record StartOutcome(double[] Start, double[]? Optimum, double LogLikelihood, int Iterations, string Exit, bool Converged)
{
    /// <summary>True when the start ended at a finite point (converged or the best point before it was stopped).</summary>
    public bool Succeeded => Optimum is not null;
}

/// <summary>Result of a multi-start maximisation.</summary>
/// <param name="Optimum">Best u found.</param>
/// <param name="LogLikelihood">log π at <paramref name="Optimum"/>.</param>
/// <param name="BestStart">Index of the start that found it.</param>
/// <param name="Starts">Every start with its outcome (failed ones included).</param>
/// <param name="Evaluations">Density evaluations over all starts.</param>
/// <param name="Elapsed">Wall time (from the injected clock).</param>
public sealed record MleResult(double[] Optimum, double LogLikelihood, int BestStart, IReadOnlyList<StartOutcome> Starts, long Evaluations, TimeSpan Elapsed)
{
    /// <summary>Iterations of the winning start.</summary>
    public int Iterations => Starts[BestStart].Iterations;

    /// <summary>Exit condition of the winning start.</summary>
    public string Exit => Starts[BestStart].Exit;

    /// <summary>Starts that failed (no finite optimum).</summary>
    public IEnumerable<StartOutcome> FailedStarts => Starts.Where(s => !s.Succeeded);

    /// <summary>Starts that ended at a finite point without meeting the gradient criterion.</summary>
    public IEnumerable<StartOutcome> UnconvergedStarts => Starts.Where(s => s.Succeeded && !s.Converged);

    /// <summary>True when the winning start did not converge (stopped by its iteration limit, the time budget,
    /// cancellation or lack of progress): <see cref="Optimum"/> is the best point found, not a verified optimum.</summary>
    public bool Partial => !Starts[BestStart].Converged;
}

/// <summary>
/// Batch maximum-likelihood (seed 001 eq. 5) by quasi-Newton optimisation (MathNet.Numerics: box-constrained BFGS-B
/// within the parameter bounds by default, or unconstrained L-BFGS) on the log scale of positive parameters, from
/// several seeded starts (seed 002's multi-start baseline). A start whose
/// objective fails (−∞, non-finite gradient, line-search failure) is recorded with its reason and skipped.
/// </summary>
public static class MultiStartMle
{
    /// <summary>Maximises <paramref name="density"/> over u.</summary>
    /// <param name="density">Objective (a log-likelihood or log-posterior on u).</param>
    /// <param name="space">The space: base point and bounds for the starts.</param>
    /// <param name="options">Options; null for defaults.</param>
    /// <param name="time">Clock for the elapsed time and <see cref="MultiStartMleOptions.TimeBudget"/>; null for the
    /// system clock.</param>
    /// <param name="cancellationToken">Stops the fit like an exhausted time budget (exit "cancelled"): the result is
    /// the best point evaluated so far. If nothing finite was evaluated yet, <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="InvalidOperationException">Every start failed; the message lists why.</exception>
    public static MleResult Fit(ILogDensity density, ParameterSpace space, MultiStartMleOptions? options = null, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(density);
        ArgumentNullException.ThrowIfNull(space);
        options ??= new MultiStartMleOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Starts, 1);
        if (options.TimeBudget is { } budget && budget <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), budget, "the time budget must be > 0");
        }

        time ??= TimeProvider.System;
        long started = time.GetTimestamp();
        int d = space.Dimension;
        var rng = new Random(options.Seed);
        var outcomes = new List<StartOutcome>(options.Starts);
        long evaluations = 0;
        var grad = new double[d];
        var first = space.Clamp(space.BaseUnconstrained());
        var lower = options.StartHalfWidth is double w ? first.Select((x, j) => Math.Max(space.Lower[j], x - w)).ToArray() : space.Lower;
        var upper = options.StartHalfWidth is double w2 ? first.Select((x, j) => Math.Min(space.Upper[j], x + w2)).ToArray() : space.Upper;
        string? stopped = null;
        for (int s = 0; s < options.Starts; s++)
        {
            var u0 = s == 0 ? first : Enumerable.Range(0, d).Select(j => lower[j] + (rng.NextDouble() * (upper[j] - lower[j]))).ToArray();
            if (stopped is not null)
            {
                outcomes.Add(new StartOutcome(u0, null, double.NegativeInfinity, 0, $"skipped: {stopped}", Converged: false));
                continue;
            }

            // The best finite point this start evaluated: what a start stopped early reports.
            var best = new double[d];
            double bestLogDensity = double.NegativeInfinity;
            int iterations = 0;
            var objective = ObjectiveFunction.Gradient(v =>
            {
                stopped ??= StopReason(options, time, started, cancellationToken);
                if (stopped is not null)
                {
                    throw new FitStoppedException();
                }

                evaluations++;
                var u = v.AsArray() ?? v.ToArray();
                double f = density.Evaluate(u, grad);
                var g = Vector<double>.Build.Dense(d);
                if (double.IsFinite(f))
                {
                    for (int j = 0; j < d; j++)
                    {
                        g[j] = -grad[j];
                    }

                    if (f > bestLogDensity)
                    {
                        bestLogDensity = f;
                        u.CopyTo(best, 0);
                    }
                }

                return (double.IsFinite(f) ? -f : double.MaxValue, g);
            });
            try
            {
                var r = options.Bounded
                    ? new BfgsBMinimizer(options.GradientTolerance, 1e-12, 1e-12, options.MaxIterations)
                        .FindMinimum(objective, Vector<double>.Build.DenseOfArray(space.Lower), Vector<double>.Build.DenseOfArray(space.Upper), Vector<double>.Build.DenseOfArray(u0))
                    : new LimitedMemoryBfgsMinimizer(options.GradientTolerance, 1e-12, 1e-12, options.Memory, options.MaxIterations)
                        .FindMinimum(objective, Vector<double>.Build.DenseOfArray(u0));
                iterations = r.Iterations;
                var u = r.MinimizingPoint.ToArray();
                double ll = density.Evaluate(u, grad);
                bool converged = r.ReasonForExit is ExitCondition.AbsoluteGradient or ExitCondition.RelativeGradient;
                outcomes.Add(double.IsFinite(ll)
                    ? new StartOutcome(u0, u, ll, r.Iterations, r.ReasonForExit.ToString(), converged)
                    : new StartOutcome(u0, null, double.NegativeInfinity, r.Iterations, "the optimum is not a finite point of the density", Converged: false));
            }
            catch (Exception ex) when (ex is FitStoppedException or MaximumIterationsException || (stopped is not null && ex is OptimizationException))
            {
                // MathNet's line search wraps an exception thrown by the objective in an InnerOptimizationException.
                string why = ex is MaximumIterationsException ? $"iteration limit ({options.MaxIterations})" : stopped!;
                outcomes.Add(double.IsFinite(bestLogDensity)
                    ? new StartOutcome(u0, best, bestLogDensity, ex is MaximumIterationsException ? options.MaxIterations : iterations, $"{why}: best point so far", Converged: false)
                    : new StartOutcome(u0, null, double.NegativeInfinity, iterations, $"{why} before any finite point", Converged: false));
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or OptimizationException)
            {
                outcomes.Add(new StartOutcome(u0, null, double.NegativeInfinity, 0, ex.GetType().Name + ": " + ex.Message, Converged: false));
            }
        }

        int bestStart = -1;
        for (int s = 0; s < outcomes.Count; s++)
        {
            if (outcomes[s].Succeeded && (bestStart < 0 || outcomes[s].LogLikelihood > outcomes[bestStart].LogLikelihood))
            {
                bestStart = s;
            }
        }

        if (bestStart < 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new InvalidOperationException("every start failed: " + string.Join("; ", outcomes.Select((o, i) => $"start {i}: {o.Exit}")));
        }

        Debug.Assert(outcomes[bestStart].Optimum is not null, "a successful start has an optimum");
        return new MleResult(outcomes[bestStart].Optimum!, outcomes[bestStart].LogLikelihood, bestStart, outcomes, evaluations, time.GetElapsedTime(started));
    }

    private static string? StopReason(MultiStartMleOptions options, TimeProvider time, long started, CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested ? "cancelled"
        : options.TimeBudget is { } budget && time.GetElapsedTime(started) >= budget ? $"time budget ({budget.TotalSeconds:G4} s)"
        : null;

    /// <summary>Thrown from inside the objective to stop the optimiser (budget or cancellation).</summary>
    private sealed class FitStoppedException : Exception
    {
    }
}
