using ReactorTwin.Core.Lna;

namespace ReactorTwin.Core.Inference;

/// <summary>The incremental (online) use of <see cref="KalmanLnaLikelihood"/>: predicting the live filter to a reading,
/// conditioning on it, moving its state after the parameters moved, and predicting ahead.</summary>
public sealed partial class KalmanLnaLikelihood
{
    /// <summary>
    /// Incremental use: predicts the filter itself forward to <paramref name="timeHours"/> without conditioning, so that
    /// <see cref="Current"/> holds the predictive moments (and, in forward mode, their sensitivities) of a reading
    /// then; an <see cref="Absorb(ObservationTime, ReadOnlySpan{double}, MeasurementNoise, Span{double}, string)"/> at
    /// that time conditions on it.
    /// </summary>
    /// <exception cref="ArgumentException">The time is earlier than the current time.</exception>
    /// <exception cref="LnaException">The LNA failed.</exception>
    public void PropagateTo(double timeHours, ReadOnlySpan<double> parameters)
    {
        if (!(timeHours >= CurrentTime))
        {
            throw new ArgumentException($"time {timeHours:G6} h is earlier than the filter time {CurrentTime:G6} h", nameof(timeHours));
        }

        _lna.Propagate(_state, parameters, CurrentTime, timeHours, _resume, Inputs);
        _projection.SetParameters(parameters);
        _resume = true;
        CurrentTime = timeHours;
    }

    /// <summary>
    /// Incremental use: conditions the filter on the components and values of <paramref name="observation"/> at
    /// <see cref="CurrentTime"/> (its time is not read: reach the time first with <see cref="PropagateTo"/>); returns
    /// the log-likelihood increment and adds its gradient to <paramref name="gradient"/> as
    /// <see cref="Absorb(ObservationTime, ReadOnlySpan{double}, MeasurementNoise, Span{double}, string)"/> does.
    /// </summary>
    /// <exception cref="InvalidOperationException">A gradient was asked for from an adjoint-mode likelihood.</exception>
    /// <exception cref="LnaException">The innovation covariance is not positive definite.</exception>
    public double Condition(ObservationTime observation, MeasurementNoise noise, Span<double> gradient, string batchId = "")
    {
        ArgumentNullException.ThrowIfNull(observation);
        ArgumentNullException.ThrowIfNull(noise);
        if (UsesAdjoint && gradient.Length > 0)
        {
            throw new InvalidOperationException("this likelihood computes its gradient by the adjoint over whole batches (Evaluate); for incremental gradients use LnaGradientMethod.Forward");
        }

        return Update(observation, noise, gradient, batchId);
    }

    private double _lastInnovationVariance = double.NaN;
    private double[] _lastMeanSensitivity = [], _lastVarianceSensitivity = [];

    /// <summary>
    /// After a <see cref="Condition"/> on one measurement: its predictive variance S = h Ψ hᵀ + R (in the measurement's
    /// space: the log for a log-normal observable) and, with forward sensitivities, ∂μ/∂θ_k and ∂S/∂θ_k of its predictive
    /// mean and variance for the gradient parameters (the moments the update used, for a state or an observable alike;
    /// <see cref="Estimation.OnlineLaplace"/>'s Fisher scoring reads them). No allocation.
    /// </summary>
    /// <returns>S, or NaN when the last update was not of one measurement.</returns>
    public double LastInnovation(Span<double> meanSensitivity, Span<double> varianceSensitivity)
    {
        int q = Math.Min(_stateSensitivities, Math.Min(meanSensitivity.Length, varianceSensitivity.Length));
        _lastMeanSensitivity.AsSpan(0, q).CopyTo(meanSensitivity);
        _lastVarianceSensitivity.AsSpan(0, q).CopyTo(varianceSensitivity);
        return _lastInnovationVariance;
    }

    /// <summary>
    /// Incremental use: takes the filtered mean and covariance of another filter of the same model at the same batch
    /// and time (one filtered again under new parameters), keeping this filter's sensitivities (which become those of
    /// the earlier parameters: a first-order approximation, as after <see cref="ShiftMean"/>). No allocation.
    /// </summary>
    /// <exception cref="ArgumentException">The other filter is at another time or of another dimension.</exception>
    public void TakeMoments(KalmanLnaLikelihood other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other._n != _n || other.CurrentTime != CurrentTime)
        {
            throw new ArgumentException($"the filter to take moments from is at {other.CurrentTime:G6} h with {other._n} states, this one at {CurrentTime:G6} h with {_n}", nameof(other));
        }

        other._state.Mean.AsSpan().CopyTo(_state.Mean);
        other._state.Covariance.AsSpan().CopyTo(_state.Covariance);
        _resume = false; // the solver's step history belongs to the old moments
    }

    /// <summary>
    /// Moves the filtered mean to first order after the parameters moved by <paramref name="step"/> (Δθ_k of the
    /// gradient parameters, in their order): η ← η + Σ_k (∂η/∂θ_k) Δθ_k, using the forward sensitivities carried
    /// through the filter (so the state estimate follows a parameter estimate updated online). Ψ and the sensitivities
    /// are kept. No effect without forward sensitivities.
    /// </summary>
    public void ShiftMean(ReadOnlySpan<double> step)
    {
        int n = _n;
        for (int k = 0; k < _stateSensitivities && k < step.Length; k++)
        {
            double d = step[k];
            if (d == 0)
            {
                continue;
            }

            var etak = _state.MeanSensitivity.AsSpan(k * n, n);
            for (int i = 0; i < n; i++)
            {
                _state.Mean[i] += etak[i] * d;
            }
        }
    }

    /// <summary>
    /// Predicts the current batch forward to <paramref name="timeHours"/> without conditioning and writes the
    /// predicted mean and covariance (the filter state itself is left unchanged).
    /// </summary>
    public void Predict(ReadOnlySpan<double> parameters, double timeHours, LnaState destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        destination.CopyFrom(_state);
        _lna.Propagate(destination, parameters, CurrentTime, Math.Max(timeHours, CurrentTime), inputs: Inputs);
    }
}
