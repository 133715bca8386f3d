using MathNet.Numerics.Distributions;
using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Amortized;

/// <summary>How one parameter's prior is mapped to N(0, 1) (seed 002: "an invertible transformation that maps the
/// prior distribution of parameters and initial conditions into the standard normal distribution").</summary>
/// <param name="Name">Parameter name.</param>
/// <param name="Kind">The prior's kind.</param>
/// <param name="Center">Log-normal: median of θ; normal: mean of θ; uniform: unused (NaN).</param>
/// <param name="Scale">Log-normal: sd of ln θ; normal: sd of θ; uniform: unused (NaN).</param>
/// <param name="Lower">Lower bound of θ (the prior is truncated there).</param>
/// <param name="Upper">Upper bound of θ.</param>
/// <param name="LogScale">True when the parameter is estimated on ln θ (a log-normal prior is normal in ln θ).</param>
public sealed record StandardizedParameter(string Name, PriorKind Kind, double Center, double Scale, double Lower, double Upper, bool LogScale);

/// <summary>
/// The invertible map z = g(θ) of every estimated parameter whose prior becomes the standard normal: z_j = Φ⁻¹(F_j(θ_j))
/// with F_j the prior's distribution function truncated to the parameter's bounds. When the truncation is negligible
/// (bounds beyond 8 prior sd) the map is the exact affine one, z = (ln θ − ln median)/sdLog for a log-normal prior on a
/// log-scale parameter and z = (θ − mean)/sd for a normal one; a uniform prior on [a, b] gives z = Φ⁻¹((θ − a)/(b − a)).
/// g is strictly increasing, so an interval in z maps to an interval in θ. Allocation-free; thread-safe.
/// </summary>
public sealed class PriorStandardization
{
    private const double NegligibleTail = 8.0;
    private readonly StandardizedParameter[] _parameters;
    private readonly double[] _alpha; // Φ at the lower bound (in the prior's own standard coordinate)
    private readonly double[] _beta;  // Φ at the upper bound
    private readonly bool[] _affine;

    /// <summary>Creates the map from explicit per-parameter priors.</summary>
    /// <exception cref="ArgumentException">A scale is not positive, bounds are not ordered, or a log-normal prior sits on
    /// a parameter that is not on the log scale with a non-positive bound.</exception>
    public PriorStandardization(IReadOnlyList<StandardizedParameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Count == 0)
        {
            throw new ArgumentException("no parameters to standardise", nameof(parameters));
        }

        _parameters = [.. parameters];
        _alpha = new double[_parameters.Length];
        _beta = new double[_parameters.Length];
        _affine = new bool[_parameters.Length];
        for (int j = 0; j < _parameters.Length; j++)
        {
            var p = _parameters[j];
            if (!(p.Lower < p.Upper) || double.IsInfinity(p.Lower) || double.IsInfinity(p.Upper))
            {
                throw new ArgumentException($"parameter '{p.Name}': bounds [{p.Lower}, {p.Upper}] must be finite and ordered", nameof(parameters));
            }

            if (p.Kind != PriorKind.Uniform && !(p.Scale > 0 && double.IsFinite(p.Center)))
            {
                throw new ArgumentException($"parameter '{p.Name}': {p.Kind} prior needs a finite centre and a scale > 0 (got {p.Center}, {p.Scale})", nameof(parameters));
            }

            if (p.Kind == PriorKind.LogNormal && p.LogScale && !(p.Lower > 0 && p.Center > 0))
            {
                throw new ArgumentException($"parameter '{p.Name}': a log-normal prior on the log scale needs a median and lower bound > 0", nameof(parameters));
            }

            if (p.Kind == PriorKind.Uniform)
            {
                continue;
            }

            double a = Standard(j, p.Lower), b = Standard(j, p.Upper);
            _affine[j] = a < -NegligibleTail && b > NegligibleTail;
            _alpha[j] = Normal.CDF(0, 1, a);
            _beta[j] = Normal.CDF(0, 1, b);
        }
    }

    /// <summary>The map of a parameter space's estimated parameters, from their priors in the model
    /// (<see cref="Parameter.EffectivePrior"/>).</summary>
    public static PriorStandardization For(ParameterSpace space)
    {
        ArgumentNullException.ThrowIfNull(space);
        var list = new StandardizedParameter[space.Dimension];
        for (int j = 0; j < space.Dimension; j++)
        {
            var p = space.Model.Parameters[space.Indices[j]];
            var prior = p.EffectivePrior;
            list[j] = new StandardizedParameter(p.Name, prior.Kind, prior.Center, prior.Scale, p.Lower, p.Upper, space.IsLogScale(j));
        }

        return new PriorStandardization(list);
    }

    /// <summary>Number of parameters p.</summary>
    public int Dimension => _parameters.Length;

    /// <summary>The parameters' priors, in order.</summary>
    public IReadOnlyList<StandardizedParameter> Parameters => _parameters;

    /// <summary>z_j = g_j(θ_j) for θ within the bounds (clamped into them first).</summary>
    public double ToStandard(int j, double theta)
    {
        var p = _parameters[j];
        theta = Math.Clamp(theta, p.Lower, p.Upper);
        if (p.Kind == PriorKind.Uniform)
        {
            return Probit((theta - p.Lower) / (p.Upper - p.Lower));
        }

        double s = Standard(j, theta);
        return _affine[j] ? s : Probit((Normal.CDF(0, 1, s) - _alpha[j]) / (_beta[j] - _alpha[j]));
    }

    /// <summary>θ_j = g_j⁻¹(z_j), within the bounds.</summary>
    public double FromStandard(int j, double z)
    {
        var p = _parameters[j];
        if (p.Kind == PriorKind.Uniform)
        {
            return p.Lower + ((p.Upper - p.Lower) * Normal.CDF(0, 1, z));
        }

        double s = _affine[j] ? z : Normal.InvCDF(0, 1, Math.Clamp(_alpha[j] + ((_beta[j] - _alpha[j]) * Normal.CDF(0, 1, z)), 1e-300, 1 - 1e-16));
        double u = (p.Kind == PriorKind.LogNormal && p.LogScale ? Math.Log(p.Center) : p.Center) + (p.Scale * s);
        double theta = p.Kind == PriorKind.LogNormal && p.LogScale ? Math.Exp(u) : u;
        return Math.Clamp(theta, p.Lower, p.Upper);
    }

    /// <summary>Writes z = g(θ) for p values.</summary>
    public void ToStandard(ReadOnlySpan<double> theta, Span<double> z)
    {
        for (int j = 0; j < _parameters.Length; j++)
        {
            z[j] = ToStandard(j, theta[j]);
        }
    }

    /// <summary>Writes θ = g⁻¹(z) for p values.</summary>
    public void FromStandard(ReadOnlySpan<double> z, Span<double> theta)
    {
        for (int j = 0; j < _parameters.Length; j++)
        {
            theta[j] = FromStandard(j, z[j]);
        }
    }

    /// <summary>The prior's own standard coordinate (before truncation): (ln θ − ln median)/sdLog or (θ − mean)/sd.</summary>
    private double Standard(int j, double theta)
    {
        var p = _parameters[j];
        return p.Kind == PriorKind.LogNormal && p.LogScale ? (Math.Log(theta) - Math.Log(p.Center)) / p.Scale : (theta - p.Center) / p.Scale;
    }

    private static double Probit(double q) => Normal.InvCDF(0, 1, Math.Clamp(q, 1e-300, 1 - 1e-16));
}
