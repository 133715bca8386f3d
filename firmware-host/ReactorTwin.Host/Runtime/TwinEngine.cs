using System.Globalization;
using System.Reactive.Subjects;
using System.Text;
using System.Text.Json;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Core.Design;
using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Models;
using ReactorTwin.Simulator.Plant;

namespace ReactorTwin.Host.Runtime;

/// <summary>Settings of one reactor's twin.</summary>
public sealed record TwinOptions
{
    /// <summary>Reactor id (topic level).</summary>
    public required string ReactorId { get; init; }

    /// <summary>The twin's model.</summary>
    public required ReactionNetwork Model { get; init; }

    /// <summary>Accepted sensor channels.</summary>
    public required IReadOnlyList<TwinChannel> Channels { get; init; }

    /// <summary>The twin's initial parameter guess (full vector); null for the model's nominal values.</summary>
    public double[]? InitialParameters { get; init; }

    /// <summary>The design space of the next batch's setpoints; null disables proposals.</summary>
    public DesignSpace? Design { get; init; }

    /// <summary>Design policy: d-optimal (default) or random.</summary>
    public string Policy { get; init; } = "d-optimal";

    /// <summary>Apply proposals automatically (publish them on the set topic) instead of waiting for a person.</summary>
    public bool AutoApply { get; init; } = true;

    /// <summary>Safety bounds applied setpoints are clamped to (component → [min, max]); proposals outside are clamped
    /// and the clamp is reported.</summary>
    public IReadOnlyDictionary<string, (double Min, double Max)> SafetyBounds { get; init; } = new Dictionary<string, (double, double)>();

    /// <summary>Seed of the policy's randomness.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Least culture time (h) between two published predictions of the same batch; 0 publishes after every
    /// measurement. Each prediction costs an LNA solve to the end of the batch, so a high-rate sensor (e.g. one reading
    /// per second) needs a throttle; the filter itself absorbs every measurement regardless.</summary>
    public double MinPredictionIntervalHours { get; init; }

    /// <summary>Run the batch-end refit in the background (true: readings of the next batch are journaled and filtered
    /// under the previous estimate while it runs, and its result, parameters and proposal are published when it ends),
    /// or inline in the handling of the batch's end (false, default: deterministic in virtual time, for the demo and
    /// tests).</summary>
    public bool BackgroundRefit { get; init; }

