using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Lna;

namespace ReactorTwin.Core.Estimation;

/// <summary>
/// The twin's current parameter estimate, absorbing data as they arrive without refitting from scratch:
/// <list type="bullet">
/// <item>per measurement: one Kalman–LNA prediction and update of the running batch's latent state under the
/// current θ (the filter state is carried forward, nothing is recomputed), giving the log predictive density of
/// the measurement and an up-to-date filtered state for predictions;</item>
/// <item>per completed batch: the batch joins the data set and the estimate is refitted by BFGS-B warm-started at
/// the previous estimate (seed 001 eq. 5 / Algorithm 1 step 4 with a quasi-Newton instead of one Adam step).</item>
/// </list>
/// Fed batch by batch it ends at the batch MLE on all data (tested). Not thread-safe.
/// </summary>
public sealed partial class StreamingPosterior
{
    private readonly ParameterSpace _space;
    private readonly Func<ObservationSet, IDataLikelihood> _likelihoodFor;
    private readonly KalmanLnaLikelihood _filter;
    private readonly MeasurementNoise _noise;
    private readonly StreamingOptions _options;
    private readonly List<DataRow> _completed = [];
    private readonly List<DataRow> _current = [];
    private readonly double[] _theta;
    private readonly int[] _oneComponent = new int[1];
    private readonly double[] _oneValue = new double[1];
    private readonly ObservationTime _oneObservation;
    private readonly ParameterEnsemble? _ensemble;
    private string? _batch;
    private bool _filterStarted;

    /// <summary>Creates the streaming posterior.</summary>
    /// <param name="space">Parameter space; its base values are the initial estimate.</param>
    /// <param name="likelihoodFor">Likelihood used by the refits, for a data set.</param>
    /// <param name="noise">Measurement model of the live filter.</param>
    /// <param name="options">Options; null for defaults.</param>
    public StreamingPosterior(ParameterSpace space, Func<ObservationSet, IDataLikelihood> likelihoodFor, MeasurementNoise noise, StreamingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(likelihoodFor);
        ArgumentNullException.ThrowIfNull(noise);
        if (space.ExtendsModel)
        {
            throw new ArgumentException("the live twin filters with one parameter vector; per-batch parameters are for offline fits", nameof(space));
        }

        _space = space;
        _likelihoodFor = likelihoodFor;
        _noise = noise;
        _options = options ?? new StreamingOptions();
        _filter = _options.OnlinePosterior
            ? new KalmanLnaLikelihood(space.Model, space.Indices, new LnaOptions { Gradient = LnaGradientMethod.Forward })
            : new KalmanLnaLikelihood(space.Model, []);
        Estimate = space.BaseUnconstrained();
        _theta = new double[space.Model.Parameters.Count];
        _oneObservation = new ObservationTime(0, _oneComponent, _oneValue);
        _ensemble = _options.ParameterUncertainty && !_options.OnlinePosterior ? new ParameterEnsemble(space, noise) : null;
        if (_options.OnlinePosterior)
        {
            _online = CreateOnline();
            Estimate = _online.Mean.ToArray();
        }

        space.ToNatural(Estimate, _theta);
    }

    /// <summary>Row-major q × q covariance of û from the last refit (the posterior's Laplace approximation when priors
    /// are given), or null before the first.</summary>
    public double[]? Covariance { get; private set; }

    /// <summary>The current estimate û (unconstrained coordinates of the space).</summary>
    public double[] Estimate { get; private set; }

    /// <summary>The current estimate θ̂ (natural scale, all parameters). Do not modify.</summary>
    public ReadOnlySpan<double> Parameters => _theta;

    /// <summary>Why the last refit did not move the estimate (it keeps the previous one), or null after a successful refit.</summary>
    public string? LastRefitFailure { get; private set; }

    /// <summary>Completed batches absorbed into the estimate.</summary>
    public int CompletedBatches { get; private set; }

    /// <summary>The filtered latent state of the running batch (mean, covariance) under the current θ̂.</summary>
    public LnaState Filtered => _filter.Current;

    /// <summary>Time (h) of the running batch's latest measurement.</summary>
    public double FilterTime => _filter.CurrentTime;

