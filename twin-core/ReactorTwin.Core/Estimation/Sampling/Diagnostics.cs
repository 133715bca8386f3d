using MathNet.Numerics.Distributions;

namespace ReactorTwin.Core.Estimation.Sampling;

/// <summary>
/// MCMC convergence and efficiency diagnostics on draws of one scalar laid out as [chain][draw] (all chains the same
/// length): autocovariance by FFT, effective sample size by Geyer's initial monotone sequence on the combined
/// chains (Stan; Vehtari et al. 2021, eq. 10–11), plain split-R̂ (Gelman et al., BDA3 §11.4) and rank-normalised
/// folded split-R̂ (Vehtari et al. 2021). Undefined results (too few draws, zero variance) are NaN.
/// </summary>
public static class Diagnostics
{
    /// <summary>
    /// Biased autocovariance γ̂_t = (1/n) Σ_{s=0}^{n−1−t} (x_s − x̄)(x_{s+t} − x̄), t = 0 … n−1, computed by a
    /// zero-padded radix-2 FFT in O(n log n).
    /// </summary>
    public static double[] Autocovariance(ReadOnlySpan<double> x)
    {
        int n = x.Length;
        if (n == 0)
        {
            return [];
        }

        double mean = 0.0;
        foreach (double v in x)
        {
            mean += v;
        }

        mean /= n;
        int length = 1;
        while (length < 2 * n)
        {
            length <<= 1;
        }

        var re = new double[length];
        var im = new double[length];
        for (int i = 0; i < n; i++)
        {
            re[i] = x[i] - mean;
        }

        Fft.Forward(re, im);
        for (int k = 0; k < length; k++)
        {
            re[k] = (re[k] * re[k]) + (im[k] * im[k]);
            im[k] = 0.0;
        }

        // The power spectrum is real and even, so its forward transform equals length × its inverse transform.
        Fft.Forward(re, im);
        var acov = new double[n];
        double scale = 1.0 / ((double)length * n);
        for (int t = 0; t < n; t++)
        {
            acov[t] = re[t] * scale;
        }

        return acov;
    }

    /// <summary>Autocorrelation ρ̂_t = γ̂_t / γ̂_0 (NaN if x is constant).</summary>
    public static double[] Autocorrelation(ReadOnlySpan<double> x)
    {
        var acov = Autocovariance(x);
        double c0 = acov.Length > 0 ? acov[0] : 0.0;
        for (int t = 0; t < acov.Length; t++)
        {
            acov[t] = c0 > 0 ? acov[t] / c0 : double.NaN;
        }

        return acov;
    }

    /// <summary>
    /// Effective sample size of the pooled draws of M chains of n draws, without splitting (Stan's
    /// <c>compute_effective_sample_size</c>): with W the mean within-chain variance and
    /// var⁺ = (n−1)/n W + Var(chain means),
    /// <code>
    /// ρ̂_t = 1 − (W − mean_m γ̂_{m,t}) / var⁺,   τ̂ = −1 + 2 Σ_{t&lt;T} ρ̂_t + ρ̂_T,   ESS = min(Mn / τ̂, Mn log₁₀(Mn))
    /// </code>
    /// where the sum runs over Geyer's initial positive sequence of pair sums ρ̂_{2k} + ρ̂_{2k+1}, made monotone.
    /// NaN when n &lt; 4 or the draws are constant. For an AR(1) chain with coefficient φ, ESS/n → (1−φ)/(1+φ).
    /// </summary>
    /// <param name="chains">[chain][draw], equal lengths.</param>
    public static double EffectiveSampleSize(double[][] chains)
    {
        int n = CheckChains(chains);
        int m = chains.Length;
        if (n < 4)
        {
            return double.NaN;
        }

        var acov = new double[m][];
        var chainMean = new double[m];
        double meanVar = 0.0;
        for (int c = 0; c < m; c++)
        {
            acov[c] = Autocovariance(chains[c]);
            chainMean[c] = Mean(chains[c]);
            meanVar += acov[c][0] * n / (n - 1.0);
        }

        meanVar /= m;
        double varPlus = meanVar * (n - 1.0) / n;
        if (m > 1)
        {
            varPlus += SampleVariance(chainMean);
        }

        if (!(varPlus > 0) || !double.IsFinite(varPlus))
        {
            return double.NaN;
        }

        double MeanAcov(int t)
        {
            double s = 0.0;
            for (int c = 0; c < m; c++)
            {
                s += acov[c][t];
            }

            return s / m;
        }

        var rho = new double[n];
        double rhoEven = 1.0;
        double rhoOdd = 1.0 - ((meanVar - MeanAcov(1)) / varPlus);
        rho[0] = rhoEven;
        rho[1] = rhoOdd;

        // Geyer's initial positive sequence; stop at n − 4 and keep the last pair as a bias term (antithetic chains).
        int s = 1;
        while (s < n - 4 && rhoEven + rhoOdd > 0)
        {
            rhoEven = 1.0 - ((meanVar - MeanAcov(s + 1)) / varPlus);
            rhoOdd = 1.0 - ((meanVar - MeanAcov(s + 2)) / varPlus);
            if (rhoEven + rhoOdd >= 0)
            {
                rho[s + 1] = rhoEven;
                rho[s + 2] = rhoOdd;
            }

            s += 2;
        }

        int maxS = s;
        if (rhoEven > 0)
        {
            rho[maxS + 1] = rhoEven;
        }

        // Initial monotone sequence.
        for (int k = 1; k <= maxS - 3; k += 2)
        {
            if (rho[k + 1] + rho[k + 2] > rho[k - 1] + rho[k])
            {
                rho[k + 1] = (rho[k - 1] + rho[k]) / 2.0;
                rho[k + 2] = rho[k + 1];
            }
        }

        double total = (double)m * n;
        double tau = -1.0 + rho[maxS + 1];
        for (int k = 0; k < maxS; k++)
        {
            tau += 2.0 * rho[k];
        }

        double cap = total * Math.Log10(total);
        return tau > 0 ? Math.Min(total / tau, cap) : cap;
    }