    /// <summary>Time allowed for one batch-end refit (on the engine's clock), &gt; 0; default 60 s. A refit that runs out
    /// publishes the best point it reached, marked partial; the next batch's refit continues from there.</summary>
    public TimeSpan RefitTimeBudget { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Quasi-Newton iterations allowed per refit (one warm-started start), ≥ 1; default 500.</summary>
    public int RefitMaxIterations { get; init; } = 500;
}

/// <summary>Something the twin did, for progress views, reports and tests.</summary>
/// <param name="Kind">measurement, rejection, prediction, prediction-end, refit-started, refit (one per parameter),
/// refit-cancelled (by <see cref="TwinEngine.Dispose"/>), proposal, proposal-accepted.</param>
/// <param name="Batch">Batch id.</param>
/// <param name="TimeHours">Culture time (h) the event refers to.</param>
/// <param name="Component">Component or parameter name ("" when none).</param>
/// <param name="Value">Measured value, predicted mean, estimate or proposed setpoint.</param>
/// <param name="Lower">Lower 95 % bound (or NaN).</param>
/// <param name="Upper">Upper 95 % bound (or NaN).</param>
/// <param name="Detail">Free text (rejection reason, …).</param>
public sealed record TwinEvent(string Kind, string Batch, double TimeHours, string Component, double Value, double Lower, double Upper, string Detail);

/// <summary>
/// One reactor's digital twin as a reactive pipeline over an <see cref="IMessageBus"/>:
/// sensor messages → <see cref="ReadingValidator"/> (rejections published with reasons on
/// <c>reactortwin/&lt;reactor&gt;/&lt;batch&gt;/errors</c>) → <see cref="MeasurementJournal"/> (appended before
/// processing) → Kalman–LNA filter update of the running batch (<see cref="StreamingPosterior"/>) → retained predictions
/// <c>reactortwin/&lt;reactor&gt;/&lt;batch&gt;/twin/&lt;component&gt;</c> with mean, sd and 95 % band now and at batch end.
/// When a new batch is announced the previous one completes: the parameters are refitted, published with intervals on
/// <c>reactortwin/&lt;reactor&gt;/twin/parameters</c>, and the design policy's proposal for the next batch goes to
/// <c>reactortwin/&lt;reactor&gt;/proposal</c> and, when auto-apply is on, clamped to the safety bounds, to
/// <c>reactortwin/&lt;reactor&gt;/control/batch/set</c>. A batch completes when its announcement is re-published with an
/// end time (or when the next batch is announced); the refit runs under a time budget, inline or (with
/// <see cref="TwinOptions.BackgroundRefit"/>) beside the next batch's readings. Predictions with a non-finite mean or a
/// negative variance are never published (an error is). Message handling and applying a refit are serialised by a lock.
/// </summary>
public sealed class TwinEngine : IDisposable
{
    private readonly TwinOptions _o;
    private readonly IMessageBus _bus;
    private readonly MeasurementJournal? _journal;
    private readonly ReadingValidator _validator;
    private readonly StreamingPosterior _posterior;
    private readonly ParameterSpace _space;
    private readonly IDesignPolicy? _policy;
    private bool _disposed;
    private readonly LnaState _prediction;
    private readonly Subject<TwinEvent> _events = new();
    private readonly List<IDisposable> _subscriptions = [];
    private readonly object _gate = new();
    private readonly Dictionary<string, (DateTimeOffset Start, double Hours)> _batchInfo = new(StringComparer.Ordinal);
    private string? _running;
    private int _proposals;
    private PendingProposal? _pending;
    private long _lastSeq;
    private bool _replaying;
    private double _lastPredictionHours = double.NegativeInfinity;
    private string? _lastPredictionBatch;
    private readonly System.Reactive.Concurrency.IScheduler? _processing;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopRefits = new();
    private readonly object _refitGate = new();
    private Task _refitChain = Task.CompletedTask;
    private double[]? _refitWarmStart;

    /// <summary>Creates the engine (call <see cref="Start"/> to subscribe).</summary>
    /// <param name="options">The twin's settings.</param>
    /// <param name="bus">Transport.</param>
    /// <param name="journal">Durable journal, or null (demo without durability).</param>
    /// <param name="processing">Scheduler that runs message handling (e.g. an event loop, so that a refit never blocks
    /// the transport's receive loop); null handles messages on the delivering thread.</param>
    /// <param name="time">Clock of the refit's time budget; null for the system clock.</param>
    public TwinEngine(TwinOptions options, IMessageBus bus, MeasurementJournal? journal = null, System.Reactive.Concurrency.IScheduler? processing = null, TimeProvider? time = null)
    {
        _processing = processing;
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.RefitTimeBudget, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.RefitMaxIterations, 1);
        _time = time ?? TimeProvider.System;
        _o = options;
        _bus = bus;
        _journal = journal;
        var model = options.Model;
        _validator = new ReadingValidator(model, options.ReactorId, options.Channels);
        var noise = new MeasurementNoise(model.StateDimension);
        foreach (var c in options.Channels)
        {
            int i = model.IndexOfState(c.Component);
            noise.SetAbsolute(i, c.NoiseSd);
            if (c.NoiseRelative > 0)
            {
                noise.SetRelative(i, c.NoiseRelative);
            }
        }

        _space = new ParameterSpace(model, options.InitialParameters ?? model.NominalParameters());
        _posterior = new StreamingPosterior(_space, d => new KalmanLnaDataLikelihood(new KalmanLnaLikelihood(model, _space.Indices), d, noise), noise, new StreamingOptions { MaxIterationsPerRefit = options.RefitMaxIterations, GradientTolerance = 1e-6, RefitTimeBudget = options.RefitTimeBudget });
        _prediction = _posterior.CreateState();
        if (options.Design is { } design)
        {
            _policy = options.Policy switch
            {
                "d-optimal" => new FisherInformationDesignPolicy(design, _space.Indices, [12, 24, 36, 48, 60, 72]),
                "random" => new RandomDesignPolicy(),
                _ => throw new ArgumentException($"runtime policy '{options.Policy}' is not supported (d-optimal, random)", nameof(options)),
            };
        }
    }

