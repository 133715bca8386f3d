using System.Collections.Concurrent;
using System.Globalization;

namespace ReactorTwin.Core.Estimation;

/// <summary>
/// Batch maximum-likelihood (seed 001 eq. 5) by quasi-Newton optimisation (MathNet.Numerics: box-constrained BFGS-B
/// within the parameter bounds by default, or unconstrained L-BFGS) on the log scale of positive parameters, from
/// several seeded starts (seed 002's multi-start baseline): the space's base point, then a space-filling design in the
/// box. With several starts each first runs a few screening iterations, and the starts clearly behind the leader are
/// abandoned; the others continue to convergence. Starts run in parallel when asked (results do not depend on the
/// number of threads), under optional time budgets. A start whose objective fails (−∞ everywhere it went, non-finite
/// gradient, line-search failure) is recorded with its reason and skipped. For Gaussian likelihoods in least-squares
/// form (<see cref="IResidualFunction"/>) the same driver runs box-constrained Levenberg–Marquardt instead.
/// </summary>
public static class MultiStartMle
{
    /// <summary>One run of an optimiser from one start (see <see cref="QuasiNewtonStart.Run"/>).</summary>
    private delegate StartRun StartRunner<in T>(T objective, double[] u0, ParameterSpace space, MultiStartMleOptions options, int maxIterations, FitLimits limits, TimeSpan usedBefore, Action<long, double>? onEvaluation);

    /// <summary>Maximises <paramref name="density"/> over u, one start at a time.</summary>
    /// <param name="density">Objective (a log-likelihood or log-posterior on u).</param>
    /// <param name="space">The space: base point and bounds for the starts.</param>
    /// <param name="options">Options; null for defaults. <see cref="MultiStartMleOptions.MaxParallelism"/> is ignored
    /// (one density instance cannot be shared).</param>
    /// <param name="time">Clock for the elapsed time and the budgets; null for the system clock.</param>
    /// <param name="cancellationToken">Stops the fit like an exhausted time budget (exit "cancelled"): the result is
    /// the best point evaluated so far. If nothing finite was evaluated yet, <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="InvalidOperationException">Every start failed; the message lists why.</exception>
    public static MleResult Fit(ILogDensity density, ParameterSpace space, MultiStartMleOptions? options = null, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(density);
        return Fit(() => density, space, (options ?? new MultiStartMleOptions()) with { MaxParallelism = 1 }, time, cancellationToken);
    }

    /// <summary>Maximises the density over u, running up to <see cref="MultiStartMleOptions.MaxParallelism"/> starts at
    /// a time, each thread on its own density instance.</summary>
    /// <param name="densityFactory">Makes one density instance per worker thread; called on the calling thread.</param>
    /// <param name="space">The space: base point and bounds for the starts.</param>
    /// <param name="options">Options; null for defaults.</param>
    /// <param name="time">Clock for the elapsed time and the budgets; null for the system clock.</param>
    /// <param name="cancellationToken">As in the single-density overload.</param>
    /// <exception cref="InvalidOperationException">Every start failed; the message lists why.</exception>
    public static MleResult Fit(Func<ILogDensity> densityFactory, ParameterSpace space, MultiStartMleOptions? options = null, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(densityFactory);
        return FitWith(densityFactory, d => d.Dimension, "density", QuasiNewtonStart.Run, space, options, time, cancellationToken);
    }

