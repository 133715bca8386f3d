using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Estimation.Sampling;

namespace ReactorTwin.Core.Tests.Estimation.Sampling;

/// <summary>Determinism, support and NaN handling, option validation and the no-allocation step.</summary>
public class LangevinSamplerTests
{
    private static readonly double[] Mu = [0.5, -1.0];
    private static readonly double[][] Sigma = [[1.0, 0.5], [0.5, 2.0]];

    private static LangevinOptions Small => new()
    {
        WarmupIterations = 300,
        Samples = 500,
        Chains = 4,
        Thinning = 2,
        AdaptPreconditioner = true,
        InitialJitter = 0.5,
        Seed = 42,
    };

    private static double[] Flatten(LangevinResult r) => [.. r.CopySamples().SelectMany(c => c.SelectMany(d => d))];

    [Fact]
    public void Run_SameSeed_IdenticalDraws()
    {
        var a = new LangevinSampler(Small).Run(() => new GaussianTarget(Mu, Sigma), Mu);
        var b = new LangevinSampler(Small).Run(() => new GaussianTarget(Mu, Sigma), Mu);
        Assert.Equal(Flatten(a), Flatten(b));
        Assert.Equal(a.StepSizes, b.StepSizes);
        Assert.Equal(a.LogDensityTrace(3).ToArray(), b.LogDensityTrace(3).ToArray());

        var other = new LangevinSampler(Small with { Seed = 43 }).Run(() => new GaussianTarget(Mu, Sigma), Mu);
        Assert.NotEqual(Flatten(a), Flatten(other));
        Assert.NotEqual(a.ParameterDraws(0)[0], a.ParameterDraws(0)[1]); // chains use different streams
    }

    [Theory]
    [InlineData(LangevinMode.MetropolisAdjusted)]
    [InlineData(LangevinMode.Unadjusted)]
    public void Run_ParallelChains_IdenticalToSequential(LangevinMode mode)
    {
        var options = Small with { Mode = mode, Chains = 6 };
        var sequential = new LangevinSampler(options).Run(() => new GaussianTarget(Mu, Sigma), Mu);
        var parallel = new LangevinSampler(options with { RunChainsInParallel = true }).Run(() => new GaussianTarget(Mu, Sigma), Mu);
        Assert.Equal(Flatten(sequential), Flatten(parallel));
        Assert.Equal(sequential.AcceptanceRates, parallel.AcceptanceRates);
        Assert.Equal(sequential.StepSizes, parallel.StepSizes);
    }

    [Theory]
    [InlineData(LangevinMode.MetropolisAdjusted)]
    [InlineData(LangevinMode.Unadjusted)]
    public void Run_TruncatedGaussian_NoDrawOutsideSupport(LangevinMode mode)
    {
        // π ∝ N(0, I₂) on u₀ > 0, −∞ elsewhere. Starting at u₀ = 0.3 the proposals cross zero often, so the
        // rejection path is exercised (counted), yet no kept draw may have u₀ ≤ 0 and the trace stays finite.
        var options = new LangevinOptions { Mode = mode, WarmupIterations = 500, Samples = 3000, Chains = 4, InitialStepSize = 0.5, Seed = 5 };
        var result = new LangevinSampler(options).Run(() => new TruncatedGaussianTarget(2), [0.3, 0.0]);
        Assert.True(result.NonFiniteProposals.Sum() > 100, "the boundary should reject many proposals");
        for (int c = 0; c < result.Chains; c++)
        {
            for (int s = 0; s < result.Draws; s++)
            {
                Assert.True(result.Draw(c, s)[0] > 0.0);
                Assert.True(double.IsFinite(result.LogDensityTrace(c)[s]));
            }
        }

        if (mode == LangevinMode.MetropolisAdjusted)
        {
            // MALA is exact on the truncated target: E[u₀ | u₀ > 0] = √(2/π) for a half-normal; 4 MCSE as elsewhere.
            var s0 = result.Summary[0];
            double halfNormalMean = Math.Sqrt(2 / Math.PI);
            Assert.InRange(s0.Mean, halfNormalMean - (4 * s0.MonteCarloStandardError), halfNormalMean + (4 * s0.MonteCarloStandardError));
        }
    }

