using ReactorTwin.Core.Estimation.Sampling;
using Xunit.Abstractions;

namespace ReactorTwin.Core.Tests.Estimation.Sampling;

/// <summary>ULA's discretisation bias on a Gaussian matches its closed form and shrinks with h.</summary>
public class UlaSamplerTests(ITestOutputHelper output)
{
    // For π = N(0, σ²), ∇log π(u) = −u/σ², the ULA step u′ = u + (h/2)∇log π(u) + √h ξ is the AR(1) recursion
    //   u′ = a u + √h ξ,   a = 1 − h/(2σ²),
    // stable for 0 < h < 4σ², with stationary variance v = a² v + h, i.e.
    //   v = h / (1 − a²) = h / (h/σ² − h²/(4σ⁴)) = σ² / (1 − h/(4σ²)).
    // So the relative bias of the variance is (h/(4σ²)) / (1 − h/(4σ²)) = O(h): 14.3 %, 6.7 %, 2.6 % for
    // h/σ² = 0.5, 0.25, 0.1.
    [Fact]
    public void Run_UnadjustedOnGaussian_VarianceMatchesClosedFormAndBiasShrinksWithStep()
    {
        const double sigma2 = 4.0;
        const int chains = 4, samples = 50_000, thinning = 10;
        double previousBias = double.PositiveInfinity;
        foreach (double c in new[] { 0.5, 0.25, 0.1 })
        {
            double h = c * sigma2;
            var options = new LangevinOptions
            {
                Mode = LangevinMode.Unadjusted,
                InitialStepSize = h,
                AdaptStepSize = false,
                WarmupIterations = 1000,
                Samples = samples,
                Chains = chains,
                Thinning = thinning,
                Seed = 314,
            };
            var result = new LangevinSampler(options).Run(() => new GaussianTarget([0.0], [[sigma2]]), [0.0]);
            double measured = result.PooledCovariance()[0][0];
            double expected = sigma2 / (1 - (h / (4 * sigma2)));

            // The kept draws form an AR(1) with coefficient b = a^thinning, for which the sample variance of N draws
            // has Var ≈ 2v²(1 + b²)/((1 − b²)N). 4 of these standard errors (N = 200 000, relative SE 0.2–0.5 %)
            // separate neighbouring step sizes by ≥ 6 SE, so the bias ordering below is a real check.
            double a = 1 - (h / (2 * sigma2));
            double b = Math.Pow(a, thinning);
            double se = expected * Math.Sqrt(2 * (1 + (b * b)) / ((1 - (b * b)) * chains * samples));
            double bias = measured - sigma2;
            output.WriteLine($"h = {c}σ²: variance {measured:F4}, closed form {expected:F4} (SE {se:F4}), bias {bias:F4}, acceptance {result.AcceptanceRates.Average():F3}, mean MH α {result.MeanAcceptanceProbabilities.Average():F4}");
            Assert.InRange(measured, expected - (4 * se), expected + (4 * se));
            Assert.True(Math.Abs(bias) < previousBias, $"|bias| {Math.Abs(bias):F4} at h = {c}σ² did not shrink from {previousBias:F4}");
            Assert.Equal(1.0, result.AcceptanceRates.Min()); // ULA accepts everything finite
            previousBias = Math.Abs(bias);
            if (c == 0.5)
            {
                Assert.True(bias > 10 * se, "at h = σ²/2 the O(h) bias must be visible");
            }
        }
    }
}
