using System.Globalization;
using ReactorTwin.Core.Estimation;
using ReactorTwin.Runtime.Contracts;

namespace ReactorTwin.Runtime.Twin;

/// <summary>
/// The published parameter estimates after a refit: the posterior's mode (MAP, with the model's priors) and its 95 %
/// interval from the Laplace approximation (û ± 1.96 sd in u, the sd from the inverse Hessian of the log-posterior,
/// mapped to the natural scale), clipped to the parameter's bounds, and a flag saying whether the data so far identify
/// the parameter: it is not identified when its posterior sd in u is more than half its prior sd (the data have not
/// halved the uncertainty the prior stated), when its estimate sits at a bound, or when there is no covariance at all.
/// Its interval is then mostly the prior's, and its value a guess.
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
    /// <param name="priorScales">Prior sd of each estimated parameter in u.</param>
    public static ParameterEstimatesPayload Build(ParameterSpace space, RefitRequest request, StreamingRefitOutcome outcome, double[] theta, double[] u, double[] priorScales)
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
                if (sd > 0.5 * priorScales[j])
                {
                    note = string.Create(CultureInfo.InvariantCulture, $"not identified by the data so far: its posterior sd is {100 * sd / priorScales[j]:F0} % of its prior's");
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

        return new ParameterEstimatesPayload(request.Batch, request.Refit.CompletedBatches, outcome.Exit, "posterior mode (MAP) with the model's priors; 95 % intervals from the Laplace approximation, clipped to the bounds", parameters);
    }
}
