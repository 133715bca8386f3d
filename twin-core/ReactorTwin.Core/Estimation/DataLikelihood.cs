using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Lna;

namespace ReactorTwin.Core.Estimation;

/// <summary>A likelihood bound to its data: ℓ(θ) and ∂ℓ/∂θ_k for its gradient parameters (natural scale).</summary>
public interface IDataLikelihood
{
    /// <summary>Indices into θ of the gradient components.</summary>
    IReadOnlyList<int> GradientParameters { get; }

    /// <summary>Evaluates ℓ(θ) and its gradient into <paramref name="result"/>.</summary>
    void Evaluate(ReadOnlySpan<double> theta, LikelihoodResult result);
}

/// <summary>The Kalman–LNA likelihood of a fixed data set and measurement model.</summary>
/// <param name="likelihood">The likelihood.</param>
/// <param name="data">Its data.</param>
/// <param name="noise">Measurement noise.</param>
public sealed class KalmanLnaDataLikelihood(KalmanLnaLikelihood likelihood, ObservationSet data, MeasurementNoise noise) : IDataLikelihood
{
    /// <inheritdoc />
    public IReadOnlyList<int> GradientParameters => likelihood.GradientParameters;

    /// <inheritdoc />
    public void Evaluate(ReadOnlySpan<double> theta, LikelihoodResult result) => likelihood.Evaluate(data, theta, noise, result);
}

/// <summary>The mean-ODE-plus-noise likelihood (<see cref="OdeLikelihood"/>) of a fixed data set.</summary>
/// <param name="likelihood">The likelihood.</param>
/// <param name="data">Its data.</param>
/// <param name="noise">Measurement noise.</param>
public sealed class OdeDataLikelihood(OdeLikelihood likelihood, ObservationSet data, MeasurementNoise noise) : IDataLikelihood
{
    /// <inheritdoc />
    public IReadOnlyList<int> GradientParameters => likelihood.GradientParameters;

    /// <inheritdoc />
    public void Evaluate(ReadOnlySpan<double> theta, LikelihoodResult result) => likelihood.Evaluate(data, theta, noise, result);
}

/// <summary>The Euler–Maruyama likelihood of fixed, complete trajectories.</summary>
/// <param name="likelihood">The likelihood.</param>
/// <param name="data">Its data (validated with <see cref="EulerMaruyamaLikelihood.Validate"/>).</param>
public sealed class EulerMaruyamaDataLikelihood(EulerMaruyamaLikelihood likelihood, ObservationSet data) : IDataLikelihood
{
    /// <inheritdoc />
    public IReadOnlyList<int> GradientParameters => likelihood.GradientParameters;

    /// <inheritdoc />
    public void Evaluate(ReadOnlySpan<double> theta, LikelihoodResult result) => likelihood.Evaluate(data, theta, result);
}

/// <summary>Prior of one estimated parameter, expressed as a density of u (Jacobian of the log map included).</summary>
public abstract record ParameterPrior
{
    /// <summary>log p(u_j) up to a constant, and d/du_j of it.</summary>
    public abstract double LogDensity(double u, bool logScale, out double derivative);
}

/// <summary>Uniform on the parameter's natural bounds; in u = log θ this is p(u) ∝ e^u (bounds enforced by the density).</summary>
public sealed record BoundedUniformPrior : ParameterPrior
{
    /// <inheritdoc />
    public override double LogDensity(double u, bool logScale, out double derivative)
    {
        derivative = logScale ? 1.0 : 0.0;
        return logScale ? u : 0.0;
    }
}

/// <summary>Log-normal prior: log θ ~ N(log median, sdLog²) (for a linear-scale parameter: θ ~ N(median, sdLog²)).</summary>
/// <param name="Median">Median of θ (natural scale), &gt; 0.</param>
/// <param name="SdLog">Standard deviation of log θ, &gt; 0.</param>
public sealed record LogNormalPrior(double Median, double SdLog) : ParameterPrior
{
    /// <inheritdoc />
    public override double LogDensity(double u, bool logScale, out double derivative)
    {
        double centre = logScale ? Math.Log(Median) : Median;
        double z = (u - centre) / SdLog;
        derivative = -z / SdLog;
        return -0.5 * z * z;
    }
}

