namespace ReactorTwin.Core.Amortized;

/// <summary>
/// A trained inference network with what is needed to use it: the model and channels it was trained for, the
/// experiment design, and the prior map back to parameters. <see cref="Estimate"/> gives the Gaussian posterior in the
/// standardised space; <see cref="ToNatural"/> maps its median and a central interval to the parameters (g is
/// increasing, so quantiles map to quantiles). Not thread-safe (the network's buffers); <see cref="WithOwnBuffers"/> per thread.
/// </summary>
/// <param name="ModelName">The model's name.</param>
/// <param name="ChannelNames">State names of the channels, in channel order.</param>
/// <param name="Design">The design trained on (channels as state indices, noise, readings, horizon).</param>
/// <param name="Standardization">The prior map of the estimated parameters, in output order.</param>
/// <param name="Network">The network.</param>
public sealed record AmortizedNetwork(string ModelName, IReadOnlyList<string> ChannelNames, ObservationDesign Design, PriorStandardization Standardization, DeepSetNetwork Network)
{
    /// <summary>Parameters p.</summary>
    public int ParameterCount => Network.Outputs;

    /// <summary>Posterior mean and log-sd of z for the readings (<see cref="DeepSetNetwork.Forward"/>).</summary>
    public void Estimate(ReadOnlySpan<double> times, ReadOnlySpan<int> channels, ReadOnlySpan<double> values, Span<double> zMean, Span<double> zLogSd) =>
        Network.Forward(times, channels, values, zMean, zLogSd);

    /// <summary>θ at the posterior median g⁻¹(μ) and the central interval g⁻¹(μ ± q sd) with q the standard normal
    /// quantile of <paramref name="level"/> (e.g. 0.95 → q = 1.95996).</summary>
    public void ToNatural(ReadOnlySpan<double> zMean, ReadOnlySpan<double> zLogSd, double level, Span<double> median, Span<double> lower, Span<double> upper)
    {
        if (!(level > 0 && level < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "the interval's level must be in (0, 1)");
        }

        double q = MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, 0.5 + (0.5 * level));
        for (int j = 0; j < ParameterCount; j++)
        {
            double sd = Math.Exp(zLogSd[j]);
            median[j] = Standardization.FromStandard(j, zMean[j]);
            lower[j] = Standardization.FromStandard(j, zMean[j] - (q * sd));
            upper[j] = Standardization.FromStandard(j, zMean[j] + (q * sd));
        }
    }

    /// <summary>A copy with its own network buffers.</summary>
    public AmortizedNetwork WithOwnBuffers() => this with { Network = Network.Clone() };
}
