using ReactorTwin.Core.Estimation;

namespace ReactorTwin.Core.Tests.Estimation.Sampling;

/// <summary>
/// Gaussian N(μ, Σ) on ℝ^d: log π(u) = −½ (u − μ)ᵀ Σ⁻¹ (u − μ) (constant dropped), ∇log π = −Σ⁻¹(u − μ).
/// Allocation-free per call.
/// </summary>
internal sealed class GaussianTarget : ILogDensity
{
    private readonly double[] _mean;
    private readonly double[][] _precision;
    private readonly double[] _r;

    public GaussianTarget(double[] mean, double[][] covariance)
    {
        _mean = mean;
        _precision = Invert(covariance);
        _r = new double[mean.Length];
    }

    public int Dimension => _mean.Length;

    public double Evaluate(ReadOnlySpan<double> u, Span<double> gradient)
    {
        int d = _mean.Length;
        for (int i = 0; i < d; i++)
        {
            _r[i] = u[i] - _mean[i];
        }

        double quad = 0.0;
        for (int i = 0; i < d; i++)
        {
            double s = 0.0;
            for (int j = 0; j < d; j++)
            {
                s += _precision[i][j] * _r[j];
            }

            gradient[i] = -s;
            quad += _r[i] * s;
        }

        return -0.5 * quad;
    }

    /// <summary>Σ from standard deviations and a correlation matrix.</summary>
    public static double[][] Covariance(double[] sd, double[][] correlation)
    {
        int d = sd.Length;
        var c = new double[d][];
        for (int i = 0; i < d; i++)
        {
            c[i] = new double[d];
            for (int j = 0; j < d; j++)
            {
                c[i][j] = sd[i] * sd[j] * correlation[i][j];
            }
        }

        return c;
    }

    private static double[][] Invert(double[][] a)
    {
        int n = a.Length;
        var m = new double[n][];
        for (int i = 0; i < n; i++)
        {
            m[i] = new double[2 * n];
            Array.Copy(a[i], m[i], n);
            m[i][n + i] = 1.0;
        }

        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < n; r++)
            {
                if (Math.Abs(m[r][col]) > Math.Abs(m[pivot][col]))
                {
                    pivot = r;
                }
            }

            (m[col], m[pivot]) = (m[pivot], m[col]);
            double p = m[col][col];
            for (int k = 0; k < 2 * n; k++)
            {
                m[col][k] /= p;
            }

            for (int r = 0; r < n; r++)
            {
                if (r != col)
                {
                    double f = m[r][col];
                    for (int k = 0; k < 2 * n; k++)
                    {
                        m[r][k] -= f * m[col][k];
                    }
                }
            }
        }

        var inv = new double[n][];
        for (int i = 0; i < n; i++)
        {
            inv[i] = m[i][n..];
        }

        return inv;
    }
}

/// <summary>
/// The correlated 3-D Gaussian the sampler tests share: unequal scales (sd 1, 2, 0.5) and correlations 0.6, −0.3, 0.2
/// (det of the correlation matrix 0.438 &gt; 0, so Σ is positive definite).
/// </summary>
internal static class ExampleGaussian
{
    public static readonly double[] Mean = [1.0, -2.0, 0.5];

    public static readonly double[][] Covariance = GaussianTarget.Covariance(
        [1.0, 2.0, 0.5],
        [[1.0, 0.6, -0.3], [0.6, 1.0, 0.2], [-0.3, 0.2, 1.0]]);
}

/// <summary>Standard normal on ℝ^d restricted to u₀ &gt; 0: log π = −½‖u‖² there, −∞ (gradient garbage) elsewhere.</summary>
internal sealed class TruncatedGaussianTarget(int dimension) : ILogDensity
{
    public int Dimension => dimension;

    public double Evaluate(ReadOnlySpan<double> u, Span<double> gradient)
    {
        double s = 0.0;
        for (int i = 0; i < u.Length; i++)
        {
            s += u[i] * u[i];
            gradient[i] = -u[i];
        }

        if (u[0] <= 0)
        {
            gradient.Fill(double.NaN); // garbage gradient, as the contract allows outside the support
            return double.NegativeInfinity;
        }

        return -0.5 * s;
    }
}

/// <summary>
/// 1-D standard normal that misbehaves: log π is NaN for u &gt; 1.5, +∞ for u &lt; −2.5, and the gradient is NaN (with
/// a finite value) for −2.5 ≤ u &lt; −1.5. A sampler that rejects every non-finite proposal therefore samples N(0, 1)
/// truncated to [−1.5, 1.5].
/// </summary>
internal sealed class MisbehavingTarget : ILogDensity
{
    public int Dimension => 1;

    public double Evaluate(ReadOnlySpan<double> u, Span<double> gradient)
    {
        double x = u[0];
        gradient[0] = -x;
        if (x > 1.5)
        {
            return double.NaN;
        }

        if (x < -2.5)
        {
            return double.PositiveInfinity;
        }

        if (x < -1.5)
        {
            gradient[0] = double.NaN;
        }

        return -0.5 * x * x;
    }
}
