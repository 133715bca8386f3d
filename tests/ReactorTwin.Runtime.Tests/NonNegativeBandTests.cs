using ReactorTwin.Runtime.Contracts;
using ReactorTwin.Runtime.Ingest;
using ReactorTwin.Runtime.Journal;
using ReactorTwin.Runtime.Pipeline;
using ReactorTwin.Runtime.Twin;

namespace ReactorTwin.Runtime.Tests;

/// <summary>The published summary of a non-negative component, max(X, 0) for a Gaussian X: closed forms, the Gaussian
/// limit, Monte Carlo and the depleted limit.</summary>
public class NonNegativeBandTests
{
    [Fact]
    public void AtZeroMean_MatchesClosedForms()
    {
        // μ = 0: Y = max(X, 0) is 0 with probability ½ and half-normal otherwise: E[Y] = σ/√(2π), E[Y²] = σ²/2, the
        // 2.5 % quantile is 0 and the 97.5 % quantile σΦ⁻¹(0.975).
        var (mean, sd, lo, hi) = NonNegativeBand.Summarise(0.0, 2.0);
        Assert.Equal(2 / Math.Sqrt(2 * Math.PI), mean, 1e-12);
        Assert.Equal(2 * Math.Sqrt(0.5 - (1 / (2 * Math.PI))), sd, 1e-12);
        Assert.Equal(0.0, lo);
        Assert.Equal(2 * 1.959963984540054, hi, 1e-9);
    }

    [Fact]
    public void FarFromZero_IsTheGaussian()
    {
        var (mean, sd, lo, hi) = NonNegativeBand.Summarise(28.0, 0.5);
        Assert.Equal((28.0, 0.5), (mean, sd));
        Assert.Equal(28 - (1.96 * 0.5), lo, 1e-4);
        Assert.Equal(28 + (1.96 * 0.5), hi, 1e-4);
    }

    [Theory]
    [InlineData(-0.7, 0.4)]
    [InlineData(0.5, 0.4)]
    public void NearZero_MatchesMonteCarloOfThePositivePart(double mu, double sigma)
    {
        // max(X, 0), X ~ N(μ, σ²), with a seeded generator: mean within 4 SE, sd within 0.002, quantiles within 0.01.
        var rng = new Random(5);
        var draws = new double[200_000];
        for (int d = 0; d < draws.Length; d++)
        {
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            draws[d] = Math.Max(mu + (sigma * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2)), 0);
        }

        Array.Sort(draws);
        double m = draws.Average();
        double s = Math.Sqrt(draws.Sum(x => (x - m) * (x - m)) / (draws.Length - 1));
        var (mean, sd, lo, hi) = NonNegativeBand.Summarise(mu, sigma);
        Assert.InRange(mean, m - (4 * s / Math.Sqrt(draws.Length)), m + (4 * s / Math.Sqrt(draws.Length)));
        Assert.Equal(s, sd, 0.002);
        Assert.Equal(draws[(int)(0.025 * draws.Length)], lo, 0.01);
        Assert.Equal(draws[(int)(0.975 * draws.Length)], hi, 0.01);
    }

    [Theory]
    [InlineData(-100.0, 1.0)]
    [InlineData(-3.0, 0.0)]
    public void DeeplyNegativeOrDegenerate_IsDepleted(double mu, double sigma)
    {
        // The Gaussian's mass is (all but 1e-2000 of it) below 0: the component is used up.
        var (mean, sd, lo, hi) = NonNegativeBand.Summarise(mu, sigma);
        Assert.All(new[] { mean, sd, lo, hi }, v => Assert.True(double.IsFinite(v) && v >= 0 && v < 1e-12, $"{v}"));
    }
}
