using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace ReactorTwin.Core.Estimation;

/// <summary>What one quasi-Newton run from one start point did.</summary>
/// <param name="Start">Where it started.</param>
/// <param name="End">Where it ended (the best finite point when stopped early), or null if it failed.</param>
/// <param name="LogDensity">log π at <paramref name="End"/>.</param>
/// <param name="Iterations">Iterations (the limit when it hit it, 0 when stopped by a budget).</param>
/// <param name="Exit">How it ended, for people.</param>
/// <param name="Converged">Stopped on the gradient criterion.</param>
/// <param name="Evaluations">Density evaluations.</param>
/// <param name="Elapsed">Time it ran.</param>
/// <param name="Stopped">Stopped by a budget or cancellation.</param>
/// <param name="IterationLimit">Stopped by the run's iteration limit (it may continue from <paramref name="End"/>).</param>
internal sealed record StartRun(double[] Start, double[]? End, double LogDensity, int Iterations, string Exit, bool Converged, bool Stopped, long Evaluations, TimeSpan Elapsed, bool IterationLimit = false)
{
    /// <summary>True when the run ended at a finite point.</summary>
    public bool Succeeded => End is not null;
}

/// <summary>The limits shared by every start of a fit: the fit's time budget and cancellation (latched once hit), and
/// each start's own time budget.</summary>
internal sealed class FitLimits(MultiStartMleOptions options, TimeProvider time, CancellationToken cancellationToken)
{
    private readonly long _fitStarted = time.GetTimestamp();
    private string? _stopped;

    public TimeProvider Time => time;

    public CancellationToken CancellationToken => cancellationToken;

    /// <summary>Why the whole fit stops (latched), or null.</summary>
    public string? FitStopped
    {
        get
        {
            if (Volatile.Read(ref _stopped) is { } why)
            {
                return why;
            }

            string? reason = cancellationToken.IsCancellationRequested ? "cancelled"
                : options.TimeBudget is { } budget && time.GetElapsedTime(_fitStarted) >= budget ? $"time budget ({budget.TotalSeconds:G4} s)"
                : null;
            if (reason is not null)
            {
                Interlocked.CompareExchange(ref _stopped, reason, null);
            }

            return Volatile.Read(ref _stopped);
        }
    }

    /// <summary>Why a start that began at <paramref name="began"/> having used <paramref name="usedBefore"/> in
    /// earlier phases must stop, or null.</summary>
    public string? StartStopped(long began, TimeSpan usedBefore) =>
        FitStopped ?? (options.StartTimeBudget is { } budget && usedBefore + time.GetElapsedTime(began) >= budget ? $"start time budget ({budget.TotalSeconds:G4} s)" : null);

    public TimeSpan Elapsed => time.GetElapsedTime(_fitStarted);
}

/// <summary>
/// One run of MathNet's BFGS-B (within the u-bounds) or L-BFGS from one point, evaluating value and gradient together,
/// stopped early by the <see cref="FitLimits"/> or its iteration limit. A run stopped early ends at the best finite
/// point it evaluated.
/// </summary>
internal static class QuasiNewtonStart
{
    /// <param name="density">The objective (this thread's instance).</param>
    /// <param name="u0">Start point.</param>
    /// <param name="space">Bounds.</param>
    /// <param name="options">Tolerances and the optimiser.</param>
    /// <param name="maxIterations">Iteration limit of this run.</param>
    /// <param name="limits">Budgets and cancellation.</param>
    /// <param name="usedBefore">Time this start used in earlier phases (for its own budget).</param>
    /// <param name="onEvaluation">Called after each evaluation with the run's evaluation count and best value.</param>
    public static StartRun Run(ILogDensity density, double[] u0, ParameterSpace space, MultiStartMleOptions options, int maxIterations, FitLimits limits, TimeSpan usedBefore, Action<long, double>? onEvaluation = null)
    {
        int d = space.Dimension;
        var grad = new double[d];
        var best = new double[d];
        double bestLogDensity = double.NegativeInfinity;
        long evaluations = 0;
        string? stopped = null;
        long began = limits.Time.GetTimestamp();
        var objective = ObjectiveFunction.Gradient(v =>
        {
            stopped ??= limits.StartStopped(began, usedBefore);
            if (stopped is not null)
            {
                throw new StartStoppedException();
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

            onEvaluation?.Invoke(evaluations, bestLogDensity);
            return (double.IsFinite(f) ? -f : double.MaxValue, g);
        });

        StartRun Ended(double[]? end, double value, int iterations, string exit, bool converged, bool stop, bool limit = false) =>
            new(u0, end, value, iterations, exit, converged, stop, evaluations, limits.Time.GetElapsedTime(began), limit);

        try
        {
            var r = options.Bounded
                ? new BfgsBMinimizer(options.GradientTolerance, 1e-12, 1e-12, maxIterations)
                    .FindMinimum(objective, Vector<double>.Build.DenseOfArray(space.Lower), Vector<double>.Build.DenseOfArray(space.Upper), Vector<double>.Build.DenseOfArray(u0))
                : new LimitedMemoryBfgsMinimizer(options.GradientTolerance, 1e-12, 1e-12, options.Memory, maxIterations)
                    .FindMinimum(objective, Vector<double>.Build.DenseOfArray(u0));
            var u = r.MinimizingPoint.ToArray();
            double ll = density.Evaluate(u, grad);
            bool converged = r.ReasonForExit is ExitCondition.AbsoluteGradient or ExitCondition.RelativeGradient;
            return double.IsFinite(ll)
                ? Ended(u, ll, r.Iterations, r.ReasonForExit.ToString(), converged, stop: false)
                : Ended(null, double.NegativeInfinity, r.Iterations, "the optimum is not a finite point of the density", converged: false, stop: false);
        }
        catch (Exception ex) when (ex is StartStoppedException or MaximumIterationsException || (stopped is not null && ex is OptimizationException))
        {
            // MathNet's line search wraps an exception thrown by the objective in an InnerOptimizationException.
            bool limit = ex is MaximumIterationsException;
            string why = limit ? $"iteration limit ({maxIterations})" : stopped!;
            return double.IsFinite(bestLogDensity)
                ? Ended(best, bestLogDensity, limit ? maxIterations : 0, $"{why}: best point so far", converged: false, stop: !limit, limit)
                : Ended(null, double.NegativeInfinity, limit ? maxIterations : 0, $"{why} before any finite point", converged: false, stop: !limit);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or OptimizationException)
        {
            return Ended(null, double.NegativeInfinity, 0, ex.GetType().Name + ": " + ex.Message, converged: false, stop: false);
        }
    }

    /// <summary>Thrown from inside the objective to stop the optimiser (budget or cancellation).</summary>
    private sealed class StartStoppedException : Exception
    {
    }
}
