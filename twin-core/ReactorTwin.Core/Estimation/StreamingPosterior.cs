using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Lna;

namespace ReactorTwin.Core.Estimation;

/// <summary>Options of <see cref="StreamingPosterior"/>.</summary>
public sealed record StreamingOptions
{
    /// <summary>Quasi-Newton iterations allowed per refit at the end of a batch (warm-started). Default 2000.</summary>
    public int MaxIterationsPerRefit { get; init; } = 2000;

    /// <summary>
    /// Gradient tolerance of the refits. MathNet's BFGS-B also stops on the relative gradient |g|·max(|u|, 1)/max(|ℓ|, 1),
    /// which is lenient for large |ℓ|, so the default is small: 1e−8.
    /// </summary>
    public double GradientTolerance { get; init; } = 1e-8;

    /// <summary>
    /// Time allowed for one refit (on the clock given to <see cref="StreamingRefit.Run"/>); null (default) for none. A
    /// refit that runs out ends at the best point it evaluated and is reported as partial
    /// (<see cref="MleResult.Partial"/>); the next batch's refit starts there.
    /// </summary>
    public TimeSpan? RefitTimeBudget { get; init; }

    /// <summary>
    /// Priors of the estimated parameters (one per parameter of the space, in order), making each refit a MAP estimate
    /// and its covariance a Laplace approximation of the posterior; null (default) for the plain likelihood.
    /// </summary>
    public IReadOnlyList<ParameterPrior>? Priors { get; init; }

    /// <summary>
    /// Keep a <see cref="ParameterEnsemble"/> beside the live filter, so that <see cref="StreamingPosterior.PredictWithParameterUncertainty"/>
    /// adds the parameters' uncertainty to the state's (default false). Costs 2q more filters per measurement.
    /// </summary>
    public bool ParameterUncertainty { get; init; }

