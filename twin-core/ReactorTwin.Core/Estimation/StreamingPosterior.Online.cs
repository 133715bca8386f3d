using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Lna;

namespace ReactorTwin.Core.Estimation;

/// <summary>The per-reading step of <see cref="StreamingPosterior"/>, and its online parameter posterior
/// (<see cref="StreamingOptions.OnlinePosterior"/>).</summary>
public sealed partial class StreamingPosterior
{
    private OnlineLaplace? _online;
    private double[]? _anchorEstimate;

    /// <summary>
    /// The estimate a snapshot saves: the last refit's (or restored snapshot's), without the online steps of the readings
    /// absorbed since — a restart replays those readings from the journal, so saving them too would count them twice.
    /// Without the online posterior, the current estimate (which only refits change).
    /// </summary>
    private double[] AnchorEstimate => _online is null ? Estimate : _anchorEstimate ?? _priorEstimate;

    private double[] _priorEstimate = [];
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
        _replayGradient = new double[q];
        var online = new OnlineLaplace(_space, _options.Priors);
        _priorEstimate = online.Mean.ToArray();
        return online;
    }

    /// <summary>
    /// One reading of the running batch (row <paramref name="row"/> of its data; the filter is started): the Kalman–LNA
    /// prediction to its time and the update; with the online posterior also one step of <see cref="OnlineLaplace"/>
    /// from the reading's predictive moments and their exact sensitivities, after which θ̂ moves and the filtered state
    /// follows it (<see cref="MoveToOnlineMean"/>). Returns the reading's log predictive density.
    /// </summary>
    /// <exception cref="LnaException">The filter cannot reach the reading (under θ̂, nor under the online posterior's
    /// anchor) or cannot condition on it; the reading stays in the batch's data for the refit.</exception>
    private double Assimilate(int row)
    {
        var r = _current[row];
        int component = _space.Model.IndexOfChannel(r.Name);
        _oneComponent[0] = component;
        _oneValue[0] = r.Value;
        if (_online is null)
        {
            _filter.PropagateTo(r.TimeHours, _theta);
            double lp0 = _filter.Condition(_oneObservation, _noise, [], r.Batch);
            _ensemble?.Absorb(r.TimeHours, component, r.Value, r.Batch);
            return lp0;
        }

        ReachOnline(r.TimeHours);
        Array.Clear(_gradTheta);
        double lp = _filter.Condition(_oneObservation, _noise, _gradTheta, r.Batch);
        double variance = _filter.LastInnovation(_meanGradTheta, _varGradTheta); // the reading's predictive moments (state or observable)
        _absorbed.Add(row);
        _space.ChainRule(Estimate, _gradTheta, _gradU);
        _space.ChainRule(Estimate, _meanGradTheta, _meanGradU);
        _space.ChainRule(Estimate, _varGradTheta, _varGradU);
        _online.Absorb(_gradU, _meanGradU, _varGradU, variance);
        MoveToOnlineMean();
        return lp;
    }

    /// <summary>
    /// Predicts the filter to a reading's time under θ̂. If the LNA fails there while θ̂ is an online estimate (the steps
    /// of this batch's readings took it where the model cannot be solved), the online posterior returns to its anchor
    /// (the last refit, or the prior: <see cref="OnlineFallbacks"/> counts it), the batch is filtered again under it and
    /// the prediction retried; the readings stay in the batch's data for its refit.
    /// </summary>
    private void ReachOnline(double timeHours)
    {
        bool replay = !_filterConsistent;
        _filterConsistent = false; // until the filter is known to be at a reading under θ̂ again
        try
        {
            if (replay)
            {
                ReplayWithSensitivities();
            }

            _filter.PropagateTo(timeHours, _theta);
            _filterConsistent = true;
            return;
        }
        catch (LnaException) when (_online!.Readings > 0)
        {
        }

        _online.ResetToAnchor();
        OnlineFallbacks++;
        _online.Mean.CopyTo(Estimate);
        _space.ToNatural(Estimate, _theta);
        ReplayWithSensitivities();
        _filter.PropagateTo(timeHours, _theta);
        _filterConsistent = true;
    }

    /// <summary>
    /// Takes the online posterior's mean as the estimate and brings the filtered state to it: when the change of θ
    /// moves the filtered mean by little (<see cref="ShiftIsSmall"/>), to first order through the carried sensitivities
    /// (η ← η + (∂η/∂θ)Δθ, O(nq)); otherwise by filtering the batch's readings again from t = 0 under the new θ̂
    /// (<see cref="Replay"/>: exact mean and Ψ, a few µs a reading). If the LNA fails under the new θ̂, the step is
    /// halved (up to three times) and at last undone, keeping the reading's information.
    /// </summary>
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

        if (ShiftIsSmall())
        {
            _filter.ShiftMean(_stepTheta);
            return;
        }

        OnlineReplays++;
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                Replay();
                _filterConsistent = true;
                return;
            }
            catch (LnaException) when (attempt < 4)
            {
                _filterConsistent = false;
                _online.ShortenLastStep(attempt < 3 ? 0.5 : 0.0);
                _online.Mean.CopyTo(Estimate);
                _space.ToNatural(Estimate, _theta);
            }
        }
    }

    /// <summary>The largest first-order move of the filtered mean, in filtered sds, that is taken without refiltering.</summary>
    private const double ShiftTolerance = 1.0;

    /// <summary>The part of a component's value a first-order move may always take: components the culture's noise
    /// hardly reaches (the cell densities, Ψ ≈ 0) are held to this instead of their sd.</summary>
    private const double ShiftRelativeFloor = 0.05;

    /// <summary>True when the first-order move of the filtered mean by the step Δθ (in <c>_stepTheta</c>) is within
    /// <see cref="ShiftTolerance"/> filtered sds plus <see cref="ShiftRelativeFloor"/> of its value for every component,
    /// and takes none below 0 (or, already below, further down).</summary>
    private bool ShiftIsSmall()
    {
        var current = _filter.Current;
        int n = _space.Model.StateDimension, q = _space.Dimension;
        for (int i = 0; i < n; i++)
        {
            double shift = 0;
            for (int k = 0; k < q; k++)
            {
                shift += current.MeanSensitivity[(k * n) + i] * _stepTheta[k];
            }

            double mean = current.Mean[i], sd = Math.Sqrt(Math.Max(current.Covariance[(i * n) + i], 0.0));
            if (!(Math.Abs(shift) <= (ShiftTolerance * sd) + (ShiftRelativeFloor * Math.Abs(mean))) || mean + shift < Math.Min(mean, 0))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Filters the running batch's absorbed readings again from t = 0 under the current θ̂, without parameter steps, by
    /// a filter without sensitivities (a few µs a reading), and gives its mean and Ψ to the live filter, whose
    /// sensitivities are kept (those of the earlier θ̂: first order, as after a first-order move). Before any reading
    /// the live filter itself is restarted. No allocation.
    /// </summary>
    /// <exception cref="LnaException">The LNA failed under θ̂.</exception>
    private void Replay()
    {
        if (_absorbed.Count == 0)
        {
            StartFilter(_filter, _inputs);
            return;
        }

        _replayFilter ??= new KalmanLnaLikelihood(_space.Model, []);
        FilterAbsorbedRows(_replayFilter, []);
        _filter.TakeMoments(_replayFilter);
    }

    /// <summary>Filters the running batch's absorbed readings again from t = 0 under the current θ̂ with the live
    /// filter itself (its sensitivities too): after a failed prediction left it part-way. No allocation.</summary>
    /// <exception cref="LnaException">The LNA failed under θ̂.</exception>
    private void ReplayWithSensitivities() => FilterAbsorbedRows(_filter, _replayGradient);

    /// <summary>Runs <paramref name="filter"/> from the batch's start over its absorbed readings under θ̂
    /// (<paramref name="gradient"/>: scratch for a filter with sensitivities, else empty).</summary>
    private void FilterAbsorbedRows(KalmanLnaLikelihood filter, Span<double> gradient)
    {
        StartFilter(filter, _filter.Inputs);
        foreach (int row in _absorbed)
        {
            var r = _current[row];
            _oneComponent[0] = _space.Model.IndexOfChannel(r.Name);
            _oneValue[0] = r.Value;
            filter.PropagateTo(r.TimeHours, _theta);
            gradient.Clear();
            filter.Condition(_oneObservation, _noise, gradient, r.Batch);
        }
    }

    /// <summary>Times the online estimate fell back to its anchor because the model could not be solved under it.</summary>
    public int OnlineFallbacks { get; private set; }

    /// <summary>Readings after which the running batch was filtered again under the moved estimate (a step too large
    /// for the first-order move).</summary>
    public int OnlineReplays { get; private set; }

    private readonly List<int> _absorbed = [];
    private double[] _initialState = [];
    private int[] _initiallyMeasured = [];
    private bool _filterConsistent = true;
    private KalmanLnaLikelihood? _replayFilter;
    private double[] _replayGradient = [];

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
    /// N(û, Σ), by third-degree spherical cubature over the parameters (as <see cref="ParameterEnsemble"/>, seed 000's
    /// LNA moments per point): 2q points u_j = û ± √q L e_j (Σ = L Lᵀ), each starting from the filtered state moved to
    /// first order to its parameters, η + (∂η/∂u)(u_j − û) (clipped at 0, a concentration), with the filtered Ψ, and
    /// predicted by the LNA under θ(u_j); the result is the mixture's moments, mean (1/2q) Σ η_j and covariance
    /// (1/2q) Σ [Ψ_j + (η_j − η̄)(η_j − η̄)ᵀ]. Unlike the delta method it follows a forecast that saturates (a
    /// substrate running out) and the parameters' effect on the intrinsic noise. No allocation.
    /// </summary>
    private void PredictOnline(double timeHours, LnaState destination, PredictiveMixture? mixture)
    {
        EnsureCubature();
        int n = _space.Model.StateDimension, q = _space.Dimension;
        _online!.Covariance.CopyTo(_cholesky);
        if (!Numerics.SmallDense.TryCholesky(_cholesky, q))
        {
            _filter.Predict(_theta, timeHours, destination); // Σ numerically singular: no parameter spread to add
            return;
        }

        var current = _filter.Current;
        double radius = Math.Sqrt(q);
        Array.Clear(_mixtureMean);
        Array.Clear(_mixtureSecond);
        for (int p = 0; p < 2 * q; p++)
        {
            int column = p % q;
            double sign = p < q ? radius : -radius;
            // A point far out in a wide posterior can take the LNA where it fails (a covariance that loses positive
            // semi-definiteness under extreme rates): it is then moved halfway towards û, up to three times, which
            // narrows the mixture only in that direction; if it still fails, the prediction fails.
            for (int attempt = 0; ; attempt++)
            {
                double shrink = Math.Pow(0.5, attempt);
                PlacePoint(column, sign * shrink, current, n, q);
                try
                {
                    _pointSolver!.Propagate(_pointState, _pointTheta, _filter.CurrentTime, Math.Max(timeHours, _filter.CurrentTime), inputs: _filter.Inputs);
                    break;
                }
                catch (LnaException) when (attempt < 3)
                {
                }
            }

            mixture?.Set(p, _pointState.Mean, _pointState.Covariance);
            _pointState.Mean.AsSpan().CopyTo(_pointMeans.AsSpan(p * n, n));
            for (int i = 0; i < n; i++)
            {
                _mixtureMean[i] += _pointState.Mean[i];
                for (int j = 0; j < n; j++)
                {
                    _mixtureSecond[(i * n) + j] += _pointState.Covariance[(i * n) + j];
                }
            }
        }

        // Two passes (mean, then spread about it), so that a spread far below the mean's size is not lost to rounding.
        _filter.Predict(_theta, timeHours, destination); // shape, and the sensitivities at the estimate
        double w = 1.0 / (2 * q);
        for (int i = 0; i < n; i++)
        {
            destination.Mean[i] = _mixtureMean[i] * w;
        }

        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double spread = 0;
                for (int p = 0; p < 2 * q; p++)
                {
                    spread += (_pointMeans[(p * n) + i] - destination.Mean[i]) * (_pointMeans[(p * n) + j] - destination.Mean[j]);
                }

                destination.Covariance[(i * n) + j] = (_mixtureSecond[(i * n) + j] + spread) * w;
            }

            // The LNA's Ψ is positive semi-definite; a diagonal a rounding error below 0 is 0.
            destination.Covariance[(i * n) + i] = Math.Max(destination.Covariance[(i * n) + i], 0.0);
        }

        Numerics.SmallDense.Symmetrize(destination.Covariance, n);
    }

    /// <summary>Places cubature point û + <paramref name="scale"/> L e_column (within the bounds) and its starting state:
    /// the filtered mean moved to first order to the point's parameters (clipped at 0), with the filtered Ψ.</summary>
    private void PlacePoint(int column, double scale, LnaState current, int n, int q)
    {
        for (int a = 0; a < q; a++)
        {
            double d = a >= column ? scale * _cholesky[(a * q) + column] : 0.0;
            _pointU[a] = Math.Clamp(Estimate[a] + d, _space.Lower[a], _space.Upper[a]); // a point stays within the bounds
            _pointStepU[a] = _pointU[a] - Estimate[a];
        }

        _space.ToNatural(_pointU, _pointTheta);
        current.Mean.AsSpan().CopyTo(_pointInitial);
        for (int k = 0; k < q; k++)
        {
            double dk = _pointStepU[k] * (_space.IsLogScale(k) ? _theta[_space.Indices[k]] : 1.0);
            for (int i = 0; i < n; i++)
            {
                _pointInitial[i] += current.MeanSensitivity[(k * n) + i] * dk;
            }
        }

        for (int i = 0; i < n; i++)
        {
            _pointState.Mean[i] = Math.Max(_pointInitial[i], 0.0);
        }

        current.Covariance.AsSpan().CopyTo(_pointState.Covariance);
    }

    private LnaSolver? _pointSolver;
    private LnaState _pointState = null!;
    private double[] _pointMeans = [], _cholesky = [], _pointU = [], _pointStepU = [], _pointTheta = [], _pointInitial = [], _mixtureMean = [], _mixtureSecond = [];

    private void EnsureCubature()
    {
        if (_pointSolver is not null)
        {
            return;
        }

        int n = _space.Model.StateDimension, q = _space.Dimension;
        _pointSolver = new LnaSolver(_space.Model, []);
        _pointState = _pointSolver.CreateState();
        _cholesky = new double[q * q];
        _pointU = new double[q];
        _pointStepU = new double[q];
        _pointTheta = new double[_space.Model.Parameters.Count];
        _pointInitial = new double[n];
        _mixtureMean = new double[n];
        _pointMeans = new double[2 * q * n];
        _mixtureSecond = new double[n * n];
    }
}
