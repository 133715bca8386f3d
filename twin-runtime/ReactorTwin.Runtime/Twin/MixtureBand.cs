using MathNet.Numerics.Distributions;

namespace ReactorTwin.Runtime.Twin;

/// <summary>
/// The published summary of a forecast that is an equal-weight mixture of K Gaussians N(μ_k, σ_k²) (the cubature points
/// of the parameter posterior), each censored at 0 as in <see cref="NonNegativeBand"/> (a component's mass below 0 is a
/// depleted state, 0):
/// <code>
/// F(x) = (1/K) Σ_k Φ((x − μ_k)/σ_k),   x ≥ 0   (F jumps to F(0) at 0)
/// </code>
/// with the mixture's mean and sd from the components' censored moments, and the 2.5 / 97.5 % quantiles inf{x ≥ 0 : F(x) ≥ p}
/// (0 when F(0) ≥ p; otherwise by bisection of F to 1e−12 of the bracket). A reading adds measurement noise of variance r to the
/// (censored) state: its band is the quantiles of (1/K) Σ_k Φ((y − m_k)/√(s_k² + r)) with m_k, s_k the censored moments of
/// component k. With one component both are the single-Gaussian bands. A component with σ_k = 0 is a point mass at max(μ_k, 0).
/// </summary>
internal static class MixtureBand
{
    private const int Bisections = 60;

    /// <summary>The true state's summary: mean, sd, 2.5 and 97.5 % quantiles (all ≥ 0).</summary>
    /// <param name="means">μ_k (finite).</param>
    /// <param name="sds">σ_k ≥ 0 (finite), same length.</param>
    public static (double Mean, double Sd, double Lo95, double Hi95) State(ReadOnlySpan<double> means, ReadOnlySpan<double> sds)
    {
        int k = means.Length;
        double first = Math.Max(means[0], 0);
        bool pointMass = true;
        double m1 = 0, m2 = 0, top = 0;
        for (int j = 0; j < k; j++)
        {
            pointMass &= !(sds[j] > 0) && Math.Max(means[j], 0) == first;
            var (m, sd, _, hi) = NonNegativeBand.Summarise(means[j], sds[j]);
            m1 += m / k;
            m2 += ((sd * sd) + (m * m)) / k;
            top = Math.Max(top, Math.Max(hi, means[j] + (10 * sds[j])));
        }

        if (pointMass)
        {
            return (first, 0, first, first); // every component at one value (e.g. the known state at the batch's start)
        }

        double atZero = StateCdf(0, means, sds);
        double lo = atZero >= 0.025 ? 0 : Quantile(0.025, 0, top, means, sds, StateCdf);
        double hi95 = atZero >= 0.975 ? 0 : Quantile(0.975, 0, top, means, sds, StateCdf);
        return (m1, Math.Sqrt(Math.Max(m2 - (m1 * m1), 0)), lo, hi95);
    }

    /// <summary>A reading's band: the 2.5 and 97.5 % quantiles and the sd of (censored state + noise of variance
    /// <paramref name="noiseVariance"/>).</summary>
    public static (double Sd, double Lo95, double Hi95) Reading(ReadOnlySpan<double> means, ReadOnlySpan<double> sds, double noiseVariance)
    {
        int k = means.Length;
        Span<double> m = stackalloc double[k];
        Span<double> s = stackalloc double[k];
        double m1 = 0, m2 = 0, lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        for (int j = 0; j < k; j++)
        {
            var (tm, tsd, _, _) = NonNegativeBand.Summarise(means[j], sds[j]);
            m[j] = tm;
            s[j] = Math.Sqrt((tsd * tsd) + noiseVariance);
            m1 += tm / k;
            m2 += ((s[j] * s[j]) + (tm * tm)) / k;
            lo = Math.Min(lo, tm - (10 * s[j]));
            hi = Math.Max(hi, tm + (10 * s[j]));
        }

        return (Math.Sqrt(Math.Max(m2 - (m1 * m1), 0)), Quantile(0.025, lo, hi, m, s, GaussianCdf), Quantile(0.975, lo, hi, m, s, GaussianCdf));
    }

    private delegate double Cdf(double x, ReadOnlySpan<double> means, ReadOnlySpan<double> sds);

    private static double Quantile(double p, double lo, double hi, ReadOnlySpan<double> means, ReadOnlySpan<double> sds, Cdf cdf)
    {
        if (!(hi > lo))
        {
            return lo;
        }

        for (int i = 0; i < Bisections && hi - lo > 1e-12 * Math.Max(Math.Abs(hi), 1e-300); i++)
        {
            double mid = 0.5 * (lo + hi);
            if (cdf(mid, means, sds) < p)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return hi; // F(hi) ≥ p throughout: the quantile inf{x : F(x) ≥ p}, exact at a point mass
    }

    private static double StateCdf(double x, ReadOnlySpan<double> means, ReadOnlySpan<double> sds)
    {
        double f = 0;
        for (int j = 0; j < means.Length; j++)
        {
            double mu = means[j], sd = sds[j];
            f += sd > 0 ? Normal.CDF(mu, sd, x) : (x >= Math.Max(mu, 0) ? 1 : 0);
        }

        return f / means.Length;
    }

    private static double GaussianCdf(double y, ReadOnlySpan<double> means, ReadOnlySpan<double> sds)
    {
        double f = 0;
        for (int j = 0; j < means.Length; j++)
        {
            f += sds[j] > 0 ? Normal.CDF(means[j], sds[j], y) : (y >= means[j] ? 1 : 0);
        }

        return f / means.Length;
    }
}