    [Theory]
    [InlineData(LangevinMode.MetropolisAdjusted)]
    [InlineData(LangevinMode.Unadjusted)]
    public void Run_NaNOrInfiniteDensityOrGradient_ProposalsRejected(LangevinMode mode)
    {
        // NaN log π above 1.5, NaN gradient in [−2.5, −1.5), +∞ log π below −2.5: all must be rejected, so every
        // draw lies in [−1.5, 1.5] and is finite.
        var options = new LangevinOptions { Mode = mode, WarmupIterations = 200, Samples = 3000, Chains = 2, InitialStepSize = 1.0, Seed = 8 };
        var result = new LangevinSampler(options).Run(() => new MisbehavingTarget(), [0.0]);
        Assert.True(result.NonFiniteProposals.Sum() > 50);
        foreach (var chain in result.ParameterDraws(0))
        {
            Assert.All(chain, x => Assert.InRange(x, -1.5, 1.5));
        }

        Assert.All(result.Summary, s => Assert.True(double.IsFinite(s.Mean) && double.IsFinite(s.StandardDeviation)));
    }

    [Fact]
    public void Run_InitialPointOutsideSupport_Throws()
    {
        var sampler = new LangevinSampler(new LangevinOptions { Chains = 1, WarmupIterations = 10, Samples = 10 });
        Assert.Throws<ArgumentException>(() => sampler.Run(() => new TruncatedGaussianTarget(2), [-1.0, 0.0]));
        Assert.Throws<ArgumentException>(() => sampler.Run(() => new MisbehavingTarget(), [2.0]));
        Assert.Throws<ArgumentException>(() => sampler.Run(() => new MisbehavingTarget(), [0.0, 0.0]));
    }

    [Fact]
    public void Run_PerChainStartsAndJitter_ChainsStartApart()
    {
        var options = Small with { WarmupIterations = 0, Samples = 1, Chains = 2, InitialJitter = 0, AdaptStepSize = false, InitialStepSize = 1e-12 };
        var result = new LangevinSampler(options).Run(() => new GaussianTarget(Mu, Sigma), [new[] { -3.0, 0.0 }, new[] { 3.0, 0.0 }]);
        Assert.Equal(-3.0, result.Draw(0, 0)[0], 1e-3); // with h = 1e−12 a chain barely moves from its start
        Assert.Equal(3.0, result.Draw(1, 0)[0], 1e-3);
        Assert.Throws<ArgumentException>(() => new LangevinSampler(options).Run(() => new GaussianTarget(Mu, Sigma), [new[] { 0.0, 0.0 }]));
    }

    [Fact]
    public void Run_ParallelWithSharedDensity_Throws()
    {
        var shared = new GaussianTarget(Mu, Sigma);
        var sampler = new LangevinSampler(Small with { RunChainsInParallel = true });
        Assert.Throws<ArgumentException>(() => sampler.Run(() => shared, Mu));
    }