    /// <summary>Closes the running batch: adds it to the data and refits warm-started at the current estimate
    /// (<see cref="CloseBatch"/>, <see cref="StreamingRefit.Run"/> and <see cref="ApplyRefit"/> in one call).</summary>
    /// <returns>The refit's result, or null when there was no running batch or the refit failed (see <see cref="LastRefitFailure"/>).</returns>
    public MleResult? CompleteBatch()
    {
        if (CloseBatch() is not { } refit)
        {
            return null;
        }

        var outcome = refit.Run(_theta, computeCovariance: false);
        ApplyRefit(outcome);
        return outcome.Fit;
    }

    /// <summary>
    /// Closes the running batch: its measurements join the completed data, and the refit that absorbs them is returned
    /// to be run — on any thread, while this posterior goes on filtering the next batch under the current estimate —
    /// and then handed to <see cref="ApplyRefit"/> on this posterior's thread.
    /// </summary>
    /// <returns>The refit of all completed data, or null when no batch was running.</returns>
    public StreamingRefit? CloseBatch()
    {
        if (_batch is null)
        {
            return null;
        }

        _completed.AddRange(_current);
        _current.Clear();
        _batch = null;
        _filterStarted = false;
        CompletedBatches++;
        return new StreamingRefit(_space, _likelihoodFor, [.. _completed], CompletedBatches, _options);
    }

    /// <summary>
    /// Takes a finished refit's estimate (unless it failed, in which case the estimate is kept and
    /// <see cref="LastRefitFailure"/> says why) and re-runs the live filter of the running batch from its start under
    /// the new estimate, so that the filtered state and the predictions are those of the new θ̂.
    /// </summary>
    /// <param name="outcome">The result of <see cref="StreamingRefit.Run"/> of a refit of this posterior.</param>
    public void ApplyRefit(StreamingRefitOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.Failure is not null)
        {
            LastRefitFailure = outcome.Failure;
            return;
        }

