using ReactorTwin.Runtime.Twin;

namespace ReactorTwin.Runtime.Tests;

/// <summary>The bands of a cubature mixture: one component is the single censored Gaussian, several match a Monte
/// Carlo of the mixture.</summary>
public sealed class MixtureBandTests
{
    [Theory]
    [InlineData(5.0, 1.0)]
    [InlineData(0.3, 1.0)]
    [InlineData(-2.0, 1.0)]
    public void OneComponent_IsTheCensoredGaussian(double mu, double sigma)
    {
        var single = NonNegativeBand.Summarise(mu, sigma);
        var mix = MixtureBand.State([mu], [sigma]);
        Assert.Equal(single.Mean, mix.Mean, 9);
        Assert.Equal(single.Sd, mix.Sd, 9);
        Assert.Equal(single.Lo95, mix.Lo95, 7);
        Assert.Equal(single.Hi95, mix.Hi95, 7);
    }

    [Fact]
    public void TwoHumpedMixture_QuantilesMatchMonteCarlo()
    {
        // A substrate exhausted under some parameters and untouched under others: components near 0 and near 20.
        double[] means = [0.1, -0.5, 0.4, 3, 12, 19, 21, 20.5];
        double[] sds = [0.2, 0.3, 0.1, 1, 2, 1, 0.5, 0.8];
        const double noise = 0.04;
        var state = MixtureBand.State(means, sds);
        var reading = MixtureBand.Reading(means, sds, noise);

        var rng = new Random(3);
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        const int draws = 400_000;
        var x = new double[draws];
        var y = new double[draws];
        for (int d = 0; d < draws; d++)
        {
            int k = d % means.Length;
            double v = Math.Max(means[k] + (sds[k] * Gauss()), 0); // the censored component
            x[d] = v;
            y[d] = v + (Math.Sqrt(noise) * Gauss());
        }

        Array.Sort(x);
        Array.Sort(y);
        // Quantile MC error at 2.5 % with 4e5 draws is well under these tolerances.
        static void Close(double expected, double actual, double tolerance, string what) =>
            Assert.True(Math.Abs(expected - actual) < tolerance, $"{what}: Monte Carlo {expected:G6}, mixture {actual:G6}");
        Close(x[(int)(0.025 * draws)], state.Lo95, 0.005, "state 2.5 %");
        Close(x[(int)(0.975 * draws)], state.Hi95, 0.05, "state 97.5 %");
        Close(x.Average(), state.Mean, 0.05, "state mean");
        Close(y[(int)(0.025 * draws)], reading.Lo95, 0.02, "reading 2.5 %");
        Close(y[(int)(0.975 * draws)], reading.Hi95, 0.05, "reading 97.5 %");
        Assert.True(state.Lo95 >= 0 && state.Hi95 > state.Lo95);
        Assert.Equal(0.0, state.Lo95); // F(0) ≈ 0.16 ≥ 2.5 %: the substrate may be used up, and the band says so
    }
}
