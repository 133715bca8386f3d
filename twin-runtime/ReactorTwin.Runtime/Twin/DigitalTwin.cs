using System.Globalization;
using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Lna;
using ReactorTwin.Runtime.Contracts;
using ReactorTwin.Runtime.Ingest;

namespace ReactorTwin.Runtime.Twin;

/// <summary>
/// One reactor's digital twin as a pure, typed object: batch announcements, accepted measurements, refit outcomes and
/// commands go in; typed outputs (predictions, parameter estimates, proposals, setpoints, checkpoints, errors) come
/// out. No bus, no journal, no threads, no lock: the pipeline that owns it calls it from one thread at a time.
/// <list type="bullet">
/// <item>Per measurement of the running batch: one Kalman–LNA predict and update (<see cref="StreamingPosterior"/>)
/// and, with <see cref="TwinOptions.OnlinePosterior"/>, one step of the parameter posterior; then the predictions of
/// every channel now and at the batch's planned end (also at a batch's start, from its initial values).</item>
/// <item>When a batch completes (its end is announced, or the next batch is): a <see cref="RefitRequest"/> — the
/// refit of every completed batch, seed 001 eq. 5, warm-started — which the pipeline runs inline or in the background
/// and hands back to <see cref="ApplyRefit"/>: the estimate is replaced, the parameters published with intervals, the
/// design policy proposes the next batch, and the state is checkpointed.</item>
/// </list>
/// </summary>
public sealed class DigitalTwin
{
    private readonly TwinOptions _o;
    private readonly StreamingPosterior _posterior;
    private readonly ParameterSpace _space;
    private readonly LnaState _prediction;
    private readonly LnaState _predictive;
    private readonly PredictiveMixture _mixture;
    private readonly List<PredictiveMixture> _gridMixtures = [];
    private readonly ObservablePredictor _observables;
    private readonly double[] _observableMeans, _observableVariances, _predictiveMeans, _predictiveVariances;
    private double[] _componentMeans = [], _componentSds = [];
    private readonly double[] _priorScales;
    private readonly MeasurementNoise _noise;
    private readonly ProposalMaker _proposals;
    private readonly Dictionary<string, (DateTimeOffset Start, double Hours)> _batches = new(StringComparer.Ordinal);
    private double _lastPredictionHours = double.NegativeInfinity;
    private string? _lastPredictionBatch;

    /// <summary>Creates the twin at its initial estimate.</summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public DigitalTwin(TwinOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _o = options;
        var model = options.Model;
        _noise = MeasurementNoise.ForModel(model);
        foreach (var c in options.Channels)
        {
            int i = model.IndexOfChannel(c.Component);
            if (i < 0)
            {
                continue; // an input channel: its readings set the input, they are not measurements
            }

            _noise.SetAbsolute(i, c.NoiseSd);
            if (c.NoiseRelative > 0)
            {
                _noise.SetRelative(i, c.NoiseRelative);
            }
        }

