using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Core.Amortized;

/// <summary>
/// Seed 002's comparison on simulated test experiments (Table 1): estimates by the network, by BFGS maximum likelihood
/// (<see cref="MultiStartMle"/> on the ODE likelihood, <see cref="OdeLikelihood"/>, with the seed's 1024-iteration
/// limit) from given starts, and their R² on noise-normalised squared errors,
/// R² = 1 − Σ_k Σ_i (y_ki − ŷ_ki)²/σ²_c / Σ_k Σ_i (y_ki − ȳ_c)²/σ²_c, where ŷ is the mean ODE at the estimate and
/// ȳ_c the mean of channel c over all test readings (the seed states only "R² … based on squared errors normalised by
/// variances of the noise in each individual channel"; this is that R² pooled over the test set). Experiments run in
/// parallel; every result is by experiment index, so the numbers do not depend on the number of threads.
/// </summary>
public static class AmortizedComparison
{
    /// <summary>The seed's BFGS iteration limit per fit.</summary>
    public const int Seed002MaxIterations = 1024;

    /// <summary>The network's posterior median θ̂ = g⁻¹(μ) for every experiment (p values each, flat).</summary>
    public static double[] NetworkEstimates(AmortizedNetwork network, TrainingSet test)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(test);
        int p = network.ParameterCount;
        var result = new double[test.Count * p];
        var mean = new double[p];
        var logSd = new double[p];
        for (int k = 0; k < test.Count; k++)
        {
            network.Estimate(test.TimesOf(k), test.ChannelsOf(k), test.ValuesOf(k), mean, logSd);
            for (int j = 0; j < p; j++)
            {
                result[(k * p) + j] = network.Standardization.FromStandard(j, mean[j]);
            }
        }

