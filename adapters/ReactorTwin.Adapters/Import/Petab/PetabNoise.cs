namespace ReactorTwin.Adapters.Import.Petab;

/// <summary>
/// The PEtab v1 noise model of one measurement m with simulated value y and SD σ on the transformed scale h (lin: h(v) = v,
/// log: ln v, log10: log10 v): residual r = (h(m) − h(y))/σ, chi2 term r², and log-likelihood term
/// normal: −½ ln(2πσ²) − ½ r² − J, laplace: −ln(2σ) − |r| − J, where J = ln|dh/dv| at m is 0, ln m or ln(m ln 10)
/// (the density of m itself, as the PEtab reference implementation reports it).
/// </summary>
internal static class PetabNoise
{
    /// <summary>The chi2 and log-likelihood terms.</summary>
    public static (double Chi2, double LogLikelihood) Terms(PetabObservable observable, double measured, double simulated, double sd)
    {
        double Transform(double v) => observable.Transformation switch
        {
            PetabScale.Log => Math.Log(v),
            PetabScale.Log10 => Math.Log10(v),
            _ => v,
        };

        double r = (Transform(measured) - Transform(simulated)) / sd;
        double jacobian = observable.Transformation switch
        {
            PetabScale.Log => Math.Log(measured),
            PetabScale.Log10 => Math.Log(measured * Math.Log(10)),
            _ => 0.0,
        };
        double llh = observable.Laplace
            ? -Math.Log(2 * sd) - Math.Abs(r) - jacobian
            : (-0.5 * Math.Log(2 * Math.PI * sd * sd)) - (0.5 * r * r) - jacobian;
        return (r * r, llh);
    }
}