    /// <summary>Everything the twin does, as it happens.</summary>
    public IObservable<TwinEvent> Events => _events;

    /// <summary>The current estimate θ̂ (natural scale, all parameters).</summary>
    public double[] Estimate => _posterior.Parameters.ToArray();

    /// <summary>Measurements accepted so far.</summary>
    public long Accepted { get; private set; }

    /// <summary>Messages rejected so far.</summary>
    public long Rejected { get; private set; }

    /// <summary>
    /// Restores the latest checkpoint from the journal and replays the entries after it (no messages are published
    /// while replaying), then subscribes to the reactor's batch announcements and sensor topics.
    /// </summary>
    public void Start()
    {
        Handle(Restore);
        string batches = $"reactortwin/{_o.ReactorId}/+/batch";
        _subscriptions.Add(Inbox(batches, $"reactortwin/{_o.ReactorId}/+/sensors/+", AcceptTopic).Subscribe(m =>
            HandleThenAcknowledge(m, m.Topic == AcceptTopic ? OnAccept : MqttTopic.Matches(batches, m.Topic) ? OnBatch : OnSensor)));
    }

    /// <summary>The command topic that applies a waiting proposal (when <see cref="TwinOptions.AutoApply"/> is off):
    /// payload <c>{"id": N}</c> with the proposal's id.</summary>
    private string AcceptTopic => $"reactortwin/{_o.ReactorId}/proposal/accept/set";

    private void OnAccept(MqttMessage message)
    {
        int? id = null;
        try
        {
            using var doc = JsonDocument.Parse(message.Payload);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("id", out var v) && v.TryGetInt32(out int n))
            {
                id = n;
            }
        }
        catch (JsonException)
        {
        }

        string payload = Encoding.UTF8.GetString(message.Payload.Span);
        if (id is null)
        {
            PublishError(message.Topic, "accept: expected {\"id\": N} with the id of the waiting proposal", payload);
            return;
        }

        if (_pending is not { } pending)
        {
            PublishError(message.Topic, $"accept: no proposal is waiting (proposal {id} was applied already, or none was made)", payload);
            return;
        }

        if (pending.Id != id)
        {
            PublishError(message.Topic, $"accept: proposal {id} is not the one waiting ({pending.Id})", payload);
            return;
        }