    /// <summary>
    /// Maximises a Gaussian log-likelihood in least-squares form, c − ½‖r(u)‖², by box-constrained Levenberg–Marquardt
    /// (<see cref="LevenbergMarquardt"/>; tolerances <see cref="MultiStartMleOptions.GradientTolerance"/>,
    /// <see cref="MultiStartMleOptions.FunctionTolerance"/>, <see cref="MultiStartMleOptions.StepTolerance"/>) from the
    /// same starts, with the same screening, budgets, parallelism and reporting as the quasi-Newton overloads (an
    /// iteration is one trial step). <see cref="MultiStartMleOptions.Bounded"/> must be true: the bounds are always
    /// honoured.
    /// </summary>
    /// <param name="residualFactory">Makes one residual function per worker thread; called on the calling thread.</param>
    /// <param name="space">The space: base point and bounds for the starts.</param>
    /// <param name="options">Options; null for defaults.</param>
    /// <param name="time">Clock for the elapsed time and the budgets; null for the system clock.</param>
    /// <param name="cancellationToken">As in the quasi-Newton overloads.</param>
    /// <exception cref="InvalidOperationException">Every start failed; the message lists why.</exception>
    public static MleResult Fit(Func<IResidualFunction> residualFactory, ParameterSpace space, MultiStartMleOptions? options = null, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(residualFactory);
        if (options is { Bounded: false })
        {
            throw new ArgumentException("Levenberg–Marquardt always keeps u within the bounds; Bounded = false applies to the quasi-Newton fit only", nameof(options));
        }

        return FitWith(() => new LevenbergMarquardtStart(residualFactory()), w => w.Dimension, "residual function", LevenbergMarquardtStart.Run, space, options, time, cancellationToken);
    }

    /// <summary>The multi-start driver over any objective type and its one-start runner.</summary>
    private static MleResult FitWith<T>(Func<T> factory, Func<T, int> dimensionOf, string what, StartRunner<T> runOne, ParameterSpace space, MultiStartMleOptions? options, TimeProvider? time, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(space);
        options ??= new MultiStartMleOptions();
        options.Validate();
        var limits = new FitLimits(options, time ?? TimeProvider.System, cancellationToken);
        var starts = StartPointsOf(space, options);
        int n = starts.Length;
        int workers = Math.Min(n, options.MaxParallelism == 0 ? Environment.ProcessorCount : options.MaxParallelism);
        var pool = new ConcurrentBag<T>();
        for (int w = 0; w < workers; w++)
        {
            var density = factory() ?? throw new ArgumentException($"the {what} factory returned null", nameof(factory));
            if (dimensionOf(density) != space.Dimension)
            {
                throw new ArgumentException($"the {what} has dimension {dimensionOf(density)}, the space {space.Dimension}", nameof(factory));
            }

            pool.Add(density);
        }

        var tracker = new ProgressTracker(options.Progress, n);
        bool screen = n > 1 && options.ScreeningIterations > 0 && options.ScreeningIterations < options.MaxIterations;
        var first = RunAll(n, workers, i => Go(starts[i], screen ? options.ScreeningIterations : options.MaxIterations, TimeSpan.Zero, finishes: !screen)).Select(r => r!).ToArray();
        var outcomes = new StartOutcome[n];
        if (!screen)
        {
            for (int i = 0; i < n; i++)
            {
                outcomes[i] = Outcome(first[i], null);
            }
        }
        else
        {
            // Abandon the starts clearly behind the best screened value; the rest continue where they stopped.
            double leader = first.Where(r => r.Succeeded).Select(r => r.LogDensity).DefaultIfEmpty(double.NegativeInfinity).Max();
            var carry = new bool[n];
            for (int i = 0; i < n; i++)
            {
                var r = first[i];
                bool continues = r.Succeeded && r.IterationLimit;
                if (continues && r.LogDensity < leader - options.AbandonMargin)
                {
                    outcomes[i] = Outcome(r, null) with
                    {
                        Abandoned = true,
                        Exit = string.Create(CultureInfo.InvariantCulture, $"abandoned after {options.ScreeningIterations} screening iterations: log-density {r.LogDensity:G6}, {leader - r.LogDensity:G3} below the leader"),
                    };
                }
                else if (continues)
                {
                    carry[i] = true;
                    continue;
                }
                else
                {
                    outcomes[i] = Outcome(r, null);
                }

                tracker.Finished();
            }

            var rest = RunAll(n, workers, i => carry[i] ? Go(first[i].End!, options.MaxIterations - options.ScreeningIterations, first[i].Elapsed, finishes: true) : null);
            for (int i = 0; i < n; i++)
            {
                if (carry[i])
                {
                    outcomes[i] = Outcome(rest[i]!, first[i]);
                }
            }
        }

        StartRun Go(double[] from, int maxIterations, TimeSpan usedBefore, bool finishes)
        {
            if (limits.FitStopped is { } why)
            {
                if (finishes)
                {
                    tracker.Finished();
                }

                return new StartRun(from, null, double.NegativeInfinity, 0, $"skipped: {why}", false, true, 0, TimeSpan.Zero);
            }

            var density = Take(pool);
            try
            {
                return runOne(density, from, space, options, maxIterations, limits, usedBefore, tracker.Evaluated);
            }
            finally
            {
                pool.Add(density);
                if (finishes)
                {
                    tracker.Finished();
                }
            }
        }

        int best = -1;
        for (int s = 0; s < n; s++)
        {
            if (outcomes[s].Succeeded && (best < 0 || outcomes[s].LogLikelihood > outcomes[best].LogLikelihood))
            {
                best = s;
            }
        }

        if (best < 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new InvalidOperationException("every start failed: " + string.Join("; ", outcomes.Select((o, i) => $"start {i}: {o.Exit}")));
        }

        return new MleResult(outcomes[best].Optimum!, outcomes[best].LogLikelihood, best, outcomes, outcomes.Sum(o => o.Evaluations), limits.Elapsed);
    }

