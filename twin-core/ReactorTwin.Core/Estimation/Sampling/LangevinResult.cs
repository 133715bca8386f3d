using System.Collections.ObjectModel;

namespace ReactorTwin.Core.Estimation.Sampling;

/// <summary>Posterior summary of one coordinate u_i over all chains' kept draws.</summary>
/// <param name="Index">The coordinate i.</param>
/// <param name="Mean">Pooled mean.</param>
/// <param name="StandardDeviation">Pooled standard deviation (denominator S − 1).</param>
/// <param name="MonteCarloStandardError">Standard error of <paramref name="Mean"/>: sd / √ESS.</param>
/// <param name="Quantile025">2.5 % quantile (linear interpolation between order statistics, "type 7").</param>
/// <param name="Median">50 % quantile.</param>
/// <param name="Quantile975">97.5 % quantile.</param>
/// <param name="EffectiveSampleSize">ESS from <see cref="Diagnostics.SplitEffectiveSampleSize"/> (split chains, Geyer initial monotone sequence, no rank normalisation).</param>
/// <param name="SplitRHat">Plain split-R̂ (<see cref="Diagnostics.SplitRHat"/>; Gelman et al., BDA3).</param>
/// <param name="RankNormalizedSplitRHat">Rank-normalised, folded split-R̂ of Vehtari et al. (2021) (<see cref="Diagnostics.RankNormalizedSplitRHat"/>).</param>
public sealed record ParameterSummary(
    int Index,
    double Mean,
    double StandardDeviation,
    double MonteCarloStandardError,
    double Quantile025,
    double Median,
    double Quantile975,
    double EffectiveSampleSize,
    double SplitRHat,
    double RankNormalizedSplitRHat);

/// <summary>
/// Draws and diagnostics of a <see cref="LangevinSampler"/> run: chains × draws × d kept states (post warm-up,
/// thinned), log π of each, and per chain the acceptance rate, mean Metropolis–Hastings acceptance probability,
/// final step size and preconditioner.
/// </summary>
public sealed class LangevinResult
{
    private readonly double[][] _draws;   // per chain, Draws × d row-major
    private readonly double[][] _traces;  // per chain, Draws
    private readonly double[][] _preconditioners;
    private ReadOnlyCollection<ParameterSummary>? _summary;

    internal LangevinResult(
        LangevinMode mode,
        int dimension,
        int draws,
        double[][] samples,
        double[][] traces,
        double[] acceptanceRates,
        double[] meanAcceptanceProbabilities,
        double[] stepSizes,
        double[][] preconditioners,
        long[] nonFiniteProposals)
    {
        Mode = mode;
        Dimension = dimension;
        Draws = draws;
        _draws = samples;
        _traces = traces;
        _preconditioners = preconditioners;
        AcceptanceRates = Array.AsReadOnly(acceptanceRates);
        MeanAcceptanceProbabilities = Array.AsReadOnly(meanAcceptanceProbabilities);
        StepSizes = Array.AsReadOnly(stepSizes);
        NonFiniteProposals = Array.AsReadOnly(nonFiniteProposals);
    }

    /// <summary>
    /// The same run with every draw mapped through <paramref name="map"/> (for example back from the coordinates of
    /// an <see cref="AffineDensity"/>); log π traces and chain statistics are kept, summaries are recomputed.
    /// </summary>
    /// <param name="map">Writes the mapped draw (second argument) for a draw (first argument); dimension unchanged.</param>
    public LangevinResult MapDraws(Action<double[], double[]> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        var mapped = new double[_draws.Length][];
        var from = new double[Dimension];
        var to = new double[Dimension];
        for (int c = 0; c < _draws.Length; c++)
        {
            mapped[c] = new double[_draws[c].Length];
            for (int k = 0; k < Draws; k++)
            {
                Array.Copy(_draws[c], k * Dimension, from, 0, Dimension);
                map(from, to);
                Array.Copy(to, 0, mapped[c], k * Dimension, Dimension);
            }
        }

        return new LangevinResult(Mode, Dimension, Draws, mapped, _traces, [.. AcceptanceRates], [.. MeanAcceptanceProbabilities], [.. StepSizes], _preconditioners, [.. NonFiniteProposals]);
    }

    /// <summary>The mode that produced the draws.</summary>
    public LangevinMode Mode { get; }

    /// <summary>Number of chains.</summary>
    public int Chains => _draws.Length;

    /// <summary>Kept draws per chain.</summary>
    public int Draws { get; }

    /// <summary>d, the length of u.</summary>
    public int Dimension { get; }

    /// <summary>Fraction of post-warm-up proposals accepted, per chain (ULA: the fraction with a finite density).</summary>
    public IReadOnlyList<double> AcceptanceRates { get; }

    /// <summary>
    /// Mean Metropolis–Hastings acceptance probability of the post-warm-up proposals, per chain. Equals the expected
    /// acceptance rate for MALA; for ULA it measures how far the discretisation is from exact.
    /// </summary>
    public IReadOnlyList<double> MeanAcceptanceProbabilities { get; }

