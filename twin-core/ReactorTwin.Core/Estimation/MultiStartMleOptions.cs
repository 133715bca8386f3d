namespace ReactorTwin.Core.Estimation;

/// <summary>Options of <see cref="MultiStartMle"/>.</summary>
public sealed record MultiStartMleOptions
{
    /// <summary>Number of starts, ≥ 1. The first is the space's base point; the others fill the u-bounds (or a box
    /// around the first, <see cref="StartHalfWidth"/>) by <see cref="Design"/>. Default 8.</summary>
    public int Starts { get; init; } = 8;

    /// <summary>How the starts after the first are placed. Default <see cref="StartDesign.LatinHypercube"/>.</summary>
    public StartDesign Design { get; init; } = StartDesign.LatinHypercube;

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

    /// <summary>Levenberg–Marquardt only: ftol, the relative actual and predicted reduction of ½‖r‖² below which a
    /// start has converged (as scipy's least_squares ftol), ≥ 0. Default 1e−8. For Levenberg–Marquardt
    /// <see cref="GradientTolerance"/> is MINPACK's gtol, the largest cosine between r and a free column of J.</summary>
    public double FunctionTolerance { get; init; } = 1e-8;

    /// <summary>Levenberg–Marquardt only: xtol, the trust radius relative to the scaled ‖u‖ below which a start has
    /// converged, ≥ 0. Default 1e−8.</summary>
    public double StepTolerance { get; init; } = 1e-8;

    /// <summary>Iteration limit per start, ≥ 1. Default 2000.</summary>
    public int MaxIterations { get; init; } = 2000;

    /// <summary>L-BFGS memory (unbounded mode). Default 7.</summary>
    public int Memory { get; init; } = 7;

    /// <summary>
    /// True (default) to keep u within the parameters' bounds with MathNet's box-constrained BFGS-B; false for
    /// unconstrained L-BFGS (the log scale still keeps positive parameters positive).
    /// </summary>
    public bool Bounded { get; init; } = true;

    /// <summary>
    /// Iterations every start runs before the clearly losing ones are abandoned, ≥ 0; 0 turns screening off. With
    /// several starts, each first runs this many iterations; a start then more than <see cref="AbandonMargin"/> below
    /// the best value reached so far is abandoned (reported, not counted as failed) and the others continue where they
    /// stopped. The decision uses only the screening results, so it does not depend on the number of threads.
    /// Default 25.
    /// </summary>
    public int ScreeningIterations { get; init; } = 25;

    /// <summary>How far (in log-density units) below the best screened value a start must be to be abandoned, &gt; 0.
    /// Default 50: a start e⁵⁰ times less likely than the leader after the screening iterations.</summary>
    public double AbandonMargin { get; init; } = 50;

    /// <summary>
    /// Time allowed for the whole fit (all starts), measured on the clock passed to <see cref="MultiStartMle.Fit(ILogDensity, ParameterSpace, MultiStartMleOptions?, TimeProvider?, CancellationToken)"/>;
    /// null (default) for no limit, otherwise &gt; 0. When it runs out the running starts end at the best point they
    /// evaluated (reported as not converged, exit "time budget"), later starts are skipped, and the result is
    /// <see cref="MleResult.Partial"/>.
    /// </summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>Time allowed for each start (both screening and continuation), null (default) for none, otherwise
    /// &gt; 0. A start that runs out ends at its best point, not converged.</summary>
    public TimeSpan? StartTimeBudget { get; init; }

    /// <summary>Starts run at the same time, ≥ 0 (0: one per processor). Default 1. Needs a density factory
    /// (<see cref="MultiStartMle.Fit(Func{ILogDensity}, ParameterSpace, MultiStartMleOptions?, TimeProvider?, CancellationToken)"/>);
    /// the results do not depend on it.</summary>
    public int MaxParallelism { get; init; } = 1;

    /// <summary>Receives progress (units: starts) from the worker threads; null for none.</summary>
    public IProgress<EstimationProgress>? Progress { get; init; }

