using ReactorTwin.Runtime.Contracts;
using ReactorTwin.Runtime.Ingest;
using ReactorTwin.Runtime.Journal;
using ReactorTwin.Runtime.Pipeline;
using ReactorTwin.Runtime.Twin;

namespace ReactorTwin.Runtime.Tests;

/// <summary>The published summary of a non-negative component: closed forms, the Gaussian limit, Monte Carlo and the
/// exponential limit.</summary>
public class NonNegativeBandTests
{
    [Fact]
    public void HalfNormal_MatchesClosedForms()
    {
        // μ = 0: the half-normal, mean σ√(2/π), variance σ²(1 − 2/π), quantiles σΦ⁻¹(½ + p/2).
        var (mean, sd, lo, hi) = NonNegativeBand.Summarise(0.0, 2.0);
        Assert.Equal(2 * Math.Sqrt(2 / Math.PI), mean, 1e-12);
        Assert.Equal(2 * Math.Sqrt(1 - (2 / Math.PI)), sd, 1e-12);
        Assert.Equal(2 * 0.031337982021426, lo, 1e-9);
        Assert.Equal(2 * 2.241402727604947, hi, 1e-9);
    }

    [Fact]
    public void FarFromZero_IsTheGaussian()
    {
        var (mean, sd, lo, hi) = NonNegativeBand.Summarise(28.0, 0.5);
        Assert.Equal((28.0, 0.5), (mean, sd));
        Assert.Equal(28 - (1.96 * 0.5), lo, 1e-4);
        Assert.Equal(28 + (1.96 * 0.5), hi, 1e-4);
    }

    [Fact]
    public void NegativeMean_MatchesMonteCarloOfTheConditionedGaussian()
    {
        // N(−0.7, 0.4²) conditioned on > 0, by rejection with a seeded generator: mean and sd within 4 SE, quantiles
        // within 0.01.
        const double mu = -0.7, sigma = 0.4;
        var rng = new Random(5);
        var draws = new List<double>();
        while (draws.Count < 200_000)
        {
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            double x = mu + (sigma * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
            if (x > 0)
            {
                draws.Add(x);
            }
        }

        draws.Sort();
        double m = draws.Average();
        double s = Math.Sqrt(draws.Sum(x => (x - m) * (x - m)) / (draws.Count - 1));
        var (mean, sd, lo, hi) = NonNegativeBand.Summarise(mu, sigma);
        Assert.InRange(mean, m - (4 * s / Math.Sqrt(draws.Count)), m + (4 * s / Math.Sqrt(draws.Count)));
        Assert.Equal(s, sd, 0.002);
        Assert.Equal(draws[(int)(0.025 * draws.Count)], lo, 0.01);
        Assert.Equal(draws[(int)(0.975 * draws.Count)], hi, 0.01);
    }

    [Theory]
    [InlineData(-100.0, 1.0)]
    [InlineData(-3.0, 0.0)]
    public void DeeplyNegativeOrDegenerate_StaysNonNegativeAndFinite(double mu, double sigma)
    {
        var (mean, sd, lo, hi) = NonNegativeBand.Summarise(mu, sigma);
        Assert.All(new[] { mean, sd, lo, hi }, v => Assert.True(double.IsFinite(v) && v >= 0, $"{v}"));
        Assert.True(lo <= mean && mean <= hi);
        if (sigma > 0)
        {
            Assert.Equal(sigma * sigma / -mu, mean, 1e-6); // exponential limit, rate |μ|/σ²
        }
    }
}
