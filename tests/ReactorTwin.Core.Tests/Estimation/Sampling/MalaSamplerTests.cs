using ReactorTwin.Core.Estimation.Sampling;
using Xunit.Abstractions;

namespace ReactorTwin.Core.Tests.Estimation.Sampling;

/// <summary>MALA reproduces known Gaussian moments, adapts h and M in warm-up, and stays exact at large steps.</summary>
public class MalaSamplerTests(ITestOutputHelper output)
{
    private static readonly double[] Mu = ExampleGaussian.Mean;
    private static readonly double[][] Sigma = ExampleGaussian.Covariance;

    [Fact]
    public void Run_CorrelatedGaussian_ReproducesMeanAndCovariance()
    {
        var options = new LangevinOptions
        {
            WarmupIterations = 1000,
            Samples = 4000,
            Chains = 4,
            AdaptPreconditioner = true,
            InitialJitter = 1.0,
            Seed = 20240611,
        };
        var result = new LangevinSampler(options).Run(() => new GaussianTarget(Mu, Sigma), Mu);

        // Means: the ESS-based Monte Carlo standard error sd/√ESS is the sampling sd of the pooled mean (CLT for
        // Markov chains); 4 MCSE bounds a two-sided deviation with probability ≈ 6e−5 per coordinate.
        for (int i = 0; i < 3; i++)
        {
            var s = result.Summary[i];
            output.WriteLine($"u{i}: mean {s.Mean:F4} (true {Mu[i]}), sd {s.StandardDeviation:F4} (true {Math.Sqrt(Sigma[i][i]):F4}), ESS {s.EffectiveSampleSize:F0}, MCSE {s.MonteCarloStandardError:F4}, R̂ {s.SplitRHat:F4}, rank R̂ {s.RankNormalizedSplitRHat:F4}");
            Assert.InRange(s.Mean, Mu[i] - (4 * s.MonteCarloStandardError), Mu[i] + (4 * s.MonteCarloStandardError));
            Assert.InRange(s.SplitRHat, 0.99, 1.01);
            Assert.InRange(s.RankNormalizedSplitRHat, 0.99, 1.01);
        }

        // Covariance: for Gaussian draws Var(Ĉ_ij) = (Σ_ij² + Σ_ii Σ_jj)/N for N independent draws; with correlated
        // draws N is replaced by the smallest per-coordinate ESS (an approximation: products have their own ESS), so
        // 5 of these standard errors leaves room for that approximation while a wrong sign, a missing correlation
        // (0.6 × 2 = 1.2 off for Σ₀₁) or a 10 % scale error would still fail.
        var cov = result.PooledCovariance();
        double essMin = result.Summary.Min(s => s.EffectiveSampleSize);
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double se = Math.Sqrt(((Sigma[i][j] * Sigma[i][j]) + (Sigma[i][i] * Sigma[j][j])) / essMin);
                output.WriteLine($"C[{i},{j}] = {cov[i][j]:F4} (true {Sigma[i][j]:F4}, SE {se:F4})");
                Assert.InRange(cov[i][j], Sigma[i][j] - (5 * se), Sigma[i][j] + (5 * se));
            }
        }

        // Acceptance after adaptation to 0.574: dual averaging hits the target up to the spread of α over a finite
        // warm-up; 0.45–0.70 is the window asked for and excludes unadapted steps (h = 0.1 with M = I gives ≈ 0.99).
        for (int c = 0; c < result.Chains; c++)
        {
            output.WriteLine($"chain {c}: acceptance {result.AcceptanceRates[c]:F3}, h {result.StepSizes[c]:F3}, M [{string.Join(", ", result.Preconditioner(c).ToArray().Select(v => v.ToString("F3")))}]");
            Assert.InRange(result.AcceptanceRates[c], 0.45, 0.70);
        }
    }

    [Fact]
    public void Run_BadlyScaledGaussianWithPreconditionerAdaptation_LearnsVariancesAndMixesFaster()
    {
        // Independent N(0, 10²) × N(0, 0.1²): with M = I the step is limited by the narrow coordinate, so the wide
        // one moves by ~√h ≈ 0.1 per step against a scale of 10 and barely mixes. Adapting M to the variances makes
        // the problem isotropic.
        double[] mu = [0.0, 0.0];
        double[][] sigma = [[100.0, 0.0], [0.0, 0.01]];
        var baseOptions = new LangevinOptions { WarmupIterations = 1000, Samples = 2000, Chains = 4, Seed = 7 };
        var adapted = new LangevinSampler(baseOptions with { AdaptPreconditioner = true }).Run(() => new GaussianTarget(mu, sigma), mu);
        var identity = new LangevinSampler(baseOptions).Run(() => new GaussianTarget(mu, sigma), mu);

        // The last window holds 500 draws of each chain with ESS in the low hundreds, so the variance estimate has a
        // relative sd ≈ √(2/ESS) ≈ 0.1; a factor 0.6–1.6 is > 4 sd wide yet rules out the identity (ratio 100 or 0.01).
        for (int c = 0; c < adapted.Chains; c++)
        {
            var m = adapted.Preconditioner(c);
            output.WriteLine($"chain {c}: M = [{m[0]:F3}, {m[1]:F5}], h = {adapted.StepSizes[c]:F3}, acceptance {adapted.AcceptanceRates[c]:F3}");
            Assert.InRange(m[0] / 100.0, 0.6, 1.6);
            Assert.InRange(m[1] / 0.01, 0.6, 1.6);
            Assert.InRange(adapted.AcceptanceRates[c], 0.45, 0.70);
        }

        double essAdapted = adapted.Summary[0].EffectiveSampleSize;
        double essIdentity = identity.Summary[0].EffectiveSampleSize;
        output.WriteLine($"ESS of the wide coordinate: adapted {essAdapted:F0}, identity {essIdentity:F0} (of {adapted.Chains * adapted.Draws})");
        Assert.True(essAdapted > 10 * essIdentity, $"adapted ESS {essAdapted:F0} vs identity {essIdentity:F0}");
        Assert.InRange(adapted.Summary[0].Mean, -4 * adapted.Summary[0].MonteCarloStandardError, 4 * adapted.Summary[0].MonteCarloStandardError);
    }

    [Fact]
    public void Run_MalaAtLargeFixedStep_VarianceUnbiasedWhereUlaIsNot()
    {
        // N(0, σ²), σ² = 4, h = σ²: ULA's stationary variance is σ²/(1 − h/(4σ²)) = 4/0.75 = 5.33 (see
        // UlaSamplerTests), 33 % too wide. The MH correction — including the asymmetric q(u|u′)/q(u′|u) — must remove
        // that bias entirely; dropping the proposal-density ratio would leave MALA biased.
        const double sigma2 = 4.0;
        var options = new LangevinOptions
        {
            InitialStepSize = sigma2,
            AdaptStepSize = false,
            WarmupIterations = 200,
            Samples = 25_000,
            Chains = 4,
            Seed = 99,
        };
        var mala = new LangevinSampler(options).Run(() => new GaussianTarget([0.0], [[sigma2]]), [0.0]);
        var ula = new LangevinSampler(options with { Mode = LangevinMode.Unadjusted }).Run(() => new GaussianTarget([0.0], [[sigma2]]), [0.0]);

        // Var(ŝ²) ≈ 2σ⁴/ESS for Gaussian draws; 4 such standard errors.
        double ess = mala.Summary[0].EffectiveSampleSize;
        double varMala = mala.Summary[0].StandardDeviation * mala.Summary[0].StandardDeviation;
        double varUla = ula.Summary[0].StandardDeviation * ula.Summary[0].StandardDeviation;
        double se = sigma2 * Math.Sqrt(2.0 / ess);
        output.WriteLine($"MALA variance {varMala:F4} (ESS {ess:F0}, SE {se:F4}, acceptance {mala.AcceptanceRates.Average():F3}); ULA variance {varUla:F4} (closed form {sigma2 / 0.75:F4})");
        Assert.InRange(varMala, sigma2 - (4 * se), sigma2 + (4 * se));
        Assert.True(varUla > sigma2 * 1.2, $"ULA variance {varUla} should show its O(h) bias");
    }
}