    /// <summary>The base point (clamped into the bounds) and <c>Starts − 1</c> points of the design.</summary>
    private static double[][] StartPointsOf(ParameterSpace space, MultiStartMleOptions options)
    {
        var first = space.Clamp(space.BaseUnconstrained());
        var lower = options.StartHalfWidth is double w ? first.Select((x, j) => Math.Max(space.Lower[j], x - w)).ToArray() : space.Lower;
        var upper = options.StartHalfWidth is double w2 ? first.Select((x, j) => Math.Min(space.Upper[j], x + w2)).ToArray() : space.Upper;
        var others = StartPoints.Draw(options.Design, options.Starts - 1, lower, upper, new Random(options.Seed));
        return [first, .. others];
    }

    /// <summary>Runs <paramref name="job"/> for every start index, <paramref name="workers"/> at a time, results by index.</summary>
    private static StartRun?[] RunAll(int count, int workers, Func<int, StartRun?> job)
    {
        var results = new StartRun?[count];
        if (workers <= 1)
        {
            for (int i = 0; i < count; i++)
            {
                results[i] = job(i);
            }
        }
        else
        {
            try
            {
                Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = workers }, i => results[i] = job(i));
            }
            catch (AggregateException ex) when (ex.InnerExceptions.Count == 1)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerExceptions[0]);
            }
        }

        return results;
    }

    private static T Take<T>(ConcurrentBag<T> pool) =>
        pool.TryTake(out var density) ? density : throw new InvalidOperationException("more workers than density instances");

    /// <summary>The outcome of a start from its last run, adding the screening run it continued, if any.</summary>
    private static StartOutcome Outcome(StartRun run, StartRun? screening) => new(
        screening?.Start ?? run.Start,
        run.End,
        run.LogDensity,
        run.Iterations + (screening?.Iterations ?? 0),
        run.Exit,
        run.Converged,
        Abandoned: false,
        run.Evaluations + (screening?.Evaluations ?? 0),
        run.Elapsed + (screening?.Elapsed ?? TimeSpan.Zero));

    /// <summary>Counts finished starts and evaluations for <see cref="MultiStartMleOptions.Progress"/>.</summary>
    private sealed class ProgressTracker(IProgress<EstimationProgress>? progress, int starts)
    {
        private long _finished, _evaluations;
        private double _best = double.NegativeInfinity;
        private readonly object _gate = new();

        public void Evaluated(long evaluationsOfThisRun, double bestOfThisRun)
        {
            if (progress is null)
            {
                return;
            }

            long total = Interlocked.Increment(ref _evaluations);
            lock (_gate)
            {
                _best = Math.Max(_best, bestOfThisRun);
            }

            if (total % 10 == 0)
            {
                Report();
            }
        }

        public void Finished()
        {
            Interlocked.Increment(ref _finished);
            Report();
        }

        private void Report()
        {
            if (progress is null)
            {
                return;
            }

            double best;
            lock (_gate)
            {
                best = _best;
            }

            progress.Report(new EstimationProgress("MLE", Math.Min(Interlocked.Read(ref _finished), starts), starts, "starts",
                string.Create(CultureInfo.InvariantCulture, $"best log-likelihood {best:G8}, {Interlocked.Read(ref _evaluations)} evaluations")));
        }
    }
}