        return result;
    }

    /// <summary>Calibration of the network's posterior: the fraction of experiments <paramref name="from"/> ≤ k &lt;
    /// <paramref name="to"/> of <paramref name="set"/> whose central interval at <paramref name="level"/>,
    /// g⁻¹(μ ± Φ⁻¹((1 + level)/2)·e^ℓ), covers the experiment's true θ, per parameter (a calibrated network covers
    /// about <paramref name="level"/>).</summary>
    /// <param name="network">The trained network.</param>
    /// <param name="set">Simulated experiments with their true θ.</param>
    /// <param name="level">Interval level in (0, 1), e.g. 0.95.</param>
    /// <param name="from">First experiment (inclusive).</param>
    /// <param name="to">Last experiment (exclusive), &gt; <paramref name="from"/>.</param>
    public static double[] Coverage(AmortizedNetwork network, TrainingSet set, double level, int from, int to)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(set);
        if (from < 0 || to > set.Count || to <= from)
        {
            throw new ArgumentOutOfRangeException(nameof(to), $"experiments [{from}, {to}) are not a non-empty range of 0..{set.Count}");
        }

        int p = network.ParameterCount;
        var mean = new double[p];
        var logSd = new double[p];
        var median = new double[p];
        var lower = new double[p];
        var upper = new double[p];
        var covered = new double[p];
        for (int k = from; k < to; k++)
        {
            network.Estimate(set.TimesOf(k), set.ChannelsOf(k), set.ValuesOf(k), mean, logSd);
            network.ToNatural(mean, logSd, level, median, lower, upper);
            var truth = set.ThetaOf(k);
            for (int j = 0; j < p; j++)
            {
                covered[j] += lower[j] <= truth[j] && truth[j] <= upper[j] ? 1 : 0;
            }
        }

        for (int j = 0; j < p; j++)
        {
            covered[j] /= to - from;
        }

        return covered;
    }

    /// <summary>Fits every experiment by BFGS-B from <paramref name="starts"/> (p natural values per experiment), one
    /// start each. A fit whose every start fails keeps its start as the estimate (counted in the result).</summary>
    /// <param name="space">Model and estimated parameters (the fit's bounds).</param>
    /// <param name="design">The design (channels and noise sd).</param>
    /// <param name="test">The experiments.</param>
    /// <param name="starts">Starting θ per experiment, flat, p each.</param>
    /// <param name="maxIterations">Iteration limit per fit.</param>
    /// <param name="maxParallelism">Worker threads (0: all processors).</param>
    /// <param name="progress">Receives "BFGS" progress in experiments; null for none.</param>
    /// <param name="cancellationToken">Stops the fits.</param>
    public static BfgsEstimates FitBfgs(ParameterSpace space, ObservationDesign design, TrainingSet test, double[] starts, int maxIterations = Seed002MaxIterations, int maxParallelism = 1, IProgress<EstimationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(design);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(starts);
        int p = space.Dimension;
        if (starts.Length != test.Count * p)
        {
            throw new ArgumentException($"{starts.Length} start values for {test.Count} experiments × {p} parameters", nameof(starts));
        }

        var model = space.Model;
        var noise = new MeasurementNoise(model.ChannelNames.Count);
        for (int c = 0; c < design.ChannelCount; c++)
        {
            noise.SetAbsolute(design.Channels[c], design.NoiseSd[c]);
        }

        var estimates = new double[starts.Length];
        var iterations = new int[test.Count];
        var logLikelihood = new double[test.Count];
        var failed = new bool[test.Count];
        long done = 0;
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxParallelism == 0 ? Environment.ProcessorCount : maxParallelism, CancellationToken = cancellationToken };
        Parallel.For(0, test.Count, options, k =>
        {
            var rows = new DataRow[test.Readings];
            var times = test.TimesOf(k);
            var channels = test.ChannelsOf(k);
            var values = test.ValuesOf(k);
            for (int i = 0; i < rows.Length; i++)
            {
                rows[i] = new DataRow("test", times[i], model.StateNames[design.Channels[channels[i]]], values[i]);
            }

            var data = ObservationSet.FromRows(model, rows, $"test experiment {k}");
            var theta = model.NominalParameters();
            for (int j = 0; j < p; j++)
            {
                theta[space.Indices[j]] = starts[(k * p) + j];
            }

            var startSpace = new ParameterSpace(model, theta, space.Indices);
            var density = new PosteriorDensity(startSpace, new OdeDataLikelihood(new OdeLikelihood(model, startSpace.Indices), data, noise));
            var u = new double[p];
            try
            {
                var fit = MultiStartMle.Fit(density, startSpace, new MultiStartMleOptions { Starts = 1, MaxIterations = maxIterations }, cancellationToken: cancellationToken);
                u = fit.Optimum;
                iterations[k] = fit.Iterations;
                logLikelihood[k] = fit.LogLikelihood;
            }
            catch (InvalidOperationException)
            {
                u = startSpace.Clamp(startSpace.BaseUnconstrained());
                failed[k] = true;
                logLikelihood[k] = double.NegativeInfinity;
            }

            for (int j = 0; j < p; j++)
            {
                estimates[(k * p) + j] = space.IsLogScale(j) ? Math.Exp(u[j]) : u[j];
            }

            long d = Interlocked.Increment(ref done);
            progress?.Report(new EstimationProgress("BFGS", d, test.Count, "fits", string.Empty));
        });

        return new BfgsEstimates(estimates, iterations, logLikelihood, failed.Count(f => f));
    }

    /// <summary>R² of <paramref name="estimates"/> (p natural values per experiment, flat) on the test readings.</summary>
    public static double RSquared(ParameterSpace space, ObservationDesign design, TrainingSet test, double[] estimates)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(design);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(estimates);
        var model = space.Model;
        int p = space.Dimension, n = test.Readings, states = model.StateDimension;
        var simulator = new MeanOdeSimulator(model);
        var theta = space.Model.NominalParameters();
        var u = new double[p];
        var z0 = new double[states];
        var defaults = model.DefaultInitialState();
        var output = new double[n * states];
        var channelSum = new double[design.ChannelCount];
        var channelCount = new long[design.ChannelCount];
        for (int i = 0; i < test.Values.Length; i++)
        {
            channelSum[test.Channels[i]] += test.Values[i];
            channelCount[test.Channels[i]]++;
        }

        double sse = 0, sst = 0;
        for (int k = 0; k < test.Count; k++)
        {
            for (int j = 0; j < p; j++)
            {
                double v = estimates[(k * p) + j];
                u[j] = space.IsLogScale(j) ? Math.Log(v) : v;
            }

            space.ToNatural(u, theta);
            TrainingSetSimulator.InitialState(model, defaults, theta, z0);
            var times = test.TimesOf(k);
            var channels = test.ChannelsOf(k);
            var values = test.ValuesOf(k);
            bool solved = true;
            try
            {
                simulator.Simulate(z0, theta, times, output);
            }
            catch (SimulationException)
            {
                solved = false;
            }

            for (int i = 0; i < n; i++)
            {
                int c = channels[i];
                double var = design.NoiseSd[c] * design.NoiseSd[c];
                double prediction = solved ? output[(i * states) + design.Channels[c]] : double.NaN;
                double e = values[i] - prediction;
                double f = values[i] - (channelSum[c] / channelCount[c]);
                sse += solved ? e * e / var : f * f / var; // an estimate that cannot be simulated scores like the mean
                sst += f * f / var;
            }
        }

        return 1.0 - (sse / sst);
    }

    /// <summary>Starting points drawn from the prior (z ~ N(0, I)), one per experiment, seeded.</summary>
    public static double[] PriorDraws(PriorStandardization standardization, int count, int seed)
    {
        ArgumentNullException.ThrowIfNull(standardization);
        var normal = new Numerics.GaussianSource(new Random(seed));
        int p = standardization.Dimension;
        var result = new double[count * p];
        for (int k = 0; k < count; k++)
        {
            for (int j = 0; j < p; j++)
            {
                result[(k * p) + j] = standardization.FromStandard(j, normal.Next());
            }
        }

        return result;
    }
}

