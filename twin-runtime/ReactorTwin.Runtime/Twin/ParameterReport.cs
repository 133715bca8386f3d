using System.Globalization;
using ReactorTwin.Core.Estimation;
using ReactorTwin.Runtime.Contracts;

namespace ReactorTwin.Runtime.Twin;

/// <summary>
/// The published parameter estimates after a refit: each estimated parameter's value and 95 % interval from the
/// refit's covariance of u (û ± 1.96 sd in u, mapped to the natural scale), clipped to the parameter's bounds, and a
/// flag saying whether the data so far identify it. A parameter is flagged as not identified when its estimate sits at
/// a bound, when its interval in u is wider than half of its bounds' range (the data barely narrow it), or when there
/// is no covariance at all; its interval is then the clipped one and its value a guess.
/// </summary>
internal static class ParameterReport
{
    private const double Z975 = 1.959963984540054;

    /// <summary>Builds the payload.</summary>
    /// <param name="space">The estimated parameters.</param>
    /// <param name="request">The refit's request (batch, number of completed batches).</param>
    /// <param name="outcome">The refit's outcome (exit, covariance of u).</param>
    /// <param name="theta">θ̂ after the refit (all parameters).</param>
    /// <param name="u">û after the refit.</param>
    public static ParameterEstimatesPayload Build(ParameterSpace space, RefitRequest request, StreamingRefitOutcome outcome, double[] theta, double[] u)
    {
        var cov = outcome.Covariance;
        var parameters = new Dictionary<string, ParameterEstimate>(StringComparer.Ordinal);
        for (int j = 0; j < space.Dimension; j++)
        {
            var p = space.Model.Parameters[space.Indices[j]];
            double value = theta[space.Indices[j]];
            double sd = cov is null ? double.NaN : Math.Sqrt(Math.Max(cov[j, j], 0));
            double range = space.Upper[j] - space.Lower[j];
            double? lo = null, hi = null;
            string? note = null;
            if (double.IsFinite(sd))
            {
                double ulo = Math.Max(u[j] - (Z975 * sd), space.Lower[j]);
                double uhi = Math.Min(u[j] + (Z975 * sd), space.Upper[j]);
                lo = space.IsLogScale(j) ? Math.Exp(ulo) : ulo;
                hi = space.IsLogScale(j) ? Math.Exp(uhi) : uhi;
                if (2 * Z975 * sd > 0.5 * range)
                {
                    note = string.Create(CultureInfo.InvariantCulture, $"the data barely narrow it: its 95 % interval spans {100 * Math.Min(1, 2 * Z975 * sd / range):F0} % of its bounds");
                }
            }
            else
            {
                note = "no interval: the information about it could not be inverted";
            }

            double atBound = 1e-6 * Math.Max(range, 1);
            if (u[j] <= space.Lower[j] + atBound || u[j] >= space.Upper[j] - atBound)
            {
                note = string.Create(CultureInfo.InvariantCulture, $"at its {(u[j] <= space.Lower[j] + atBound ? "lower" : "upper")} bound {(u[j] <= space.Lower[j] + atBound ? p.Lower : p.Upper):G3}: the data do not determine it");
            }

            parameters[p.Name] = new ParameterEstimate(value, lo, hi, note is null, note);
        }

        return new ParameterEstimatesPayload(request.Batch, request.Refit.CompletedBatches, outcome.Exit, "Wald: inverse observed information of the completed batches at the estimate, clipped to the bounds", parameters);
    }
}