    /// <summary>
    /// Update the parameter posterior after every reading (<see cref="OnlineLaplace"/>: one Fisher-scoring step on the
    /// reading's Kalman–LNA log predictive density, with the exact gradient from forward sensitivities carried through
    /// the filter), starting from <see cref="Priors"/>; each refit re-anchors it. Predictions with parameter uncertainty
    /// then use the online posterior by the delta method instead of the ensemble (default false).
    /// </summary>
    public bool OnlinePosterior { get; init; }
}

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

    /// <summary>
    /// Absorbs one measurement of the running batch (a new batch id completes the previous batch first): a species or
    /// cell phase, or an observable of the model. States measured at t = 0 set the batch's initial state (the others
    /// start from the model's initial values, or from θ̂ where the initial value is a parameter); every other
    /// measurement, an observable at t = 0 included, is filtered. Returns the log predictive density of the measurement
    /// (0 for initial values).
    /// </summary>
    /// <exception cref="ArgumentException">Unknown component, non-finite value, or time earlier than the last one.</exception>
    public double AddMeasurement(string batch, double timeHours, string component, double value)
    {
        ArgumentNullException.ThrowIfNull(batch);
        int c = _space.Model.IndexOfChannel(component);
        if (c < 0)
        {
            throw new ArgumentException($"'{component}' is not a species, cell phase or observable of model '{_space.Model.Name}'", nameof(component));
        }

        if (!double.IsFinite(value) || !double.IsFinite(timeHours) || timeHours < 0)
        {
            throw new ArgumentException($"batch {batch}: {component} at {timeHours} h = {value} is not a finite measurement at a time ≥ 0");
        }

        EnterBatch(batch, timeHours);
        _current.Add(new DataRow(batch, timeHours, component, value));
        if (IsInitialValue(_current[^1]))
        {
            return 0.0;
        }

        EnsureFilterStarted();
        return Assimilate(_current.Count - 1);
    }

    /// <summary>
    /// Sets input <paramref name="input"/> of the running batch (a feed rate, a temperature setpoint) to
    /// <paramref name="value"/> from <paramref name="timeHours"/> on, as a setpoint changed then: the live filter
    /// predicts with it from there, and the point joins the batch's data, so that its refit integrates the same inputs
    /// (an input row of the data, docs/model-format.md). A new batch id completes the previous batch first.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown input, non-finite value, or a time earlier than the batch's last row.</exception>
    public void SetInput(string batch, double timeHours, string input, double value)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (_space.Model.IndexOfInput(input) < 0)
        {
            throw new ArgumentException($"'{input}' is not an input of model '{_space.Model.Name}' (inputs: {(_space.Model.Inputs.Count == 0 ? "none" : string.Join(", ", _space.Model.Inputs.Select(u => u.Name)))})", nameof(input));
        }

        if (!double.IsFinite(value) || !double.IsFinite(timeHours) || timeHours < 0)
        {
            throw new ArgumentException($"batch {batch}: input {input} at {timeHours} h = {value} is not a finite value at a time ≥ 0");
        }

        EnterBatch(batch, timeHours);
        _inputs = (_inputs ?? Models.InputSchedule.Constant(_space.Model)).WithPoint(input, timeHours, value);
        _current.Add(new DataRow(batch, timeHours, input, value));
        _lastInputTime = timeHours;
        if (_filterStarted)
        {
            _filter.Inputs = _inputs;
            _ensemble?.SetInputs(_inputs);
        }
    }

    /// <summary>Completes the running batch when <paramref name="batch"/> is another, starts it when none runs, and
    /// refuses a time before the running batch's last reading or input change.</summary>
    private void EnterBatch(string batch, double timeHours)
    {
        if (_batch is not null && batch != _batch)
        {
            CompleteBatch();
        }

        if (_batch is null)
        {
            _batch = batch;
            _filterStarted = false;
            _inputs = null;
            _lastInputTime = 0;
        }

        if (_filterStarted && timeHours < _filter.CurrentTime)
        {
            throw new ArgumentException($"batch {batch}: time {timeHours} h is earlier than the last measurement at {_filter.CurrentTime} h", nameof(timeHours));
        }

        if (timeHours < _lastInputTime)
        {
            throw new ArgumentException($"batch {batch}: time {timeHours} h is earlier than the last input change at {_lastInputTime} h", nameof(timeHours));
        }
    }

    private Models.InputSchedule? _inputs;
    private double _lastInputTime;

    /// <summary>True for a state measured at t = 0: the batch's initial value, not a reading to filter.</summary>
    private bool IsInitialValue(DataRow row) => row.TimeHours == 0.0 && _space.Model.IndexOfState(row.Name) >= 0;

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

    /// <summary>Starts the live filter of the running batch from its t = 0 values (the model's initial values for the
    /// rest, or θ̂ where an initial value is a parameter).</summary>
    private void EnsureFilterStarted()
    {
        if (_filterStarted)
        {
            return;
        }

        var model = _space.Model;
        var z0 = model.DefaultInitialState();
        var measured = new List<int>();
        foreach (var r in _current)
        {
            if (IsInitialValue(r))
            {
                int i = model.IndexOfState(r.Name);
                z0[i] = r.Value;
                if (!measured.Contains(i))
                {
                    measured.Add(i);
                }
            }
        }

        _initialState = z0;
        _initiallyMeasured = [.. measured];
        _absorbed.Clear();
        _filterConsistent = true;
        StartFilter(_filter, _inputs);
        _ensemble?.BeginBatch(z0, _initiallyMeasured, _inputs);
        _filterStarted = true;
    }

    /// <summary>Starts <paramref name="filter"/> at the running batch's t = 0 under θ̂ with <paramref name="inputs"/>.</summary>
    private void StartFilter(KalmanLnaLikelihood filter, Models.InputSchedule? inputs) => filter.BeginBatch(_initialState, inputs, _theta, _initiallyMeasured);

    /// <summary>A state shaped for <see cref="Predict"/>.</summary>
    public LnaState CreateState() => _filter.CreateState();
}

/// <summary>What <see cref="StreamingPosterior.Snapshot"/> saves.</summary>
/// <param name="Estimate">û (unconstrained coordinates).</param>
/// <param name="Completed">The completed batches' measurements.</param>
/// <param name="CompletedBatches">How many batches they are.</param>
/// <param name="Covariance">Row-major q × q covariance of û from the last refit, or null.</param>
public sealed record StreamingSnapshot(double[] Estimate, IReadOnlyList<DataRow> Completed, int CompletedBatches, double[]? Covariance = null);
