using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Estimation.Sampling;
using ReactorTwin.Core.Tests.Estimation.Sampling;

namespace ReactorTwin.Core.Tests.Estimation;

/// <summary>The logit view of a box: value and gradient against an independent formula and central differences, the
/// round trip of the map, and that sampling through it targets the box-truncated density.</summary>
public class LogitTransformedDensityTests
{
    private static readonly double[] Lower = [-1.0, 0.0];
    private static readonly double[] Upper = [2.0, 5.0];

    [Fact]
    public void Evaluate_EqualsChangeOfVariablesAndGradientMatchesCentralDifferences()
    {
        var inner = new GaussianTarget([0.5, 1.0], GaussianTarget.Covariance([1.0, 2.0], [[1.0, 0.3], [0.3, 1.0]]));
        var view = new LogitTransformedDensity(inner, Lower, Upper);
        double[] w = [0.3, -1.2];
        var g = new double[2];
        double f = view.Evaluate(w, g);

        // Independent: log π_u(u(w)) + Σ log|du/dw| written out.
        var u = new double[2];
        var gu = new double[2];
        view.ToBounded(w, u);
        double expected = inner.Evaluate(u, gu);
        for (int j = 0; j < 2; j++)
        {
            double s = 1 / (1 + Math.Exp(-w[j]));
            expected += Math.Log((Upper[j] - Lower[j]) * s * (1 - s));
        }

        Assert.Equal(expected, f, 1e-12);
        for (int j = 0; j < 2; j++)
        {
            const double h = 1e-6;
            double[] wp = [.. w], wm = [.. w];
            wp[j] += h;
            wm[j] -= h;
            double fd = (view.Evaluate(wp, new double[2]) - view.Evaluate(wm, new double[2])) / (2 * h);
            Assert.Equal(fd, g[j], 1e-6);
        }

        var back = new double[2];
        view.ToUnbounded(u, back);
        Assert.Equal(w[0], back[0], 1e-12);
        Assert.Equal(w[1], back[1], 1e-12);
    }

    [Fact]
    public void Sampling_NutsThroughTheView_TargetsTheBoxTruncatedDensity()
    {
        // Standard normal in u₀ truncated to [−1, 2] (and u₁ uniform on [0, 5] through a flat inner density in u₁):
        // E[u₀] = (φ(−1) − φ(2)) / (Φ(2) − Φ(−1)) = 0.2297, E[u₁] = 2.5.
        var options = new LangevinOptions { Mode = LangevinMode.NoUTurn, WarmupIterations = 500, Samples = 2000, Chains = 4, Seed = 9 };
        var result = new LangevinSampler(options).Run(() => new LogitTransformedDensity(new HalfFlat(), Lower, Upper), [0.0, 0.0]);
        var view = new LogitTransformedDensity(new HalfFlat(), Lower, Upper);
        var bounded = result.MapDraws((w, u) => view.ToBounded(w, u));
        Assert.Equal(0.0, bounded.NonFiniteProposals.Sum());
        var s0 = bounded.Summary[0];
        var s1 = bounded.Summary[1];
        Assert.InRange(s0.Mean, 0.2297 - (4 * s0.MonteCarloStandardError), 0.2297 + (4 * s0.MonteCarloStandardError));
        Assert.InRange(s1.Mean, 2.5 - (4 * s1.MonteCarloStandardError), 2.5 + (4 * s1.MonteCarloStandardError));
        Assert.True(s0.Quantile025 > -1 && s0.Quantile975 < 2);
    }

    /// <summary>N(0, 1) in u₀, flat in u₁ (the box makes it proper).</summary>
    private sealed class HalfFlat : ILogDensity
    {
        public int Dimension => 2;

        public double Evaluate(ReadOnlySpan<double> u, Span<double> gradient)
        {
            gradient[0] = -u[0];
            gradient[1] = 0;
            return -0.5 * u[0] * u[0];
        }
    }
}
