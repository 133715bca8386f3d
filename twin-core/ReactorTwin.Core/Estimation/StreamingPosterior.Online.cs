using ReactorTwin.Core.Lna;

namespace ReactorTwin.Core.Estimation;

/// <summary>The per-reading step of <see cref="StreamingPosterior"/>, and its online parameter posterior
/// (<see cref="StreamingOptions.OnlinePosterior"/>).</summary>
public sealed partial class StreamingPosterior
{
    private OnlineLaplace? _online;
    private double[] _gradTheta = [], _gradU = [], _meanGradTheta = [], _meanGradU = [], _varGradTheta = [], _varGradU = [], _thetaBefore = [], _stepTheta = [];

    /// <summary>Σ of the online posterior of û (row-major q × q) when <see cref="StreamingOptions.OnlinePosterior"/> is on,
    /// else empty. Do not modify.</summary>
    public ReadOnlySpan<double> OnlineCovariance => _online is null ? [] : _online.Covariance;

    /// <summary>Readings the online posterior has absorbed since it was last anchored (to the prior or a refit).</summary>
    public int OnlineReadings => _online?.Readings ?? 0;

    private OnlineLaplace CreateOnline()
    {
        int q = _space.Dimension;
        _gradTheta = new double[q];
        _gradU = new double[q];
        _meanGradTheta = new double[q];
        _meanGradU = new double[q];
        _varGradTheta = new double[q];
        _varGradU = new double[q];
        _thetaBefore = new double[q];
        _stepTheta = new double[q];
        return new OnlineLaplace(_space, _options.Priors);
    }

    /// <summary>
    /// One reading of the running batch (the filter is started): the Kalman–LNA prediction to its time and the update;
    /// with the online posterior also one step of <see cref="OnlineLaplace"/> from the reading's predictive moments and
    /// their exact sensitivities, after which θ̂ moves and the filtered mean follows it to first order
    /// (<see cref="Inference.KalmanLnaLikelihood.ShiftMean"/>). Allocation-free. Returns the reading's log predictive density.
    /// </summary>
    private double Assimilate(string batch, double timeHours, int component, double value)
    {
        _oneComponent[0] = component;
        _oneValue[0] = value;
        _filter.PropagateTo(timeHours, _theta);
        if (_online is null)
        {
            double lp0 = _filter.Condition(_oneObservation, _noise, [], batch);
            _ensemble?.Absorb(timeHours, component, value, batch);
            return lp0;
        }

        int n = _space.Model.StateDimension, q = _space.Dimension;
        var predicted = _filter.Current;
        double variance = predicted.Covariance[(component * n) + component] + _noise.Variance(component, value);
        for (int k = 0; k < q; k++)
        {
            _meanGradTheta[k] = predicted.MeanSensitivity[(k * n) + component];
            _varGradTheta[k] = predicted.CovarianceSensitivity[(k * n * n) + (component * n) + component];
        }

        Array.Clear(_gradTheta);
        double lp = _filter.Condition(_oneObservation, _noise, _gradTheta, batch);
        _space.ChainRule(Estimate, _gradTheta, _gradU);
        _space.ChainRule(Estimate, _meanGradTheta, _meanGradU);
        _space.ChainRule(Estimate, _varGradTheta, _varGradU);
        _online.Absorb(_gradU, _meanGradU, _varGradU, variance);
        MoveToOnlineMean();
        return lp;
    }

    /// <summary>Takes the online posterior's mean as the estimate and shifts the filtered mean by the change of θ.</summary>
    private void MoveToOnlineMean()
    {
        var indices = _space.Indices;
        for (int k = 0; k < indices.Count; k++)
        {
            _thetaBefore[k] = _theta[indices[k]];
        }

        _online!.Mean.CopyTo(Estimate);
        _space.ToNatural(Estimate, _theta);
        for (int k = 0; k < indices.Count; k++)
        {
            _stepTheta[k] = _theta[indices[k]] - _thetaBefore[k];
        }

        _filter.ShiftMean(_stepTheta);
    }

    /// <summary>
    /// Re-anchors the online posterior (if on) at the current estimate with a refit's covariance, or — when the refit
    /// gave none — with the online posterior's own covariance.
    /// </summary>
    private void AnchorOnline(double[]? covariance)
    {
        if (_online is null)
        {
            return;
        }

        var sigma = covariance ?? _online.Covariance.ToArray();
        try
        {
            _online.Reset(Estimate, sigma);
        }
        catch (ArgumentException)
        {
            _online.Reset(Estimate, _online.Covariance.ToArray());
        }
    }

    /// <summary>
    /// The posterior predictive of the running batch's state at <paramref name="timeHours"/> under the online posterior
    /// by the delta method: mean η(t; θ̂), covariance Ψ(t; θ̂) + S Σ Sᵀ with S = ∂η(t)/∂û from the forward sensitivities
    /// carried through the filter and the prediction.
    /// </summary>
    private void PredictOnline(double timeHours, LnaState destination)
    {
        _filter.Predict(_theta, timeHours, destination);
        int n = _space.Model.StateDimension, q = _space.Dimension;
        var sigma = _online!.Covariance;
        var sens = destination.MeanSensitivity;
        var cov = destination.Covariance;
        for (int k = 0; k < q; k++)
        {
            // ∂η/∂u_k = ∂η/∂θ_k · θ_k on log scale: rescale the prediction's sensitivity rows in place (they are a copy).
            double factor = _space.IsLogScale(k) ? _theta[_space.Indices[k]] : 1.0;
            for (int i = 0; i < n; i++)
            {
                sens[(k * n) + i] *= factor;
            }
        }

        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double add = 0;
                for (int a = 0; a < q; a++)
                {
                    double sa = sens[(a * n) + i];
                    if (sa == 0)
                    {
                        continue;
                    }

                    for (int b = 0; b < q; b++)
                    {
                        add += sa * sigma[(a * q) + b] * sens[(b * n) + j];
                    }
                }

                cov[(i * n) + j] += add;
                if (j != i)
                {
                    cov[(j * n) + i] += add;
                }
            }
        }
    }
}