/// <summary>BFGS estimates per experiment.</summary>
/// <param name="Theta">Estimated θ, p natural values per experiment, flat.</param>
/// <param name="Iterations">Iterations of each fit.</param>
/// <param name="LogLikelihood">The log-likelihood at each estimate (−∞ for a failed fit).</param>
/// <param name="Failed">Fits whose start failed (their estimate is the start).</param>
public sealed record BfgsEstimates(double[] Theta, int[] Iterations, double[] LogLikelihood, int Failed)
{
    /// <summary>Multi-start from independent fits: per experiment, the estimate of the fit with the highest
    /// log-likelihood among <paramref name="fits"/> (the first fit wins ties).</summary>
    public static BfgsEstimates Best(IReadOnlyList<BfgsEstimates> fits)
    {
        ArgumentNullException.ThrowIfNull(fits);
        if (fits.Count == 0)
        {
            throw new ArgumentException("no fits to choose from", nameof(fits));
        }

        int count = fits[0].Iterations.Length, p = fits[0].Theta.Length / count;
        var theta = new double[fits[0].Theta.Length];
        var iterations = new int[count];
        var logLikelihood = new double[count];
        int failed = 0;
        for (int k = 0; k < count; k++)
        {
            int best = 0;
            for (int f = 1; f < fits.Count; f++)
            {
                if (fits[f].LogLikelihood[k] > fits[best].LogLikelihood[k])
                {
                    best = f;
                }
            }

            Array.Copy(fits[best].Theta, k * p, theta, k * p, p);
            iterations[k] = fits.Sum(f => f.Iterations[k]);
            logLikelihood[k] = fits[best].LogLikelihood[k];
            failed += double.IsNegativeInfinity(logLikelihood[k]) ? 1 : 0;
        }

        return new BfgsEstimates(theta, iterations, logLikelihood, failed);
    }
}