        _pending = null;
        Publish($"reactortwin/{_o.ReactorId}/control/batch/set", pending.Setpoints, retain: false);
        Publish($"reactortwin/{_o.ReactorId}/proposal", pending.Proposal.Replace("\"applied\":false", "\"applied\":true", StringComparison.Ordinal), retain: true);
        _events.OnNext(new TwinEvent("proposal-accepted", "", double.NaN, "", pending.Id, double.NaN, double.NaN, pending.Setpoints));
    }

    /// <summary>
    /// The reactor's messages on <paramref name="filters"/> (batch announcements, sensor readings, commands), merged in
    /// arrival order into one queue on the processing scheduler (two queues would let a batch's end announcement
    /// overtake readings that arrived before it). Each message's MQTT acknowledgement is deferred on arrival (on the receive
    /// thread) and sent only after the message has been journaled or rejected (<see cref="HandleThenAcknowledge"/>): a
    /// crash in between leaves it with the broker, which redelivers it, so no accepted measurement depends on the time
    /// it waited in the event loop.
    /// </summary>
    private IObservable<MqttMessage> Inbox(params string[] filters)
    {
        var merged = System.Reactive.Linq.Observable.Merge(filters.Select(_bus.Subscribe));
        var source = System.Reactive.Linq.Observable.Do(merged, m => m.DeferAcknowledgement());
        return _processing is null ? source : System.Reactive.Linq.Observable.ObserveOn(source, _processing);
    }

    /// <summary>Handles a message, then acknowledges it to the broker. If handling throws (e.g. the journal's disk
    /// failed) the message stays unacknowledged and the broker redelivers it after the next reconnect.</summary>
    private void HandleThenAcknowledge(MqttMessage message, Action<MqttMessage> handler)
    {
        if (Handle(() => handler(message)))
        {
            message.Acknowledge();
        }
    }

    /// <summary>Journal entries replayed by the last <see cref="Start"/>.</summary>
    public int Replayed { get; private set; }

    private void Restore()
    {
        if (_journal is null)
        {
            return;
        }

        long after = 0;
        if (_journal.LatestCheckpoint(_o.ReactorId) is { } cp)
        {
            var state = JsonSerializer.Deserialize(cp.State, RuntimeJson.Default.TwinCheckpoint)!;
            _posterior.Restore(new StreamingSnapshot(state.Estimate, [.. state.Completed.Select(r => new DataRow(r.Batch, r.TimeHours, r.Component, r.Value))], state.CompletedBatches));
            foreach (var b in state.Batches)
            {
                _batchInfo[b.Batch] = (b.Start, b.Hours);
                _validator.BeginBatch(b.Batch, b.Start, b.Hours);
            }

            foreach (var r in state.Completed)
            {
                _validator.Remember(new Measurement(r.Batch, r.Component, r.Timestamp, r.TimeHours, r.Value));
            }

            _proposals = state.Proposals;
            _pending = state.Pending;
            if (state.PolicyState is { } policyState && _policy is IDesignPolicyState restorable)
            {
                restorable.RestoreState(policyState);
            }

            after = cp.Seq;
            _lastSeq = cp.Seq;
        }

        _replaying = true;
        try
        {
            foreach (var e in _journal.ReadAfter(_o.ReactorId, after))
            {
                Replayed++;
                if (e.Announcement is { } json)
                {
                    var a = JsonSerializer.Deserialize(json, RuntimeJson.Default.BatchAnnouncement)!;
                    ApplyBatch(a, DateTimeOffset.Parse(a.Start, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal));
                }
                else
                {
                    _validator.Remember(e.Measurement!);
                    Accepted++;
                    ApplyMeasurement(e.Measurement!);
                }

                _lastSeq = e.Seq;
            }
        }
        finally
        {
            _replaying = false;
        }
    }

    /// <summary>Completes the running batch (refit and proposal) without waiting for the next announcement, and waits
    /// until every refit has been applied (background refits included).</summary>
    public void CompleteRunningBatch()
    {
        Handle(CompleteRunning);
        WaitForRefits(Timeout.InfiniteTimeSpan);
    }

    /// <summary>Waits until the refits started so far have been applied (or dropped by <see cref="Dispose"/>).</summary>
    /// <param name="timeout">Longest wait; <see cref="Timeout.InfiniteTimeSpan"/> for none.</param>
    /// <returns>False if the wait timed out.</returns>
    public bool WaitForRefits(TimeSpan timeout)
    {
        Task chain;
        lock (_refitGate)
        {
            chain = _refitChain;
        }

        return chain.Wait(timeout);
    }

    /// <summary>Runs <paramref name="action"/> under the engine's lock unless the engine has been disposed.</summary>
    /// <returns>Whether it ran (a message not handled is not acknowledged, so the broker redelivers it).</returns>
    private bool Handle(Action action)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return false;
            }

            action();
            return true;
        }
    }

    private void OnBatch(MqttMessage message)
    {
        BatchAnnouncement? a;
        try
        {
            a = JsonSerializer.Deserialize(message.Payload.Span, RuntimeJson.Default.BatchAnnouncement);
        }
        catch (JsonException ex)
        {
            PublishError(message.Topic, $"batch announcement: malformed JSON ({ex.Message.Split('.')[0]})");
            return;
        }

        if (a is null || !DateTimeOffset.TryParse(a.Start, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var start) || !(a.Hours > 0))
        {
            PublishError(message.Topic, "batch announcement: needs batch, start (ISO 8601) and hours > 0");
            return;
        }

        if (a.End is not null)
        {
            // The batch has ended: complete it now so that the proposal reaches the reactor before the next batch.
            if (_running == a.Batch)
            {
                long endSeq = _journal?.AppendAnnouncement(_o.ReactorId, a.Batch, DateTimeOffset.Parse(a.End, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal), JsonSerializer.Serialize(a, RuntimeJson.Default.BatchAnnouncement)) ?? -1;
                _lastSeq = Math.Max(_lastSeq, endSeq);
                CompleteRunning();
            }

            return;
        }

        if (_batchInfo.ContainsKey(a.Batch))
        {
            return; // a retained announcement seen again (e.g. after a reconnect or a restart)
        }

        long seq = _journal?.AppendAnnouncement(_o.ReactorId, a.Batch, start, JsonSerializer.Serialize(a, RuntimeJson.Default.BatchAnnouncement)) ?? -1;

        // Completing the previous batch checkpoints up to the entry before this announcement, which is replayed on a restart.
        ApplyBatch(a, start);
        _lastSeq = Math.Max(_lastSeq, seq);
    }

    private void ApplyBatch(BatchAnnouncement a, DateTimeOffset start)
    {
        if (a.End is not null)
        {
            if (_running == a.Batch)
            {
                CompleteRunning();
            }

            return;
        }

        if (_batchInfo.ContainsKey(a.Batch))
        {
            return;
        }

        if (_running is not null)
        {
            CompleteRunning();
        }

        _batchInfo[a.Batch] = (start, a.Hours);
        _validator.BeginBatch(a.Batch, start, a.Hours);
        _running = a.Batch;
        foreach (var (name, value) in a.Initial)
        {
            if (_o.Model.IndexOfState(name) >= 0)
            {
                _posterior.AddMeasurement(a.Batch, 0.0, name, value);
            }
        }
    }

    private void OnSensor(MqttMessage message)
    {
        if (!_validator.TryAccept(message, out var m, out var rejection))
        {
            Rejected++;
            PublishError(rejection!.Topic, rejection.Reason, rejection.Payload);
            _events.OnNext(new TwinEvent("rejection", "", double.NaN, "", double.NaN, double.NaN, double.NaN, rejection.Reason));
            return;
        }

        if (_journal is not null)
        {
            long seq = _journal.Append(_o.ReactorId, m!);
            _lastSeq = Math.Max(_lastSeq, seq);
        }

        Accepted++;
        ApplyMeasurement(m!, message.Topic);
    }

    private void ApplyMeasurement(Measurement m, string? topic = null)
    {
        if (m.Batch != _running)
        {
            return; // a late reading of a batch that has completed: journaled, not filtered
        }

        try
        {
            _posterior.AddMeasurement(m.Batch, m.TimeHours, m.Component, m.Value);
        }
        catch (ArgumentException ex)
        {
            PublishError(topic ?? $"reactortwin/{_o.ReactorId}/{m.Batch}/sensors/{m.Component}", ex.Message);
            return;
        }

        if (_replaying)
        {
            return;
        }

        _events.OnNext(new TwinEvent("measurement", m.Batch, m.TimeHours, m.Component, m.Value, double.NaN, double.NaN, ""));
        if (_o.MinPredictionIntervalHours <= 0 || m.TimeHours - _lastPredictionHours >= _o.MinPredictionIntervalHours || m.Batch != _lastPredictionBatch)
        {
            _lastPredictionHours = m.TimeHours;
            _lastPredictionBatch = m.Batch;
            PublishPredictions(m.Batch, m.TimeHours);
        }
    }

    private void PublishPredictions(string batch, double now)
    {
        var (start, hours) = _batchInfo[batch];
        foreach (var horizon in new[] { now, hours })
        {
            if (horizon < now)
            {
                continue;
            }

            try
            {
                _posterior.Predict(horizon, _prediction);
            }
            catch (LnaException ex)
            {
                PublishError($"reactortwin/{_o.ReactorId}/{batch}/twin", $"prediction at {horizon:G4} h failed: {ex.Message}");
                return;
            }

            int n = _o.Model.StateDimension;
            foreach (var c in _o.Channels)
            {
                int i = _o.Model.IndexOfState(c.Component);
                double mean = _prediction.Mean[i], variance = _prediction.Covariance[(i * n) + i];
                if (!double.IsFinite(mean) || !(variance >= 0) || !double.IsFinite(variance))
                {
                    PublishError($"reactortwin/{_o.ReactorId}/{batch}/twin/{c.Component}", $"prediction at {horizon:G4} h is not finite or has a negative variance; not published");
                    continue;
                }

                // Concentrations and cell densities are non-negative: publish the Gaussian truncated at 0.
                var (m, sd, lo, hi) = NonNegativeBand.Summarise(mean, Math.Sqrt(variance));
                string unit = i < _o.Model.SpeciesCount ? _o.Model.Species[i].Unit : _o.Model.CellPhases[i - _o.Model.SpeciesCount].Unit;
                string suffix = horizon == now ? "" : "/end";
                string payload = string.Create(CultureInfo.InvariantCulture, $"{{\"value\":{m:R},\"unit\":\"{unit}\",\"ts\":\"{Iso(start + TimeSpan.FromHours(horizon))}\",\"mean\":{m:R},\"sd\":{sd:R},\"lo95\":{lo:R},\"hi95\":{hi:R},\"horizon_h\":{horizon:R}}}");
                Publish($"reactortwin/{_o.ReactorId}/{batch}/twin/{c.Component}{suffix}", payload, retain: true);
                _events.OnNext(new TwinEvent(horizon == now ? "prediction" : "prediction-end", batch, horizon, c.Component, m, lo, hi, ""));
            }
        }
    }

    private void CompleteRunning()
    {
        if (_running is null)
        {
            return;
        }

        string batch = _running;
        _running = null;
        if (_posterior.CloseBatch() is not { } refit)
        {
            return;
        }

        // What the checkpoint after this refit covers: the journal up to here, and the batches announced so far (later
        // ones are replayed from the journal after a restart).
        var boundary = new RefitBoundary(batch, refit, _lastSeq, [.. _batchInfo.Select(b => new CheckpointBatch(b.Key, b.Value.Start, b.Value.Hours))]);
        _events.OnNext(new TwinEvent("refit-started", batch, double.NaN, "", refit.CompletedBatches, double.NaN, double.NaN, ""));
        var warmStart = _posterior.Parameters.ToArray();
        if (!_o.BackgroundRefit || _replaying)
        {
            ApplyRefit(boundary, RunRefit(refit, warmStart));
            return;
        }

        // One refit at a time, in batch order, each warm-started where the previous one ended.
        lock (_refitGate)
        {
            _refitChain = _refitChain.ContinueWith(
                _ =>
                {
                    try
                    {
                        var outcome = RunRefit(refit, _refitWarmStart ?? warmStart);
                        Handle(() => ApplyRefit(boundary, outcome));
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException)
                    {
                        // Nothing may escape a background task unseen: the batch keeps the previous estimate, and says why.
                        Handle(() => PublishError($"reactortwin/{_o.ReactorId}/{batch}/twin", $"refit of batch {batch} failed: {ex.Message}"));
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.LongRunning,
                TaskScheduler.Default);
        }
    }

    /// <summary>Runs a refit under the budget (on any thread; touches no engine state but the next warm start).</summary>
    private StreamingRefitOutcome RunRefit(StreamingRefit refit, double[] warmStart)
    {
        var outcome = refit.Run(warmStart, computeCovariance: true, _time, _stopRefits.Token);
        if (outcome.Failure is null)
        {
            var theta = (double[])warmStart.Clone();
            _space.ToNatural(outcome.Estimate, theta);
            _refitWarmStart = theta;
        }

        return outcome;
    }

    /// <summary>Takes a refit's estimate, publishes it with intervals, proposes the next batch and checkpoints.</summary>
    private void ApplyRefit(RefitBoundary boundary, StreamingRefitOutcome outcome)
    {
        _posterior.ApplyRefit(outcome);
        string exit = outcome.Exit;
        var theta = _posterior.Parameters.ToArray();
        var cov = outcome.Covariance;
        var u = _posterior.Estimate;
        var sb = new StringBuilder("{\"$refit\":");
        sb.Append(JsonSerializer.Serialize(exit, RuntimeJson.Default.String));
        for (int j = 0; j < _space.Dimension; j++)
        {
            string name = _o.Model.Parameters[_space.Indices[j]].Name;
            double sd = cov is null ? double.NaN : Math.Sqrt(Math.Max(cov[j, j], 0));
            double lo = double.NaN, hi = double.NaN;
            if (double.IsFinite(sd))
            {
                lo = _space.IsLogScale(j) ? Math.Exp(u[j] - (1.96 * sd)) : u[j] - (1.96 * sd);
                hi = _space.IsLogScale(j) ? Math.Exp(u[j] + (1.96 * sd)) : u[j] + (1.96 * sd);
            }

            double value = theta[_space.Indices[j]];
            _events.OnNext(new TwinEvent("refit", boundary.Batch, double.NaN, name, value, lo, hi, exit));
            sb.Append(CultureInfo.InvariantCulture, $",\"{name}\":{{\"value\":{value:R},\"lo95\":{Json(lo)},\"hi95\":{Json(hi)}}}");
        }

        sb.Append('}');
        Publish($"reactortwin/{_o.ReactorId}/twin/parameters", sb.ToString(), retain: true);
        Propose(theta);
        Checkpoint(boundary);
    }

    /// <summary>Saves the twin's state (estimate, completed data, batches, proposal count, policy state, waiting
    /// proposal) as of a refit: it covers the journal up to the entry that closed the refit's batch, so a restart
    /// replays what came after (the next batch's announcement and readings) even if they were handled while the refit
    /// ran.</summary>
    private void Checkpoint(RefitBoundary boundary)
    {
        if (_journal is null)
        {
            return;
        }

        var snap = _posterior.SnapshotAsOf(boundary.Refit);
        var state = new TwinCheckpoint(
            snap.Estimate,
            [.. snap.Completed.Select(r => new CheckpointRow(r.Batch, r.Name, _batchInfo[r.Batch].Start + TimeSpan.FromHours(r.TimeHours), r.TimeHours, r.Value))],
            snap.CompletedBatches,
            boundary.Batches,
            _proposals,
            (_policy as IDesignPolicyState)?.SaveState(),
            _pending);
        _journal.SaveCheckpoint(_o.ReactorId, boundary.JournalSeq, JsonSerializer.Serialize(state, RuntimeJson.Default.TwinCheckpoint));
    }

    private void Propose(double[] theta)
    {
        if (_policy is null || _o.Design is null)
        {
            return;
        }

        _proposals++;
        // A generator per proposal, seeded by (seed, proposal number): a restarted twin draws what an uninterrupted one would.
        var random = new Random(unchecked((_o.Seed * 1_000_003) + _proposals));
        var context = new DesignContext(_o.Design, _space.Indices, theta, new AdamOptimizer(Enumerable.Repeat(1.0, _space.Dimension).ToArray()), [], _proposals, random);
        var p = _policy.Propose(context);
        var applied = (double[])p.Design.Clone();
        var notes = new List<string>();
        var setpoints = new StringBuilder("{");
        for (int j = 0; j < applied.Length; j++)
        {
            string name = _o.Design.Variables[j].Name;
            if (_o.SafetyBounds.TryGetValue(name, out var b) && (applied[j] < b.Min || applied[j] > b.Max))
            {
                double clamped = Math.Clamp(applied[j], b.Min, b.Max);
                notes.Add(string.Create(CultureInfo.InvariantCulture, $"{name} {applied[j]:G5} clamped to the safety bounds [{b.Min:G5}, {b.Max:G5}]"));
                applied[j] = clamped;
            }

            setpoints.Append(CultureInfo.InvariantCulture, $"{(j > 0 ? "," : "")}\"{name}\":{applied[j]:R}");
            _events.OnNext(new TwinEvent("proposal", "", double.NaN, name, applied[j], double.NaN, double.NaN, p.ObjectiveName));
        }

        setpoints.Append('}');
        string proposal = string.Create(CultureInfo.InvariantCulture, $"{{\"id\":{_proposals},\"policy\":\"{_policy.Name}\",\"setpoints\":{setpoints},\"predicted\":{Json(p.PredictedObjective ?? double.NaN)},\"objective\":\"{p.ObjectiveName}\",\"applied\":{(_o.AutoApply ? "true" : "false")},\"notes\":{JsonSerializer.Serialize(notes, RuntimeJson.Default.ListString)}}}");
        Publish($"reactortwin/{_o.ReactorId}/proposal", proposal, retain: true);
        if (_o.AutoApply)
        {
            Publish($"reactortwin/{_o.ReactorId}/control/batch/set", setpoints.ToString(), retain: false);
            _pending = null;
        }
        else
        {
            _pending = new PendingProposal(_proposals, setpoints.ToString(), proposal); // waits for accept/set
        }
    }

    private void PublishError(string topic, string reason, string payload = "")
    {
        string json = string.Create(CultureInfo.InvariantCulture, $"{{\"topic\":{JsonSerializer.Serialize(topic, RuntimeJson.Default.String)},\"reason\":{JsonSerializer.Serialize(reason, RuntimeJson.Default.String)},\"payload\":{JsonSerializer.Serialize(payload, RuntimeJson.Default.String)}}}");
        var parts = topic.Split('/');
        string batch = parts.Length > 2 ? parts[2] : "unknown";
        Publish($"reactortwin/{_o.ReactorId}/{batch}/errors", json, retain: false);
    }

    private void Publish(string topic, string payload, bool retain)
    {
        if (_replaying)
        {
            return;
        }

        _bus.PublishAsync(new MqttMessage(topic, Encoding.UTF8.GetBytes(payload), MqttQualityOfService.AtLeastOnce, retain)).GetAwaiter().GetResult();
    }

    private static string Json(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "null";

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    /// <remarks>Stops taking messages, cancels a running refit (it stops at its next evaluation and is not applied: the
    /// last checkpoint stays, and a restart replays and refits the batch), waits for the message being handled to
    /// finish, and completes <see cref="Events"/>; messages still queued for the processing scheduler are dropped
    /// unacknowledged (the broker redelivers them to the next session). Waits at most 10 s for the cancelled refit.</remarks>
    public void Dispose()
    {
        foreach (var s in _subscriptions)
        {
            s.Dispose();
        }

        bool refitRunning;
        lock (_refitGate)
        {
            refitRunning = !_refitChain.IsCompleted;
        }

        _stopRefits.Cancel();
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            if (refitRunning)
            {
                _events.OnNext(new TwinEvent("refit-cancelled", "", double.NaN, "", double.NaN, double.NaN, double.NaN, "stopped by shutdown, not applied; a restart refits the batch"));
            }

            _disposed = true;
            _events.OnCompleted();
            _events.Dispose();
        }

        // Outside the lock: the refit's last step (applying its result) takes the lock and then sees _disposed.
        WaitForRefits(TimeSpan.FromSeconds(10));
    }
}

/// <summary>Source-generated JSON metadata of the runtime.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(BatchAnnouncement))]
[System.Text.Json.Serialization.JsonSerializable(typeof(TwinCheckpoint))]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<string>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class RuntimeJson : System.Text.Json.Serialization.JsonSerializerContext
{
}

/// <summary>A checkpoint of one twin (JSON in the journal).</summary>
/// <param name="Estimate">û.</param>
/// <param name="Completed">Completed batches' measurements.</param>
/// <param name="CompletedBatches">Their number.</param>
/// <param name="Batches">Every batch seen, with start and duration.</param>
/// <param name="Proposals">Proposals made so far.</param>
/// <param name="PolicyState">The design policy's state (<see cref="ReactorTwin.Core.Design.IDesignPolicyState"/>), or null.</param>
/// <param name="Pending">The proposal waiting for acceptance, or null.</param>
internal sealed record TwinCheckpoint(double[] Estimate, CheckpointRow[] Completed, int CompletedBatches, CheckpointBatch[] Batches, int Proposals, double[]? PolicyState = null, PendingProposal? Pending = null);

/// <summary>Where a refit's checkpoint stands in the journal.</summary>
/// <param name="Batch">The batch whose completion started the refit.</param>
/// <param name="Refit">The refit.</param>
/// <param name="JournalSeq">The last journal entry handled before the refit started.</param>
/// <param name="Batches">Every batch announced up to then.</param>
internal sealed record RefitBoundary(string Batch, StreamingRefit Refit, long JournalSeq, CheckpointBatch[] Batches);

/// <summary>A proposal waiting for <c>proposal/accept/set</c>.</summary>
/// <param name="Id">Proposal number.</param>
/// <param name="Setpoints">The clamped setpoints JSON to send to <c>control/batch/set</c>.</param>
/// <param name="Proposal">The published proposal JSON.</param>
internal sealed record PendingProposal(int Id, string Setpoints, string Proposal);

/// <summary>A measurement in a checkpoint.</summary>
internal sealed record CheckpointRow(string Batch, string Component, DateTimeOffset Timestamp, double TimeHours, double Value);

/// <summary>A batch in a checkpoint.</summary>
internal sealed record CheckpointBatch(string Batch, DateTimeOffset Start, double Hours);