        _space = new ParameterSpace(model, options.InitialParameters ?? model.NominalParameters());
        _posterior = new StreamingPosterior(
            _space,
            d => new KalmanLnaDataLikelihood(new KalmanLnaLikelihood(model, _space.Indices), d, _noise),
            _noise,
            new StreamingOptions
            {
                MaxIterationsPerRefit = options.RefitMaxIterations,
                GradientTolerance = 1e-6,
                RefitTimeBudget = options.RefitTimeBudget,
                Priors = ModelPriors.For(_space, options.Priors),
                ParameterUncertainty = true,
                OnlinePosterior = options.OnlinePosterior,
            });
        _priorScales = ModelPriors.ScalesInU(_space, options.Priors);
        _prediction = _posterior.CreateState();
        _predictive = _posterior.CreateState();
        _mixture = new PredictiveMixture(2 * _space.Dimension, model.StateDimension);
        _observables = new ObservablePredictor(model);
        (_observableMeans, _observableVariances) = (new double[model.Observables.Count], new double[model.Observables.Count]);
        (_predictiveMeans, _predictiveVariances) = (new double[model.Observables.Count], new double[model.Observables.Count]);
        _proposals = new ProposalMaker(options, _space);
    }

    /// <summary>The settings.</summary>
    public TwinOptions Options => _o;

    /// <summary>The current estimate θ̂ (natural scale, all parameters; a copy).</summary>
    public double[] Estimate => _posterior.Parameters.ToArray();

    /// <summary>The batch being filtered, or null between batches.</summary>
    public string? RunningBatch { get; private set; }

    /// <summary>Whether the batch has been announced.</summary>
    public bool Knows(string batch) => _batches.ContainsKey(batch);

    /// <summary>Start and planned duration of every batch announced so far.</summary>
    public IEnumerable<CheckpointBatch> Batches => _batches.Select(b => new CheckpointBatch(b.Key, b.Value.Start, b.Value.Hours));

    /// <summary>
    /// A batch starts: the running batch (if any) completes first (its <see cref="RefitRequest"/> is the first
    /// output), then the new batch is filtered from its announced initial values. An announcement seen again (retained,
    /// after a reconnect or restart) changes nothing.
    /// </summary>
    public void BeginBatch(BatchAnnouncement announcement, DateTimeOffset start, ICollection<TwinOutput> outputs)
    {
        ArgumentNullException.ThrowIfNull(announcement);
        ArgumentNullException.ThrowIfNull(outputs);
        if (_batches.ContainsKey(announcement.Batch))
        {
            return;
        }

        CompleteRunningBatch(outputs);
        _batches[announcement.Batch] = (start, announcement.Hours);
        RunningBatch = announcement.Batch;
        foreach (var (name, value) in announcement.Initial)
        {
            if (_o.Model.IndexOfState(name) >= 0)
            {
                _posterior.AddMeasurement(announcement.Batch, 0.0, name, value);
            }
        }

        // Setpoints of the model's inputs (a feed rate, a temperature) hold from the batch's start.
        foreach (var (name, value) in announcement.Setpoints)
        {
            if (_o.Model.IndexOfInput(name) >= 0)
            {
                _posterior.SetInput(announcement.Batch, 0.0, name, value);
            }
        }

        // The forecast from the initial values, before any reading (the prior predictive in batch 1).
        if (_o.OnlinePosterior)
        {
            Predict(announcement.Batch, 0.0, outputs);
        }
    }

    /// <summary>A batch's end was announced: it completes if it is the running one.</summary>
    public void EndBatch(string batch, ICollection<TwinOutput> outputs)
    {
        if (RunningBatch == batch)
        {
            CompleteRunningBatch(outputs);
        }
    }

    /// <summary>Completes the running batch (if any): its data join the completed ones and a
    /// <see cref="RefitRequest"/> is output.</summary>
    public void CompleteRunningBatch(ICollection<TwinOutput> outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        if (RunningBatch is not { } batch)
        {
            return;
        }

        RunningBatch = null;
        var amortized = _amortizedTheta;
        _amortizedTheta = null;
        if (_posterior.CloseBatch() is { } refit)
        {
            // The network's estimate of the batch that just ended may start the refit closer to its optimum.
            var warm = amortized is null ? Estimate : refit.BetterStart(Estimate, amortized);
            outputs.Add(new RefitRequest(batch, refit, warm, [.. Batches]));
        }
    }

    /// <summary>
    /// Absorbs an accepted measurement of the running batch (a late reading of a completed batch changes nothing) and
    /// outputs the predictions of every channel, now and at the batch's end, unless <paramref name="predict"/> is false
    /// or the throttle (<see cref="TwinOptions.MinPredictionIntervalHours"/>) holds them back.
    /// </summary>
    public void Absorb(Measurement m, bool predict, ICollection<TwinOutput> outputs)
    {
        ArgumentNullException.ThrowIfNull(m);
        ArgumentNullException.ThrowIfNull(outputs);
        if (m.Batch != RunningBatch)
        {
            return;
        }

        int fallbacks = _posterior.OnlineFallbacks;
        try
        {
            if (_o.Model.IndexOfInput(m.Component) >= 0)
            {
                _posterior.SetInput(m.Batch, m.TimeHours, m.Component, m.Value); // a setpoint as applied (pump rate, temperature)
            }
            else
            {
                _posterior.AddMeasurement(m.Batch, m.TimeHours, m.Component, m.Value);
            }
        }
        catch (ArgumentException ex)
        {
            outputs.Add(new TwinError(Topics.Sensor(_o.ReactorId, m.Batch, m.Component), ex.Message));
            return;
        }
        catch (LnaException ex)
        {
            // The reading is journaled and stays in the batch's data for its refit; only the live filter missed it.
            outputs.Add(new TwinError(Topics.Sensor(_o.ReactorId, m.Batch, m.Component), string.Create(CultureInfo.InvariantCulture, $"the live filter could not absorb {m.Component} at {m.TimeHours:G4} h (kept for the batch's refit): {ex.Message}")));
            return;
        }

        if (_posterior.OnlineFallbacks != fallbacks)
        {
            outputs.Add(new TwinError(Topics.Sensor(_o.ReactorId, m.Batch, m.Component), string.Create(CultureInfo.InvariantCulture, $"the model could not be solved under the online estimate at {m.TimeHours:G4} h: the online posterior returned to the last refit's (or the prior's) and this batch's earlier readings wait for the batch's refit")));
        }

        outputs.Add(new MeasurementAbsorbed(m.Batch, m.TimeHours, m.Component, m.Value));
        EstimateAmortized(m.Batch, outputs);
        if (predict && (_o.MinPredictionIntervalHours <= 0 || m.TimeHours - _lastPredictionHours >= _o.MinPredictionIntervalHours || m.Batch != _lastPredictionBatch))
        {
            _lastPredictionHours = m.TimeHours;
            _lastPredictionBatch = m.Batch;
            Predict(m.Batch, m.TimeHours, outputs);
        }
    }

    /// <summary>The predictions of every channel at <paramref name="now"/> and at the batch's planned end, and the
    /// forecast on the grid between (<see cref="TwinOptions.ForecastStepHours"/>). A prediction with a non-finite mean
    /// or a negative variance is never output (an error is); a forecast is output only when every point is.</summary>
    private void Predict(string batch, double now, ICollection<TwinOutput> outputs)
    {
        var (start, hours) = _batches[batch];
        var horizons = ForecastGrid.Horizons(now, hours, _o.ForecastStepHours);
        var forecast = _o.ForecastStepHours > 0 && hours > now ? new Dictionary<string, ForecastSeries>(StringComparer.Ordinal) : null;
        string band = PredictionBands.StateNoiseOnly;
        while (_gridMixtures.Count < horizons.Count)
        {
            _gridMixtures.Add(new PredictiveMixture(2 * _space.Dimension, _o.Model.StateDimension));
        }

        // The whole grid in one pass; if the LNA fails somewhere on it, horizon by horizon, so that the predictions
        // before the failure are still published.
        IReadOnlyList<LnaState>? gridStates = null, gridPredictive = null;
        bool gridWithParameters = false;
        try
        {
            gridWithParameters = _posterior.PredictGrid(horizons, out gridStates, out gridPredictive, _gridMixtures);
        }
        catch (LnaException)
        {
            gridStates = null;
        }

        for (int hi = 0; hi < horizons.Count; hi++)
        {
            double horizon = horizons[hi];
            bool isNow = horizon == now, atEnd = horizon == hours && hours > now;
            bool withParameters;
            LnaState prediction = _prediction, predictive = _predictive;
            PredictiveMixture componentMixture = _mixture;
            if (gridStates is not null)
            {
                (prediction, predictive, componentMixture, withParameters) = (gridStates[hi], gridPredictive![hi], _gridMixtures[hi], gridWithParameters);
            }
            else
            {
                try
                {
                    _posterior.Predict(horizon, _prediction);
                    withParameters = _posterior.PredictWithParameterUncertainty(horizon, _predictive, _mixture);
                }
                catch (LnaException ex)
                {
                    outputs.Add(new TwinError(Topics.Prediction(_o.ReactorId, batch, "*", atEnd), string.Create(CultureInfo.InvariantCulture, $"prediction at {horizon:G4} h failed: {ex.Message}")));
                    return;
                }
            }

            int n = _o.Model.StateDimension;
            if (_observables.Count > 0)
            {
                _observables.Predict(_posterior.Parameters, horizon, null, prediction, _observableMeans, _observableVariances);
                if (withParameters)
                {
                    _observables.Predict(_posterior.Parameters, horizon, null, predictive, _predictiveMeans, _predictiveVariances);
                }
            }

            foreach (var c in _o.Channels)
            {
                int i = _o.Model.IndexOfChannel(c.Component);
                if (i < 0)
                {
                    continue; // an input: set, not predicted
                }

                bool state = i < n;
                double mean = state ? prediction.Mean[i] : _observableMeans[i - n];
                double variance = RoundedVariance(state ? prediction.Covariance[(i * n) + i] : _observableVariances[i - n]);
                double pmean = !withParameters ? mean : state ? predictive.Mean[i] : _predictiveMeans[i - n];
                double pvariance = !withParameters ? variance : RoundedVariance(state ? predictive.Covariance[(i * n) + i] : _predictiveVariances[i - n]);
                if (!Finite(mean, variance) || !Finite(pmean, pvariance))
                {
                    outputs.Add(new TwinError(Topics.Prediction(_o.ReactorId, batch, c.Component, atEnd), string.Create(CultureInfo.InvariantCulture, $"prediction at {horizon:G4} h is not finite or has a negative variance (state {mean:G4} ± var {variance:G4}, with parameters {pmean:G4} ± var {pvariance:G4}); not published")));
                    forecast = null;
                    continue;
                }

                (double[], double[])? mixture = null;
                if (withParameters && componentMixture.Points > 0 && state) // an observable's band: the moments, linearised at the predictive mean
                {
                    if (_componentMeans.Length != componentMixture.Points)
                    {
                        (_componentMeans, _componentSds) = (new double[componentMixture.Points], new double[componentMixture.Points]);
                    }

                    componentMixture.Component(i, _componentMeans, _componentSds); // read at once by Payload, reused per channel
                    mixture = _componentMeans.All(double.IsFinite) && _componentSds.All(double.IsFinite) ? (_componentMeans, _componentSds) : null;
                }

                var payload = PredictionBands.Payload(_o.Model, i, start + TimeSpan.FromHours(horizon), horizon, mean, variance, withParameters ? (pmean, pvariance) : null, ReadingVariance(i, Math.Max(pmean, 0)), mixture);
                band = payload.Band;
                if (isNow || atEnd)
                {
                    outputs.Add(new PredictionOutput(batch, c.Component, atEnd, payload));
                }

                if (forecast is not null)
                {
                    if (!forecast.TryGetValue(c.Component, out var series))
                    {
                        forecast[c.Component] = series = new ForecastSeries(payload.Unit, []);
                    }

                    series.Points.Add(new ForecastPoint(horizon, payload.Mean, payload.Lo95, payload.Hi95, payload.StateNoise, payload.Measurement));
                }
            }
        }

        if (forecast is not null)
        {
            outputs.Add(new ForecastOutput(batch, new ForecastPayload(batch, now, hours, band, forecast)));
        }
    }

    /// <summary>The variance of a reading's error at <paramref name="value"/> on the reading's own scale: for a
    /// log-normal observable (y = μ e^ε, ε ~ N(0, σ²)) μ² e^{σ²} (e^{σ²} − 1).</summary>
    private double ReadingVariance(int channel, double value)
    {
        double variance = _noise.Variance(channel, value);
        return _noise.IsLogNormal(channel) ? value * value * Math.Exp(variance) * double.ExpM1(variance) : variance;
    }

    /// <summary>With a network: its posterior of the running batch's parameters from the batch's readings so far, as
    /// an output and as the candidate warm start of the batch's refit.</summary>
    private void EstimateAmortized(string batch, ICollection<TwinOutput> outputs)
    {
        if (_o.Amortized is not { } network || Core.Amortized.AmortizedEstimate.From(network, _o.Model, _posterior.RunningBatchRows) is not { } e)
        {
            return;
        }

        if (e.Median.Any(v => !double.IsFinite(v) || v <= 0) || e.Lower.Concat(e.Upper).Any(v => !double.IsFinite(v)))
        {
            outputs.Add(new TwinError(Topics.AmortizedParameters(_o.ReactorId), "the amortized network gave a non-finite estimate; not published"));
            return;
        }

        var theta = Estimate;
        e.WriteInto(_o.Model, theta);
        _amortizedTheta = theta;
        var parameters = new Dictionary<string, ParameterEstimate>(StringComparer.Ordinal);
        for (int j = 0; j < e.Names.Count; j++)
        {
            parameters[e.Names[j]] = new ParameterEstimate(e.Median[j], e.Lower[j], e.Upper[j], true, string.Create(CultureInfo.InvariantCulture, $"amortized network, {e.Readings} readings"));
        }

        outputs.Add(new AmortizedParametersOutput(new ParameterEstimatesPayload(batch, _posterior.CompletedBatches, "amortized", "amortized network (seed 002)", parameters)));
    }

    private double[]? _amortizedTheta;

    private static bool Finite(double mean, double variance) => double.IsFinite(mean) && variance >= 0 && double.IsFinite(variance);

    /// <summary>The LNA integrates Ψ to an absolute tolerance of 1e−9: a variance that far or less below 0 (an exhausted
    /// substrate, Ψ ≈ 0) is 0; anything more negative stays and is refused by <see cref="Finite"/>.</summary>
    private static double RoundedVariance(double variance) => variance is < 0 and > -1e-9 ? 0.0 : variance;

    /// <summary>
    /// Takes a refit's outcome: the estimate is replaced (the running batch is filtered again under it), the parameters
    /// are output with 95 % intervals, the design policy proposes the next batch (applied at once when
    /// <see cref="TwinOptions.AutoApply"/>), and the state as of the refit's batch is output for the checkpoint.
    /// </summary>
    public void ApplyRefit(RefitRequest request, StreamingRefitOutcome outcome, ICollection<TwinOutput> outputs)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(outputs);
        _posterior.ApplyRefit(outcome);
        var theta = Estimate;
        outputs.Add(new ParametersOutput(ParameterReport.Build(_space, request, outcome, theta, _posterior.Estimate, _priorScales)));
        _proposals.Propose(theta, outputs);
        var snap = _posterior.SnapshotAsOf(request.Refit);
        var starts = request.Batches.ToDictionary(b => b.Batch, b => b.Start, StringComparer.Ordinal);
        outputs.Add(new CheckpointOutput(request, new TwinCheckpoint(
            snap.Estimate,
            [.. snap.Completed.Select(r => new CheckpointRow(r.Batch, r.Name, starts[r.Batch] + TimeSpan.FromHours(r.TimeHours), r.TimeHours, r.Value))],
            snap.CompletedBatches,
            [.. request.Batches],
            _proposals.Count,
            _proposals.PolicyState,
            _proposals.Pending,
            outcome.Covariance?.ToRowMajorArray())));
    }

    /// <summary>A person accepts the waiting proposal (when auto-apply is off): its setpoints are output, or an error
    /// says why not.</summary>
    /// <param name="id">The id the command named, or null if it named none.</param>
    /// <param name="topic">The command's topic.</param>
    /// <param name="payload">The command's payload (excerpt), for errors.</param>
    /// <param name="outputs">Receives the outputs.</param>
    public void Accept(int? id, string topic, string payload, ICollection<TwinOutput> outputs) => _proposals.Accept(id, topic, payload, outputs);

    /// <summary>Restores a checkpoint into a twin built with the same options (no refit, no outputs).</summary>
    public void Restore(TwinCheckpoint state)
    {
        ArgumentNullException.ThrowIfNull(state);
        _posterior.Restore(new StreamingSnapshot(state.Estimate, [.. state.Completed.Select(r => new DataRow(r.Batch, r.TimeHours, r.Component, r.Value))], state.CompletedBatches, state.Covariance));
        _batches.Clear();
        foreach (var b in state.Batches)
        {
            _batches[b.Batch] = (b.Start, b.Hours);
        }

        RunningBatch = null;
        _proposals.Restore(state.Proposals, state.PolicyState, state.Pending);
    }
}