    /// <summary>
    /// <see cref="EffectiveSampleSize"/> after splitting every chain into its first and second half (the middle draw
    /// of an odd-length chain is dropped), as Stan and Vehtari et al. (2021) report it; splitting makes a trend
    /// within a chain lower the ESS. This is the ESS of <see cref="LangevinResult.Summary"/> (no rank normalisation).
    /// </summary>
    public static double SplitEffectiveSampleSize(double[][] chains) => EffectiveSampleSize(Split(chains));

    /// <summary>
    /// Plain split-R̂ (Gelman et al., BDA3): each chain is split in halves of n draws, W is the mean within-half
    /// variance, B/n the variance of the half means, and R̂ = √(((n−1)/n W + B/n) / W). ≈ 1 for converged chains;
    /// values above 1.01 (strict) or 1.1 (lenient) signal that the chains disagree. NaN for fewer than 4 draws per
    /// chain or zero within-chain variance.
    /// </summary>
    public static double SplitRHat(double[][] chains) => RHat(Split(chains));

    /// <summary>
    /// Rank-normalised split-R̂ of Vehtari et al. (2021): the maximum of split-R̂ on the normal scores
    /// z = Φ⁻¹((r − 3/8)/(S + 1/4)) of the pooled ranks r of the draws (bulk) and of their distances to the pooled
    /// median (tails). Robust to heavy tails and sensitive to differing scales.
    /// </summary>
    public static double RankNormalizedSplitRHat(double[][] chains)
    {
        var halves = Split(chains);
        var bulk = RHat(RankNormalize(halves));
        int total = halves.Length * (halves.Length > 0 ? halves[0].Length : 0);
        var pooled = new double[total];
        int k = 0;
        foreach (var h in halves)
        {
            h.CopyTo(pooled, k);
            k += h.Length;
        }

        Array.Sort(pooled);
        double median = QuantileOfSorted(pooled, 0.5);
        var folded = new double[halves.Length][];
        for (int c = 0; c < halves.Length; c++)
        {
            folded[c] = new double[halves[c].Length];
            for (int i = 0; i < folded[c].Length; i++)
            {
                folded[c][i] = Math.Abs(halves[c][i] - median);
            }
        }

        var tail = RHat(RankNormalize(folded));
        return double.IsNaN(bulk) || double.IsNaN(tail) ? double.NaN : Math.Max(bulk, tail);
    }

    /// <summary>Quantile of sorted values by linear interpolation between order statistics (Hyndman–Fan type 7).</summary>
    internal static double QuantileOfSorted(ReadOnlySpan<double> sorted, double p)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        double h = (sorted.Length - 1) * p;
        int lo = (int)Math.Floor(h);
        if (lo >= sorted.Length - 1)
        {
            return sorted[^1];
        }

