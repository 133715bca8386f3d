using MathNet.Numerics.Distributions;

namespace ReactorTwin.Runtime.Twin;

/// <summary>
/// The published summary of a non-negative state component (a concentration or a cell density) whose LNA / Kalman
/// distribution is N(μ, σ²): the moments and 2.5 / 97.5 % quantiles of that Gaussian truncated to [0, ∞). With
/// α = −μ/σ, Z = 1 − Φ(α):
/// <code>
/// mean = μ + σ φ(α)/Z,   sd² = σ² [1 + α φ(α)/Z − (φ(α)/Z)²],   q_p = μ + σ Φ⁻¹(Φ(α) + p Z)
/// </code>
/// When μ &gt; 8σ this is the Gaussian itself (to 1e−15); when the Gaussian puts almost no mass above 0
/// (Z &lt; 1e−10) the truncated law is exponential with rate |μ|/σ² to leading order, and its mean, sd and quantiles
/// are taken from that limit. The LNA is a Gaussian approximation of a non-negative process; this keeps a dashboard
/// from ever showing a negative concentration or a band that reaches below zero.
/// </summary>
internal static class NonNegativeBand
{
    /// <summary>Summarises N(<paramref name="mean"/>, <paramref name="sd"/>²) truncated at 0.</summary>
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
            return (mean, sd, mean - (1.959963984540054 * sd), mean + (1.959963984540054 * sd));
        }

        double alpha = -mean / sd;
        double below = Normal.CDF(0, 1, alpha);
        double z = 1.0 - below;
        if (z < 1e-10)
        {
            double scale = sd * sd / Math.Abs(mean); // exponential limit with rate |μ|/σ²
            return (scale, scale, -Math.Log(0.975) * scale, -Math.Log(0.025) * scale);
        }

        double ratio = Normal.PDF(0, 1, alpha) / z;
        double truncatedMean = mean + (sd * ratio);
        double variance = sd * sd * (1.0 + (alpha * ratio) - (ratio * ratio));
        double Quantile(double p) => Math.Max(0.0, mean + (sd * Normal.InvCDF(0, 1, below + (p * z))));
        return (Math.Max(truncatedMean, 0.0), Math.Sqrt(Math.Max(variance, 0.0)), Quantile(0.025), Quantile(0.975));
    }
}
