using MathNet.Numerics.Distributions;

namespace ReactorTwin.Runtime.Twin;

/// <summary>
/// The published summary of a non-negative state component (a concentration or a cell density) whose LNA / Kalman
/// distribution is N(μ, σ²): the moments and 2.5 / 97.5 % quantiles of its positive part Y = max(X, 0), X ~ N(μ, σ²)
/// (the Gaussian censored at 0: the mass the Gaussian puts below 0 is a depleted component, Y = 0). With a = μ/σ:
/// <code>
/// E[Y] = μ Φ(a) + σ φ(a),   E[Y²] = (μ² + σ²) Φ(a) + μ σ φ(a),   q_p = max(0, μ + σ Φ⁻¹(p))
/// </code>
/// When μ &gt; 8σ this is the Gaussian itself (to 1e−15); when μ ≪ −σ it is the point mass at 0. The LNA is a Gaussian
/// approximation of a non-negative process; this keeps a dashboard from ever showing a negative concentration or a
/// band that reaches below zero, and lets the band reach 0 when the component may be used up (a truncated Gaussian
/// could not: its 2.5 % quantile is always above 0, so a depleted substrate would lie outside every band).
/// </summary>
internal static class NonNegativeBand
{
    private const double Z975 = 1.959963984540054;

    /// <summary>Summarises max(X, 0) for X ~ N(<paramref name="mean"/>, <paramref name="sd"/>²).</summary>
    /// <param name="mean">μ (finite).</param>
    /// <param name="sd">σ ≥ 0 (finite).</param>
    /// <returns>Mean, standard deviation and the 2.5 / 97.5 % quantiles, all ≥ 0.</returns>
    public static (double Mean, double Sd, double Lo95, double Hi95) Summarise(double mean, double sd)
    {
        if (!(sd > 0))
        {
            double m = Math.Max(mean, 0.0);
            return (m, 0.0, m, m);
        }

        if (mean > 8 * sd)
        {
            return (mean, sd, mean - (Z975 * sd), mean + (Z975 * sd));
        }

        double a = mean / sd, cdf = Normal.CDF(0, 1, a), pdf = Normal.PDF(0, 1, a);
        double first = Math.Max((mean * cdf) + (sd * pdf), 0.0);
        double second = Math.Max((((mean * mean) + (sd * sd)) * cdf) + (mean * sd * pdf), 0.0);
        double variance = Math.Max(second - (first * first), 0.0);
        return (first, Math.Sqrt(variance), Math.Max(mean - (Z975 * sd), 0.0), Math.Max(mean + (Z975 * sd), 0.0));
    }
}