        return sorted[lo] + ((h - lo) * (sorted[lo + 1] - sorted[lo]));
    }

    /// <summary>Reference O(n²) autocovariance (same definition as <see cref="Autocovariance"/>), for tests.</summary>
    internal static double[] AutocovarianceDirect(ReadOnlySpan<double> x)
    {
        int n = x.Length;
        double mean = 0.0;
        foreach (double v in x)
        {
            mean += v;
        }

        mean /= n;
        var acov = new double[n];
        for (int t = 0; t < n; t++)
        {
            double s = 0.0;
            for (int i = 0; i + t < n; i++)
            {
                s += (x[i] - mean) * (x[i + t] - mean);
            }

            acov[t] = s / n;
        }

        return acov;
    }

    private static double RHat(double[][] chains)
    {
        int n = chains.Length > 0 ? chains[0].Length : 0;
        if (n < 2 || chains.Length < 2)
        {
            return double.NaN;
        }

        var means = new double[chains.Length];
        double w = 0.0;
        for (int c = 0; c < chains.Length; c++)
        {
            means[c] = Mean(chains[c]);
            w += SampleVariance(chains[c]);
        }

        w /= chains.Length;
        if (!(w > 0))
        {
            return double.NaN;
        }

        double varPlus = ((n - 1.0) / n * w) + SampleVariance(means);
        return Math.Sqrt(varPlus / w);
    }

    private static double[][] Split(double[][] chains)
    {
        int n = CheckChains(chains);
        int half = n / 2;
        var halves = new double[2 * chains.Length][];
        for (int c = 0; c < chains.Length; c++)
        {
            halves[2 * c] = chains[c].AsSpan(0, half).ToArray();
            halves[(2 * c) + 1] = chains[c].AsSpan(n - half, half).ToArray();
        }

        return halves;
    }

    private static double[][] RankNormalize(double[][] chains)
    {
        int n = chains.Length > 0 ? chains[0].Length : 0;
        int total = chains.Length * n;
        var values = new double[total];
        var order = new int[total];
        for (int c = 0; c < chains.Length; c++)
        {
            chains[c].CopyTo(values, c * n);
        }

        for (int i = 0; i < total; i++)
        {
            order[i] = i;
        }

        Array.Sort(values, order);
        var z = new double[total];
        for (int i = 0; i < total;)
        {
            int j = i;
            while (j + 1 < total && values[j + 1] == values[i])
            {
                j++;
            }

            double rank = ((i + j) / 2.0) + 1.0; // average rank of ties, 1-based
            double score = Normal.InvCDF(0.0, 1.0, (rank - 0.375) / (total + 0.25));
            for (int k = i; k <= j; k++)
            {
                z[order[k]] = score;
            }

            i = j + 1;
        }

        var result = new double[chains.Length][];
        for (int c = 0; c < chains.Length; c++)
        {
            result[c] = z.AsSpan(c * n, n).ToArray();
        }

        return result;
    }

    private static int CheckChains(double[][] chains)
    {
        ArgumentNullException.ThrowIfNull(chains);
        if (chains.Length == 0)
        {
            throw new ArgumentException("at least one chain is needed", nameof(chains));
        }

        ArgumentNullException.ThrowIfNull(chains[0], nameof(chains));
        int n = chains[0].Length;
        foreach (var chain in chains)
        {
            if (chain is null || chain.Length != n)
            {
                throw new ArgumentException("all chains must be non-null and of equal length", nameof(chains));
            }
        }

        return n;
    }

    private static double Mean(ReadOnlySpan<double> x)
    {
        double s = 0.0;
        foreach (double v in x)
        {
            s += v;
        }

        return s / x.Length;
    }

    private static double SampleVariance(ReadOnlySpan<double> x)
    {
        double mean = Mean(x);
        double s = 0.0;
        foreach (double v in x)
        {
            s += (v - mean) * (v - mean);
        }

        return s / (x.Length - 1);
    }
}

/// <summary>In-place iterative radix-2 Cooley–Tukey FFT on separate real and imaginary arrays.</summary>
internal static class Fft
{
    /// <summary>X_k = Σ_j x_j e^{−2πi jk/N}; N must be a power of two.</summary>
    public static void Forward(double[] re, double[] im)
    {
        int n = re.Length;
        if (n != im.Length || (n & (n - 1)) != 0)
        {
            throw new ArgumentException("the FFT needs two arrays of one power-of-two length", nameof(re));
        }

        for (int i = 1, j = 0; i < n; i++)
        {
            int bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1)
            {
                j ^= bit;
            }

            j ^= bit;
            if (i < j)
            {
                (re[i], re[j]) = (re[j], re[i]);
                (im[i], im[j]) = (im[j], im[i]);
            }
        }

        for (int len = 2; len <= n; len <<= 1)
        {
            int half = len >> 1;
            double angle = -2.0 * Math.PI / len;
            for (int k = 0; k < half; k++)
            {
                (double sin, double cos) = Math.SinCos(angle * k);
                for (int i = k; i < n; i += len)
                {
                    int j = i + half;
                    double tr = (re[j] * cos) - (im[j] * sin);
                    double ti = (re[j] * sin) + (im[j] * cos);
                    re[j] = re[i] - tr;
                    im[j] = im[i] - ti;
                    re[i] += tr;
                    im[i] += ti;
                }
            }
        }
    }
}
