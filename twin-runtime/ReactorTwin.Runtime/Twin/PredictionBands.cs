using ReactorTwin.Core.Models;
using ReactorTwin.Runtime.Contracts;

namespace ReactorTwin.Runtime.Twin;

/// <summary>Turns the twin's Gaussian predictions of a component into the published bands (each the Gaussian censored
/// at 0, <see cref="NonNegativeBand"/>).</summary>
internal static class PredictionBands
{
    /// <summary>The label of the main band while the parameters are taken at their estimate.</summary>
    public const string StateNoiseOnly = BandLabels.StateNoiseOnly;

    /// <summary>The label of the main band once the parameters' posterior is known.</summary>
    public const string Posterior = BandLabels.Posterior;

    private const double Z975 = 1.959963984540054;

    /// <summary>The prediction payload of component <paramref name="index"/> at culture time <paramref name="horizon"/>.</summary>
    /// <param name="model">The model (for the unit).</param>
    /// <param name="index">Channel index (a state component, or an observable after the states).</param>
    /// <param name="at">Time the prediction is for.</param>
    /// <param name="horizon">Culture time (h).</param>
    /// <param name="mean">Predicted mean of the state.</param>
    /// <param name="stateVariance">Variance of the state from the intrinsic noise (LNA) at the estimate.</param>
    /// <param name="posterior">Mean and variance of the posterior predictive (intrinsic noise and parameter uncertainty),
    /// or null when it is not known yet.</param>
    /// <param name="measurementVariance">Variance of a reading's error at that value.</param>
    /// <param name="mixture">The posterior predictive's cubature components (means and sds of this component), or
    /// empty: when given, the posterior band and the reading band are those of the mixture (<see cref="MixtureBand"/>)
    /// rather than of its two moments.</param>
    public static PredictionPayload Payload(ReactionNetwork model, int index, DateTimeOffset at, double horizon, double mean, double stateVariance, (double Mean, double Variance)? posterior, double measurementVariance, (double[] Means, double[] Sds)? mixture = null)
    {
        string unit = model.ChannelUnit(index);
        var (sm, ssd, slo, shi) = NonNegativeBand.Summarise(mean, Math.Sqrt(stateVariance));
        if (posterior is not null && mixture is { } mix && mix.Means.Length > 0)
        {
            var (xm, xsd, xlo, xhi) = MixtureBand.State(mix.Means, mix.Sds);
            var (rsd, rlo, rhi) = MixtureBand.Reading(mix.Means, mix.Sds, measurementVariance);
            return new PredictionPayload(xm, unit, ContractCodec.FormatTime(at), xm, xsd, xlo, xhi, horizon, Posterior, new BandPayload(ssd, slo, shi), new BandPayload(rsd, rlo, rhi));
        }

        var (m, sd, lo, hi) = posterior is { } p ? NonNegativeBand.Summarise(p.Mean, Math.Sqrt(p.Variance)) : (sm, ssd, slo, shi);
        // A reading is the state plus its error, which may be negative: the moments of (censored state + error), with
        // normal quantiles.
        double msd = Math.Sqrt((sd * sd) + measurementVariance);
        var measurement = new BandPayload(msd, m - (Z975 * msd), m + (Z975 * msd));
        return new PredictionPayload(m, unit, ContractCodec.FormatTime(at), m, sd, lo, hi, horizon, posterior is null ? StateNoiseOnly : Posterior, new BandPayload(ssd, slo, shi), measurement);
    }
}