/// <summary>
/// Normal prior on the natural scale, θ ~ N(mean, sd²), truncated to the parameter's bounds (which the density
/// enforces). On log scale the density of u = log θ carries the Jacobian: log p(u) = −(e^u − mean)²/(2 sd²) + u.
/// </summary>
/// <param name="Mean">Mean of θ before truncation.</param>
/// <param name="Sd">Standard deviation of θ before truncation, &gt; 0.</param>
public sealed record NormalPrior(double Mean, double Sd) : ParameterPrior
{
    /// <inheritdoc />
    public override double LogDensity(double u, bool logScale, out double derivative)
    {
        double theta = logScale ? Math.Exp(u) : u;
        double z = (theta - Mean) / Sd;
        derivative = logScale ? (-z / Sd * theta) + 1.0 : -z / Sd;
        return (-0.5 * z * z) + (logScale ? u : 0.0);
    }
}

/// <summary>
/// log π(u) = ℓ(θ(u)) + Σ_j log p_j(u_j) on the unconstrained space of a <see cref="ParameterSpace"/> (seed 000's
/// posterior; seed 001 eq. 5 when no prior is given). Outside the bounds (when priors are given) or where the
/// likelihood cannot be evaluated (LNA failure, singular transition) the density is −∞. Not thread-safe; no
/// allocation per evaluation.
/// </summary>
public sealed class PosteriorDensity : ILogDensity
{
    private readonly ParameterSpace _space;
    private readonly IDataLikelihood _likelihood;
    private readonly ParameterPrior[]? _priors;
    private readonly double[] _theta;
    private readonly LikelihoodResult _result;

    /// <summary>Creates the density.</summary>
    /// <param name="space">Parameter space (its indices must equal the likelihood's gradient parameters).</param>
    /// <param name="likelihood">Likelihood bound to data.</param>
    /// <param name="priors">One prior per estimated parameter, or null for the plain log-likelihood (no bounds).</param>
    public PosteriorDensity(ParameterSpace space, IDataLikelihood likelihood, IReadOnlyList<ParameterPrior>? priors = null)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(likelihood);
        if (!space.Indices.SequenceEqual(likelihood.GradientParameters))
        {
            throw new ArgumentException("the likelihood must differentiate by exactly the estimated parameters of the space, in the same order", nameof(likelihood));
        }

        if (priors is not null && priors.Count != space.Dimension)
        {
            throw new ArgumentException($"{priors.Count} priors for {space.Dimension} estimated parameters", nameof(priors));
        }

        _space = space;
        _likelihood = likelihood;
        _priors = priors?.ToArray();
        _theta = new double[space.Parameters.Count];
        _result = new LikelihoodResult(space.Dimension);
    }

    /// <inheritdoc />
    public int Dimension => _space.Dimension;

    /// <summary>Number of likelihood evaluations so far.</summary>
    public long Evaluations { get; private set; }

    /// <inheritdoc />
    public double Evaluate(ReadOnlySpan<double> u, Span<double> gradient)
    {
        if (_priors is not null && !_space.InBounds(u))
        {
            gradient.Clear();
            return double.NegativeInfinity;
        }

        _space.ToNatural(u, _theta);
        Evaluations++;
        try
        {
            _likelihood.Evaluate(_theta, _result);
        }
        catch (LnaException)
        {
            gradient.Clear();
            return double.NegativeInfinity;
        }
        catch (DataException)
        {
            gradient.Clear();
            return double.NegativeInfinity;
        }

        double value = _result.LogLikelihood;
        _space.ChainRule(u, _result.Gradient, gradient);
        if (_priors is not null)
        {
            for (int j = 0; j < _priors.Length; j++)
            {
                value += _priors[j].LogDensity(u[j], _space.IsLogScale(j), out double d);
                gradient[j] += d;
            }
        }

        bool finite = double.IsFinite(value);
        for (int j = 0; j < gradient.Length && finite; j++)
        {
            finite = double.IsFinite(gradient[j]);
        }

        if (!finite)
        {
            gradient.Clear();
            return double.NegativeInfinity;
        }

        return value;
    }
}