        LastRefitFailure = null;
        Estimate = [.. outcome.Estimate];
        _anchorEstimate = [.. outcome.Estimate];
        _space.ToNatural(Estimate, _theta);
        Covariance = outcome.Covariance?.ToRowMajorArray();
        SetEnsemble(outcome.Covariance);
        AnchorOnline(Covariance);
        RefilterRunningBatch();
    }

    /// <summary>Filters the running batch's measurements again from t = 0 under the current θ̂.</summary>
    private void RefilterRunningBatch()
    {
        _filterStarted = false;
        if (_batch is null || _current.Count == 0)
        {
            return;
        }

        EnsureFilterStarted();
        for (int row = 0; row < _current.Count; row++)
        {
            if (!IsInitialValue(_current[row]) && _space.Model.IndexOfInput(_current[row].Name) < 0)
            {
                Assimilate(row);
            }
        }
    }

    /// <summary>Places the ensemble on N(û, Σ) (or clears it when there is no usable Σ).</summary>
    private void SetEnsemble(MathNet.Numerics.LinearAlgebra.Matrix<double>? covariance)
    {
        if (_ensemble is null)
        {
            return;
        }

        if (covariance is null)
        {
            _ensemble.Clear();
            return;
        }

        try
        {
            _ensemble.SetPosterior(Estimate, covariance);
        }
        catch (ArgumentException)
        {
            _ensemble.Clear();
        }
    }

    /// <summary>True when predictions can carry the parameters' uncertainty (a posterior covariance is known and the
    /// ensemble is alive).</summary>
    public bool HasParameterUncertainty => _online is not null || (_ensemble?.IsActive ?? false);

    /// <summary>
    /// Predicts the running batch's latent state at a later time with the parameters' uncertainty added to the
    /// intrinsic noise (<see cref="ParameterEnsemble"/>: the mixture over the posterior's cubature points).
    /// </summary>
    /// <returns>False when there is no posterior covariance yet or the option is off; <paramref name="destination"/>
    /// is then unchanged.</returns>
    /// <param name="timeHours">Culture time (h) to predict, ≥ the filter's time.</param>
    /// <param name="destination">Receives the mixture's mean and covariance.</param>
    /// <param name="mixture">If not null, receives the mixture's components (online posterior only; otherwise it is
    /// left with no points).</param>
    public bool PredictWithParameterUncertainty(double timeHours, LnaState destination, PredictiveMixture? mixture = null)
    {
        EnsureFilterStarted();
        mixture?.Clear();
        if (_online is not null)
        {
            PredictOnline(timeHours, destination, mixture);
            return true;
        }

        return _ensemble?.Predict(timeHours, destination) ?? false;
    }

    /// <summary>
    /// Covariance of û (unconstrained coordinates) from the observed information of the completed batches at the
    /// current estimate (<see cref="ObservedInformation.RegularizedCovariance"/>), or null before the first completed
    /// batch or when the information cannot be inverted. Costs 2q gradient evaluations over all completed data.
    /// </summary>
    public MathNet.Numerics.LinearAlgebra.Matrix<double>? EstimateCovariance() =>
        _completed.Count == 0 ? null : StreamingRefit.Covariance(_space, _likelihoodFor, _completed, _theta, Estimate, _options.Priors);

    /// <summary>
    /// The state that must survive a restart between batches: the estimate and the completed batches' data. The running
    /// batch is not included (the host replays its measurements from the journal).
    /// </summary>
    public StreamingSnapshot Snapshot() => new([.. AnchorEstimate], [.. _completed], CompletedBatches, Covariance);

    /// <summary>
    /// A snapshot as of a refit: the current estimate with the data that refit covered (batches closed after it are
    /// left out, so that a restart from this snapshot replays them).
    /// </summary>
    /// <param name="refit">A refit of this posterior, already applied.</param>
    public StreamingSnapshot SnapshotAsOf(StreamingRefit refit)
    {
        ArgumentNullException.ThrowIfNull(refit);
        return new([.. AnchorEstimate], [.. refit.Data], refit.CompletedBatches, Covariance);
    }

    /// <summary>
    /// Restores a <see cref="Snapshot"/> into a posterior built over the same model and parameter space: the estimate and
    /// the completed data are set without refitting, and any running batch is discarded.
    /// </summary>
    /// <exception cref="ArgumentException">The snapshot's estimate has the wrong dimension or is not finite.</exception>
    public void Restore(StreamingSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.Estimate.Length != _space.Dimension || snapshot.Estimate.Any(v => !double.IsFinite(v)))
        {
            throw new ArgumentException($"the snapshot's estimate must have {_space.Dimension} finite values", nameof(snapshot));
        }

        Estimate = [.. snapshot.Estimate];
        _anchorEstimate = [.. snapshot.Estimate];
        _space.ToNatural(Estimate, _theta);
        int q = _space.Dimension;
        Covariance = snapshot.Covariance is { Length: var len } c && len == q * q ? c : null;
        SetEnsemble(Covariance is null ? null : MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(q, q, (i, j) => Covariance[(i * q) + j]));
        AnchorOnline(Covariance);
        _completed.Clear();
        _completed.AddRange(snapshot.Completed);
        _current.Clear();
        _batch = null;
        _filterStarted = false;
        CompletedBatches = snapshot.CompletedBatches;
    }

    /// <summary>Predicts the running batch's latent state at a later time under the current estimate.</summary>
    public void Predict(double timeHours, LnaState destination)
    {
        EnsureFilterStarted();
        _filter.Predict(_theta, timeHours, destination);
    }

    /// <summary>A state shaped for <see cref="Predict"/>.</summary>
    public LnaState CreateState() => _filter.CreateState();
}

/// <summary>What <see cref="StreamingPosterior.Snapshot"/> saves.</summary>
/// <param name="Estimate">û (unconstrained coordinates).</param>
/// <param name="Completed">The completed batches' measurements.</param>
/// <param name="CompletedBatches">How many batches they are.</param>
/// <param name="Covariance">Row-major q × q covariance of û from the last refit, or null.</param>
public sealed record StreamingSnapshot(double[] Estimate, IReadOnlyList<DataRow> Completed, int CompletedBatches, double[]? Covariance = null);
