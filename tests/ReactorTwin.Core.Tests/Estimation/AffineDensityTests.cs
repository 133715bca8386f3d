using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Estimation.Sampling;

namespace ReactorTwin.Core.Tests.Estimation;

public sealed class AffineDensityTests
{
    /// <summary>Correlated 2-D Gaussian: mean (1, −2), covariance [[4, 3.8], [3.8, 4]] (correlation 0.95).</summary>
    private sealed class Ridge : ILogDensity
    {
        private const double A = 4, B = 3.8, Det = (A * A) - (B * B);

        public int Dimension => 2;

        public double Evaluate(ReadOnlySpan<double> u, Span<double> gradient)
        {
            double x = u[0] - 1, y = u[1] + 2;
            double px = ((A * x) - (B * y)) / Det, py = ((A * y) - (B * x)) / Det; // Σ⁻¹ (u − μ)
            gradient[0] = -px;
            gradient[1] = -py;
            return -0.5 * ((x * px) + (y * py));
        }
    }

    [Fact]
    public void Evaluate_GradientIsLTransposeTimesInnerGradient_MatchesFiniteDifferences()
    {
        double[] l = [2, 0, 1.9, 0.6245];
        var affine = new AffineDensity(new Ridge(), [1, -2], l);
        var g = new double[2];
        var scratch = new double[2];
        double[] v = [0.3, -0.7];
        affine.Evaluate(v, g);
        for (int j = 0; j < 2; j++)
        {
            var vp = (double[])v.Clone();
            vp[j] += 1e-6;
            var vm = (double[])v.Clone();
            vm[j] -= 1e-6;
            double fd = (affine.Evaluate(vp, scratch) - affine.Evaluate(vm, scratch)) / 2e-6;
            Assert.Equal(fd, g[j], 1e-7); // quadratic target: central differences exact up to rounding
        }

        var u = new double[2];
        affine.ToOriginal(v, u);
        Assert.Equal(1 + (2 * 0.3), u[0], 14);
        Assert.Equal(-2 + (1.9 * 0.3) + (0.6245 * -0.7), u[1], 14);
    }

    [Fact]
    public void RegularizedCovariance_OnGaussian_EqualsTrueCovariance_AndIsFiniteOnASaddle()
    {
        var cov = ObservedInformation.RegularizedCovariance(new Ridge(), [1, -2])!;
        Assert.Equal(4.0, cov[0, 0], 1e-4); // Hessian by differences of an exact linear gradient: rounding only
        Assert.Equal(3.8, cov[0, 1], 1e-4);
        Assert.Null(ObservedInformation.Covariance(new Saddle(), [0, 0]));
        var reg = ObservedInformation.RegularizedCovariance(new Saddle(), [0, 0])!;
        Assert.Equal(1.0, reg[0, 0], 1e-6);  // curvature 1 kept
        Assert.Equal(0.5, reg[1, 1], 1e-6);  // negative curvature −2 replaced by its magnitude
    }

    [Fact]
    public void MalaThroughAffineView_SamplesACorrelatedRidgeEfficiently()
    {
        // With L the Cholesky factor of the true covariance the transformed target is standard normal: MALA's
        // ESS is then a large fraction of the draws, while the diagonal-preconditioned run on the ridge mixes
        // far worse. Means are checked within 4 Monte Carlo standard errors.
        double[] l = [2, 0, 1.9, Math.Sqrt(4 - (1.9 * 1.9))];
        var options = new LangevinOptions { Chains = 4, WarmupIterations = 500, Samples = 1000, Seed = 7, InitialStepSize = 0.5 };
        var view = new AffineDensity(new Ridge(), [1, -2], l);
        var mapped = new LangevinSampler(options).Run(() => new AffineDensity(new Ridge(), [1, -2], l), [0.0, 0.0]).MapDraws((v, u) => view.ToOriginal(v, u));
        var plain = new LangevinSampler(options).Run(() => new Ridge(), [1.0, -2.0]);
        double[] mu = [1, -2];
        for (int j = 0; j < 2; j++)
        {
            var s = mapped.Summary[j];
            Assert.True(Math.Abs(s.Mean - mu[j]) <= 4 * s.MonteCarloStandardError, $"mean {s.Mean} ± {s.MonteCarloStandardError}");
            Assert.True(s.EffectiveSampleSize > 2 * plain.Summary[j].EffectiveSampleSize, $"ESS {s.EffectiveSampleSize} vs {plain.Summary[j].EffectiveSampleSize}");
        }
    }

    /// <summary>log π = −u0²/2 + u1²: curvature +1 and −2.</summary>
    private sealed class Saddle : ILogDensity
    {
        public int Dimension => 2;

        public double Evaluate(ReadOnlySpan<double> u, Span<double> gradient)
        {
            gradient[0] = -u[0];
            gradient[1] = 2 * u[1];
            return (-0.5 * u[0] * u[0]) + (u[1] * u[1]);
        }
    }
}
