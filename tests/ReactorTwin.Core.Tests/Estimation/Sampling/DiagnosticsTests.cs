using ReactorTwin.Core.Estimation.Sampling;
using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Core.Tests.Estimation.Sampling;

/// <summary>Autocovariance, ESS and split-R̂ on sequences with known properties.</summary>
public class DiagnosticsTests
{
    /// <summary>Stationary AR(1) chains x_t = φ x_{t−1} + √(1−φ²) ε_t with x_0 ~ N(0, 1) (unit marginal variance).</summary>
    private static double[][] Ar1(int chains, int n, double phi, int seed, double[]? offsets = null)
    {
        var normal = new GaussianSource(new Random(seed));
        double s = Math.Sqrt(1 - (phi * phi));
        var result = new double[chains][];
        for (int c = 0; c < chains; c++)
        {
            result[c] = new double[n];
            double x = normal.Next();
            for (int t = 0; t < n; t++)
            {
                result[c][t] = x + (offsets?[c] ?? 0.0);
                x = (phi * x) + (s * normal.Next());
            }
        }

        return result;
    }

    [Fact]
    public void Autocovariance_RandomSequence_EqualsDirectSum()
    {
        // 1000 is not a power of two, so zero-padding and the wrap-around guard both matter. Round-off of an FFT of
        // length 2048 on O(1) data is ~1e−14; 1e−10 is loose for that but far below any indexing or scaling error.
        var normal = new GaussianSource(new Random(3));
        var x = new double[1000];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = 2.0 + normal.Next() + (i % 7 == 0 ? 1.0 : 0.0);
        }

        var fast = Diagnostics.Autocovariance(x);
        var direct = Diagnostics.AutocovarianceDirect(x);
        Assert.Equal(direct.Length, fast.Length);
        for (int t = 0; t < x.Length; t++)
        {
            Assert.Equal(direct[t], fast[t], 1e-10);
        }

        var rho = Diagnostics.Autocorrelation(x);
        Assert.Equal(1.0, rho[0], 1e-14);
    }

    [Theory]
    [InlineData(0.0, 5000, 0.08)]
    [InlineData(0.5, 5000, 0.12)]
    [InlineData(-0.5, 5000, 0.12)]
    [InlineData(0.9, 25000, 0.15)]
    public void EffectiveSampleSize_Ar1Chains_MatchesIntegratedAutocorrelationTime(double phi, int n, double tolerance)
    {
        // For AR(1), ρ_t = φ^t and τ = 1 + 2Σρ_t = (1+φ)/(1−φ), so ESS/N → (1−φ)/(1+φ): 1 (iid), 1/3, 3 (antithetic)
        // and 0.0526. Tolerances: over 200 seeds the ratio estimate/expected stayed within ±7 % (φ = 0, 4×5000),
        // ±10 % (φ = ±0.5) and ±12 % (φ = 0.9 at 4×5000 ⇒ ±6 % at 4×25000 by √5); the bounds are ≥ 1.5× those
        // extremes and tight enough to fail if τ were taken without the factor 2 or without the Geyer truncation.
        var chains = Ar1(4, n, phi, seed: 11);
        double total = 4.0 * n;
        double expected = (1 - phi) / (1 + phi);
        double ratio = Diagnostics.EffectiveSampleSize(chains) / total / expected;
        Assert.InRange(ratio, 1 - tolerance, 1 + tolerance);
    }

    [Fact]
    public void SplitEffectiveSampleSize_IidChains_CloseToNumberOfDraws()
    {
        var chains = Ar1(4, 2000, 0.0, seed: 5);
        double ess = Diagnostics.SplitEffectiveSampleSize(chains);
        Assert.InRange(ess / 8000.0, 0.9, 1.1);
    }

    [Fact]
    public void EffectiveSampleSize_ConstantOrTooShort_NaN()
    {
        Assert.True(double.IsNaN(Diagnostics.EffectiveSampleSize([[1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0]])));
        Assert.True(double.IsNaN(Diagnostics.EffectiveSampleSize([[1.0, 2.0, 3.0]])));
        Assert.Throws<ArgumentException>(() => Diagnostics.EffectiveSampleSize([[1.0, 2.0, 3.0, 4.0], [1.0, 2.0]]));
        Assert.Throws<ArgumentException>(() => Diagnostics.SplitRHat([]));
    }

    [Fact]
    public void SplitRHat_WellMixedChains_CloseToOne()
    {
        // 8 half-chains of 500 iid draws: B/n ≈ Var(half means) ≈ 1/500, so R̂ − 1 is O(10⁻³); 1.01 is Stan's
        // strict threshold.
        var chains = Ar1(4, 1000, 0.0, seed: 17);
        Assert.InRange(Diagnostics.SplitRHat(chains), 0.99, 1.01);
        Assert.InRange(Diagnostics.RankNormalizedSplitRHat(chains), 0.99, 1.01);
    }

    [Fact]
    public void SplitRHat_ChainsWithDifferentMeans_AboveThreshold()
    {
        // Chain means 0, 0.5, 1, 1.5 with unit within-chain variance: Var(means) = 0.417, so R̂ ≈ √1.417 ≈ 1.19.
        var chains = Ar1(4, 1000, 0.0, seed: 19, offsets: [0.0, 0.5, 1.0, 1.5]);
        double rhat = Diagnostics.SplitRHat(chains);
        Assert.InRange(rhat, 1.1, 1.3);
        Assert.True(Diagnostics.RankNormalizedSplitRHat(chains) > 1.1);
    }

    [Fact]
    public void SplitRHat_SingleChainThatShiftsHalfway_AboveThreshold()
    {
        // One chain whose second half sits 1 sd higher: only splitting can see it (R̂ of one whole chain is undefined).
        var chain = Ar1(1, 2000, 0.0, seed: 23)[0];
        for (int t = 1000; t < 2000; t++)
        {
            chain[t] += 1.0;
        }

        Assert.True(Diagnostics.SplitRHat([chain]) > 1.1);
    }

    [Fact]
    public void RankNormalizedSplitRHat_ChainsWithDifferentScales_DetectedWherePlainIsNot()
    {
        // Same mean, sd 1 vs 3: the means agree, so plain split-R̂ stays near 1; the folded (tail) part of the
        // rank-normalised R̂ compares |x − median| and sees the threefold spread.
        var chains = Ar1(4, 1000, 0.0, seed: 29);
        for (int t = 0; t < 1000; t++)
        {
            chains[2][t] *= 3.0;
            chains[3][t] *= 3.0;
        }

        Assert.True(Diagnostics.SplitRHat(chains) < 1.05, "plain split-R̂ compares means only");
        Assert.True(Diagnostics.RankNormalizedSplitRHat(chains) > 1.1);
    }
}
