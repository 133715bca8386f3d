using ReactorTwin.Core.Estimation.Sampling;
using Xunit.Abstractions;

namespace ReactorTwin.Core.Tests.Estimation.Sampling;

/// <summary>
/// The No-U-Turn sampler (<see cref="LangevinMode.NoUTurn"/>) against targets with known moments: it must reproduce
/// them within Monte Carlo error, stay inside a truncated support, adapt its step size, and mix far better per draw
/// than MALA on an ill-conditioned target (the point of long trajectories).
/// </summary>
public class NutsSamplerTests(ITestOutputHelper output)
{
    private static readonly double[] Mu = ExampleGaussian.Mean;
    private static readonly double[][] Sigma = ExampleGaussian.Covariance;

    private static LangevinOptions Nuts(int seed) => new()
    {
        Mode = LangevinMode.NoUTurn,
        WarmupIterations = 500,
        Samples = 2000,
        Chains = 4,
        InitialJitter = 1.0,
        Seed = seed,
    };

    [Fact]
    public void Run_CorrelatedGaussian_ReproducesMeanAndCovariance()
    {
        var result = new LangevinSampler(Nuts(7)).Run(() => new GaussianTarget(Mu, Sigma), Mu);

        // Means within 4 Monte Carlo standard errors (sd/√ESS); R̂ ≈ 1.
        for (int i = 0; i < 3; i++)
        {
            var s = result.Summary[i];
            output.WriteLine($"u{i}: mean {s.Mean:F4} (true {Mu[i]}), sd {s.StandardDeviation:F4} (true {Math.Sqrt(Sigma[i][i]):F4}), ESS {s.EffectiveSampleSize:F0}, rank R̂ {s.RankNormalizedSplitRHat:F4}");
            Assert.InRange(s.Mean, Mu[i] - (4 * s.MonteCarloStandardError), Mu[i] + (4 * s.MonteCarloStandardError));
            Assert.InRange(s.RankNormalizedSplitRHat, 0.99, 1.01);
        }

        // Covariance within 5 SE of a Gaussian sample covariance with N = min ESS (as for MALA).
        var cov = result.PooledCovariance();
        double essMin = result.Summary.Min(s => s.EffectiveSampleSize);
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double se = Math.Sqrt(((Sigma[i][j] * Sigma[i][j]) + (Sigma[i][i] * Sigma[j][j])) / essMin);
                Assert.InRange(cov[i][j], Sigma[i][j] - (5 * se), Sigma[i][j] + (5 * se));
            }
        }

        // Step size adapted toward a mean acceptance statistic of 0.8 (dual averaging over 500 warm-up transitions).
        for (int c = 0; c < result.Chains; c++)
        {
            output.WriteLine($"chain {c}: accept stat {result.AcceptanceRates[c]:F3}, ε {result.StepSizes[c]:F3}, divergences {result.NonFiniteProposals[c]}");
            Assert.InRange(result.AcceptanceRates[c], 0.65, 0.95);
            Assert.Equal(0, result.NonFiniteProposals[c]);
        }
    }

    [Fact]
    public void Run_IllConditionedGaussian_EffectiveSamplesPerDrawFarAboveMala()
    {
        // sd 1 and 30 along uncorrelated axes (condition number 900) with an identity metric: MALA's step is limited
        // by the narrow direction and random-walks along the wide one; NUTS's trajectories cross it. NUTS reaches an
        // ESS per draw on the wide coordinate at least 10× MALA's (measured about 0.3 against 0.003).
        double[] mu = [0.0, 0.0];
        var sigma = GaussianTarget.Covariance([1.0, 30.0], [[1.0, 0.0], [0.0, 1.0]]);
        var nuts = new LangevinSampler(Nuts(3)).Run(() => new GaussianTarget(mu, sigma), mu);
        var mala = new LangevinSampler(Nuts(3) with { Mode = LangevinMode.MetropolisAdjusted }).Run(() => new GaussianTarget(mu, sigma), mu);
        double perDrawNuts = nuts.Summary[1].EffectiveSampleSize / 8000.0, perDrawMala = mala.Summary[1].EffectiveSampleSize / 8000.0;
        output.WriteLine($"ESS per draw of the wide coordinate: NUTS {perDrawNuts:F4}, MALA {perDrawMala:F4}; NUTS sd {nuts.Summary[1].StandardDeviation:F2} (true 30)");
        Assert.True(perDrawNuts > 10 * perDrawMala, $"NUTS {perDrawNuts:F4} vs MALA {perDrawMala:F4}");
        Assert.InRange(nuts.Summary[1].StandardDeviation, 27, 33);
    }

    [Fact]
    public void Run_TruncatedGaussian_NoDrawOutsideSupportAndHalfNormalMean()
    {
        // u₀ > 0 of a 2-D standard normal: leaving the support is a divergence, never a draw; E[u₀] = √(2/π).
        var result = new LangevinSampler(Nuts(11)).Run(() => new TruncatedGaussianTarget(2), [1.0, 0.0]);
        double mean = 0;
        for (int c = 0; c < result.Chains; c++)
        {
            for (int s = 0; s < result.Draws; s++)
            {
                double u0 = result.Draw(c, s)[0];
                Assert.True(u0 > 0, $"draw outside the support: {u0}");
                mean += u0;
            }
        }

        mean /= result.Chains * result.Draws;
        var summary = result.Summary[0];
        output.WriteLine($"mean {mean:F4} (true {Math.Sqrt(2 / Math.PI):F4}), MCSE {summary.MonteCarloStandardError:F4}");
        Assert.InRange(mean, Math.Sqrt(2 / Math.PI) - (4 * summary.MonteCarloStandardError), Math.Sqrt(2 / Math.PI) + (4 * summary.MonteCarloStandardError));
    }

    [Fact]
    public void Run_SameSeed_IdenticalDrawsAndParallelEqualsSequential()
    {
        var a = new LangevinSampler(Nuts(5) with { Samples = 200, WarmupIterations = 100 }).Run(() => new GaussianTarget(Mu, Sigma), Mu);
        var b = new LangevinSampler(Nuts(5) with { Samples = 200, WarmupIterations = 100, RunChainsInParallel = true }).Run(() => new GaussianTarget(Mu, Sigma), Mu);
        for (int c = 0; c < a.Chains; c++)
        {
            for (int s = 0; s < a.Draws; s++)
            {
                Assert.Equal(a.Draw(c, s).ToArray(), b.Draw(c, s).ToArray());
            }
        }
    }

    [Fact]
    public void Options_NutsWithADiagonalPreconditioner_Rejected()
    {
        Assert.Throws<ArgumentException>(() => new LangevinSampler(Nuts(1) with { Preconditioner = [1.0, 1.0, 1.0] }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LangevinSampler(Nuts(1) with { MaxTreeDepth = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LangevinSampler(Nuts(1) with { NoUTurnTargetAcceptance = 1.0 }));
    }
}
