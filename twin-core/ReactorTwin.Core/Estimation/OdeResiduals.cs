using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Lna;

namespace ReactorTwin.Core.Estimation;

/// <summary>
/// The ODE likelihood of a fixed data set (<see cref="OdeLikelihood.Residuals"/>) as residuals of u on a
/// <see cref="ParameterSpace"/>: r(u) = r(θ(u)), ∂r_i/∂u_j = θ_k ∂r_i/∂θ_k on log scale (∂r_i/∂θ_k otherwise).
/// Where the ODE cannot be integrated the evaluation reports failure. Not thread-safe; no allocation per evaluation.
/// </summary>
public sealed class OdeResiduals : IResidualFunction
{
    private readonly ParameterSpace _space;
    private readonly OdeLikelihood _likelihood;
    private readonly ObservationSet _data;
    private readonly MeasurementNoise _noise;
    private readonly double[] _theta;

    /// <summary>Creates the residual function.</summary>
    /// <param name="space">Parameter space (its indices must equal the likelihood's gradient parameters).</param>
    /// <param name="likelihood">The ODE likelihood.</param>
    /// <param name="data">Its data.</param>
    /// <param name="noise">Measurement noise; no measured channel may have an SD formula.</param>
    /// <exception cref="ArgumentException">The likelihood differentiates by other parameters than the space estimates,
    /// or a measured channel's SD is a formula (the message names it).</exception>
    public OdeResiduals(ParameterSpace space, OdeLikelihood likelihood, ObservationSet data, MeasurementNoise noise)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(likelihood);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(noise);
        if (!space.Indices.SequenceEqual(likelihood.GradientParameters))
        {
            throw new ArgumentException("the likelihood must differentiate by exactly the estimated parameters of the space, in the same order", nameof(likelihood));
        }

        likelihood.CheckResidualForm(data, noise);
        _space = space;
        _likelihood = likelihood;
        _data = data;
        _noise = noise;
        _theta = new double[space.Model.Parameters.Count];
        ResidualCount = OdeLikelihood.ResidualCount(data);
    }

    /// <inheritdoc />
    public int Dimension => _space.Dimension;

    /// <inheritdoc />
    public int ResidualCount { get; }

    /// <inheritdoc />
    public bool Evaluate(ReadOnlySpan<double> u, Span<double> residuals, Span<double> jacobian, out double constant)
    {
        int d = _space.Dimension, m = ResidualCount;
        _space.ToNatural(u, _theta);
        try
        {
            constant = _likelihood.Residuals(_data, _theta, _noise, residuals[..m], jacobian[..(m * d)]);
        }
        catch (Exception ex) when (ex is LnaException or DataException)
        {
            constant = double.NaN;
            return false;
        }

        for (int j = 0; j < d; j++)
        {
            if (!_space.IsLogScale(j))
            {
                continue;
            }

            double scale = Math.Exp(u[j]);
            for (int i = 0; i < m; i++)
            {
                jacobian[(i * d) + j] *= scale;
            }
        }

        for (int i = 0; i < m; i++)
        {
            if (!double.IsFinite(residuals[i]))
            {
                return false;
            }
        }

        for (int i = 0; i < m * d; i++)
        {
            if (!double.IsFinite(jacobian[i]))
            {
                return false;
            }
        }

        return double.IsFinite(constant);
    }
}