    /// <summary>Step size h used after warm-up, per chain.</summary>
    public IReadOnlyList<double> StepSizes { get; }

    /// <summary>Proposals rejected (warm-up included) because the position, log π or its gradient was not finite, per
    /// chain; for NUTS (<see cref="LangevinMode.NoUTurn"/>) the post-warm-up divergent transitions.</summary>
    public IReadOnlyList<long> NonFiniteProposals { get; }

    /// <summary>Draw <paramref name="draw"/> (length d) of chain <paramref name="chain"/>.</summary>
    public ReadOnlySpan<double> Draw(int chain, int draw)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(draw);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(draw, Draws);
        return _draws[chain].AsSpan(draw * Dimension, Dimension);
    }

    /// <summary>log π of every kept draw of chain <paramref name="chain"/>.</summary>
    public ReadOnlySpan<double> LogDensityTrace(int chain) => _traces[chain];

    /// <summary>The diagonal preconditioner M (variances) chain <paramref name="chain"/> sampled with.</summary>
    public ReadOnlySpan<double> Preconditioner(int chain) => _preconditioners[chain];

    /// <summary>A copy of all draws as [chain][draw][coordinate].</summary>
    public double[][][] CopySamples()
    {
        var result = new double[Chains][][];
        for (int c = 0; c < Chains; c++)
        {
            result[c] = new double[Draws][];
            for (int s = 0; s < Draws; s++)
            {
                result[c][s] = _draws[c].AsSpan(s * Dimension, Dimension).ToArray();
            }
        }

        return result;
    }

    /// <summary>The draws of coordinate <paramref name="index"/> as [chain][draw], the input of <see cref="Diagnostics"/>.</summary>
    public double[][] ParameterDraws(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Dimension);
        var result = new double[Chains][];
        for (int c = 0; c < Chains; c++)
        {
            var x = new double[Draws];
            for (int s = 0; s < Draws; s++)
            {
                x[s] = _draws[c][(s * Dimension) + index];
            }

            result[c] = x;
        }

        return result;
    }

    /// <summary>Pooled mean of all chains' draws (length d).</summary>
    public double[] PooledMean()
    {
        var mean = new double[Dimension];
        foreach (var chain in _draws)
        {
            for (int k = 0; k < chain.Length; k++)
            {
                mean[k % Dimension] += chain[k];
            }
        }

        for (int i = 0; i < Dimension; i++)
        {
            mean[i] /= (double)Chains * Draws;
        }

        return mean;
    }

    /// <summary>Pooled sample covariance (denominator S − 1) of all chains' draws, d × d.</summary>
    public double[][] PooledCovariance()
    {
        int d = Dimension;
        var mean = PooledMean();
        var cov = new double[d][];
        for (int i = 0; i < d; i++)
        {
            cov[i] = new double[d];
        }

        foreach (var chain in _draws)
        {
            for (int s = 0; s < Draws; s++)
            {
                int o = s * d;
                for (int i = 0; i < d; i++)
                {
                    double di = chain[o + i] - mean[i];
                    for (int j = 0; j <= i; j++)
                    {
                        cov[i][j] += di * (chain[o + j] - mean[j]);
                    }
                }
            }
        }

        double denominator = Math.Max(1.0, ((double)Chains * Draws) - 1.0);
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                cov[i][j] /= denominator;
                cov[j][i] = cov[i][j];
            }
        }

        return cov;
    }

    /// <summary>Per-coordinate summary (computed on first use).</summary>
    public IReadOnlyList<ParameterSummary> Summary => _summary ??= ComputeSummary();

    private ReadOnlyCollection<ParameterSummary> ComputeSummary()
    {
        var rows = new ParameterSummary[Dimension];
        for (int i = 0; i < Dimension; i++)
        {
            var chains = ParameterDraws(i);
            var pooled = new double[Chains * Draws];
            for (int c = 0; c < Chains; c++)
            {
                chains[c].CopyTo(pooled, c * Draws);
            }

            double mean = 0.0;
            foreach (double x in pooled)
            {
                mean += x;
            }

            mean /= pooled.Length;
            double ss = 0.0;
            foreach (double x in pooled)
            {
                ss += (x - mean) * (x - mean);
            }

            double sd = pooled.Length > 1 ? Math.Sqrt(ss / (pooled.Length - 1)) : double.NaN;
            Array.Sort(pooled);
            double ess = Diagnostics.SplitEffectiveSampleSize(chains);
            rows[i] = new ParameterSummary(
                i,
                mean,
                sd,
                sd / Math.Sqrt(ess),
                Diagnostics.QuantileOfSorted(pooled, 0.025),
                Diagnostics.QuantileOfSorted(pooled, 0.5),
                Diagnostics.QuantileOfSorted(pooled, 0.975),
                ess,
                Diagnostics.SplitRHat(chains),
                Diagnostics.RankNormalizedSplitRHat(chains));
        }

        return Array.AsReadOnly(rows);
    }
}