    /// <summary>Throws when an option is out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Starts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxIterations, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(ScreeningIterations);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxParallelism);
        if (!(GradientTolerance >= 0) || !(FunctionTolerance >= 0) || !(StepTolerance >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(GradientTolerance), $"the tolerances must be ≥ 0 (gradient {GradientTolerance}, function {FunctionTolerance}, step {StepTolerance})");
        }
        if (!(AbandonMargin > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(AbandonMargin), AbandonMargin, "must be > 0");
        }

        if (TimeBudget is { } budget && budget <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(TimeBudget), budget, "the time budget must be > 0");
        }

        if (StartTimeBudget is { } startBudget && startBudget <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(StartTimeBudget), startBudget, "the time budget must be > 0");
        }
    }
}

/// <summary>Outcome of one start.</summary>
/// <param name="Start">Start point u₀.</param>
/// <param name="Optimum">End point u (null if the start failed).</param>
/// <param name="LogLikelihood">log π at the end point (−∞ if failed).</param>
/// <param name="Iterations">Quasi-Newton iterations (over screening and continuation).</param>
/// <param name="Exit">Exit condition, or the reason of failure or abandonment.</param>
/// <param name="Converged">True when the optimiser stopped on its gradient criterion (a local optimum); false when it
/// stopped for another reason (iteration limit, time budget, cancellation, lack of progress, abandoned), in which case
/// <paramref name="Optimum"/> is the best point the start evaluated.</param>
/// <param name="Abandoned">True when the start was abandoned after screening as clearly losing.</param>
/// <param name="Evaluations">Density evaluations of this start.</param>
/// <param name="Elapsed">Time this start ran (on the fit's clock).</param>
public sealed record StartOutcome(double[] Start, double[]? Optimum, double LogLikelihood, int Iterations, string Exit, bool Converged, bool Abandoned = false, long Evaluations = 0, TimeSpan Elapsed = default)
{
    /// <summary>True when the start ended at a finite point (converged, abandoned, or the best point before it was stopped).</summary>
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

    /// <summary>Starts that failed (no finite point).</summary>
    public IEnumerable<StartOutcome> FailedStarts => Starts.Where(s => !s.Succeeded);

    /// <summary>Starts that ended at a finite point without meeting the gradient criterion and were not abandoned
    /// (iteration limit, time budget, cancellation, lack of progress).</summary>
    public IEnumerable<StartOutcome> UnconvergedStarts => Starts.Where(s => s.Succeeded && !s.Converged && !s.Abandoned);

    /// <summary>Starts abandoned after screening as clearly losing.</summary>
    public IEnumerable<StartOutcome> AbandonedStarts => Starts.Where(s => s.Abandoned);

    /// <summary>True when the winning start did not converge (stopped by its iteration limit, a time budget,
    /// cancellation or lack of progress): <see cref="Optimum"/> is the best point found, not a verified optimum.</summary>
    public bool Partial => !Starts[BestStart].Converged;

    /// <summary>One line for people: the best value, whether it converged, and how the starts ended, naming only the
    /// outcomes that occurred ("7 of 8 starts converged; 1 stopped before converging").</summary>
    public string Summary
    {
        get
        {
            var inv = System.Globalization.CultureInfo.InvariantCulture;
            var parts = new List<string>();
            int unconverged = UnconvergedStarts.Count(), abandoned = AbandonedStarts.Count(), failed = FailedStarts.Count();
            if (unconverged > 0)
            {
                parts.Add($"{unconverged} stopped before converging");
            }

            if (abandoned > 0)
            {
                parts.Add($"{abandoned} abandoned as clearly losing");
            }

            if (failed > 0)
            {
                parts.Add($"{failed} failed");
            }

            string how = Partial ? $"not converged: {Exit}" : "converged";
            return string.Create(inv, $"log-likelihood {LogLikelihood:G8} at start {BestStart + 1} ({how}); {Starts.Count(s => s.Converged)} of {Starts.Count} starts converged")
                + (parts.Count > 0 ? "; " + string.Join(", ", parts) : "");
        }
    }
}