    [Fact]
    public void Constructor_InvalidOptions_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LangevinSampler(new LangevinOptions { Chains = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LangevinSampler(new LangevinOptions { Samples = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LangevinSampler(new LangevinOptions { Thinning = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LangevinSampler(new LangevinOptions { WarmupIterations = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LangevinSampler(new LangevinOptions { InitialStepSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LangevinSampler(new LangevinOptions { InitialStepSize = double.NaN }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LangevinSampler(new LangevinOptions { TargetAcceptance = 1.0 }));
        Assert.Throws<ArgumentException>(() => new LangevinSampler(new LangevinOptions { Preconditioner = [1.0, -1.0] }));
        var wrongLength = new LangevinSampler(new LangevinOptions { Preconditioner = [1.0, 1.0, 1.0] });
        Assert.Throws<ArgumentException>(() => wrongLength.Run(() => new GaussianTarget(Mu, Sigma), Mu));
    }

    [Fact]
    public void Run_FixedPreconditioner_UsedAsGiven()
    {
        var options = Small with { AdaptPreconditioner = false, Preconditioner = [2.0, 0.5] };
        var result = new LangevinSampler(options).Run(() => new GaussianTarget(Mu, Sigma), Mu);
        for (int c = 0; c < result.Chains; c++)
        {
            Assert.Equal([2.0, 0.5], result.Preconditioner(c).ToArray());
        }
    }

    [Fact]
    public void Step_AfterConstruction_AllocatesNothing()
    {
        var density = new GaussianTarget(Mu, Sigma);
        var chain = new LangevinChain(density, Mu, [1.0, 1.0], adjusted: true, new Random(1));
        for (int i = 0; i < 100; i++)
        {
            chain.Step(0.5, out _); // JIT and first-call effects
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            chain.Step(0.5, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void ChainRun_AllocationIndependentOfLength()
    {
        // Run allocates its adaptation state once; the warm-up and sampling loops allocate nothing, so 20× more
        // iterations must not allocate more (draw buffers are supplied by the caller here).
        long Allocated(int iterations)
        {
            var options = new LangevinOptions { WarmupIterations = iterations, Samples = iterations, AdaptPreconditioner = true };
            var chain = new LangevinChain(new GaussianTarget(Mu, Sigma), Mu, [1.0, 1.0], adjusted: true, new Random(2));
            var draws = new double[iterations * 2];
            var trace = new double[iterations];
            long before = GC.GetAllocatedBytesForCurrentThread();
            chain.Run(options, draws, trace);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Allocated(200); // JIT warm-up
        long small = Allocated(200), large = Allocated(4000);
        Assert.True(large <= small + 256, $"{small} B for 400 iterations, {large} B for 8000");
    }

    [Fact]
    public void ChainSeed_DistinctPerChainAndMaster()
    {
        var seeds = new HashSet<int>();
        for (int master = 0; master < 10; master++)
        {
            for (int c = 0; c < 100; c++)
            {
                int s = LangevinSampler.ChainSeed(master, c);
                Assert.True(s >= 0);
                seeds.Add(s);
            }
        }

        Assert.Equal(1000, seeds.Count);
    }

    [Fact]
    public void Result_SummaryAndAccessors_Consistent()
    {
        var result = new LangevinSampler(Small).Run(() => new GaussianTarget(Mu, Sigma), Mu);
        Assert.Equal(4, result.Chains);
        Assert.Equal(500, result.Draws);
        Assert.Equal(2, result.Dimension);
        var draws = result.ParameterDraws(1);
        Assert.Equal(result.Draw(2, 17)[1], draws[2][17]);
        var samples = result.CopySamples();
        Assert.Equal(result.Draw(3, 499)[0], samples[3][499][0]);
        var s = result.Summary[1];
        Assert.True(s.Quantile025 < s.Median && s.Median < s.Quantile975);
        Assert.Equal(result.PooledMean()[1], s.Mean, 1e-12);
        Assert.Equal(Math.Sqrt(result.PooledCovariance()[1][1]), s.StandardDeviation, 1e-12);
        Assert.Equal(s.StandardDeviation / Math.Sqrt(s.EffectiveSampleSize), s.MonteCarloStandardError, 1e-15);

        // log π trace: the Gaussian's −½ rᵀΣ⁻¹r at the stored draw.
        var target = new GaussianTarget(Mu, Sigma);
        Assert.Equal(target.Evaluate(result.Draw(1, 5), new double[2]), result.LogDensityTrace(1)[5], 1e-12);

        // For N(μ, Σ) the 2.5/97.5 % quantiles are μ ± 1.96 sd; with ~1000 effective draws the quantile estimate has
        // sd ≈ 0.1 σ, so ±0.5 σ is a loose sanity check that the right order statistics are used.
        double sd = Math.Sqrt(Sigma[1][1]);
        Assert.InRange(s.Quantile025, Mu[1] - (1.96 * sd) - (0.5 * sd), Mu[1] - (1.96 * sd) + (0.5 * sd));
        Assert.InRange(s.Quantile975, Mu[1] + (1.96 * sd) - (0.5 * sd), Mu[1] + (1.96 * sd) + (0.5 * sd));
    }
}
