using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using System.Text.Json;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Runtime.Contracts;
using ReactorTwin.Runtime.Ingest;
using ReactorTwin.Runtime.Journal;
using ReactorTwin.Runtime.Twin;

namespace ReactorTwin.Runtime.Pipeline;

/// <summary>
/// One reactor's twin as a reactive pipeline. Everything for the reactor — its bus messages (batch announcements,
/// sensor readings, the accept command), the readings of sensors attached to this box, and the outcomes of background
/// refits — enters one inbox in arrival order and runs, one item at a time on the processing scheduler, through
/// <code>
/// decode → validate → journal → twin → checkpoint → audit → encode → publish
/// </code>
/// (<see cref="DecodeStage"/>, <see cref="ValidateStage"/>, <see cref="JournalStage"/>, <see cref="TwinStage"/>,
/// <see cref="CheckpointStage"/>, <see cref="AuditStage"/>, <see cref="EncodeStage"/>, <see cref="PublishStage"/>). A bus message is acknowledged
/// after it has been journaled or rejected; an exception in any stage rejects only that item. On <see cref="Start"/> the
/// latest checkpoint is restored and the journal entries after it are replayed (nothing is published while replaying).
/// </summary>
public sealed class ReactorPipeline : IDisposable
{
    private readonly TwinOptions _o;
    private readonly IMessageBus _bus;
    private readonly MeasurementJournal? _journal;
    private readonly IScheduler? _processing;
    private readonly IObservable<LocalReading>? _local;
    private readonly DigitalTwin _twin;
    private readonly ReadingValidator _validator;
    private readonly RefitRunner _refits;
    private readonly JournalStage _journalStage;
    private readonly IPipelineStage[] _afterJournal;
    private readonly ISubject<InboxItem> _internal = Subject.Synchronize(new Subject<InboxItem>());
    private readonly ManualResetEventSlim _drained = new(true);
    private readonly Subject<TwinEvent> _events = new();
    private readonly object _gate = new();
    private readonly DecodeStage _decode;
    private readonly ValidateStage _validate;
    private readonly PublishStage _publish;
    private IDisposable? _subscription;
    private bool _disposed;
    private long _accepted, _rejected, _duplicates, _pending;

    /// <summary>Creates the pipeline (call <see cref="Start"/>).</summary>
    /// <param name="options">The twin's settings.</param>
    /// <param name="bus">Transport.</param>
    /// <param name="journal">Durable journal (may be shared by several reactors), or null for none (demo, tests).</param>
    /// <param name="processing">Scheduler that runs the pipeline (an event loop per reactor, so that nothing blocks the
    /// transport); null runs it on the delivering thread.</param>
    /// <param name="time">Clock of the refit budget; null for the system clock.</param>
    /// <param name="localSensors">Readings of sensors attached to this box, or null.</param>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public ReactorPipeline(TwinOptions options, IMessageBus bus, MeasurementJournal? journal = null, IScheduler? processing = null, TimeProvider? time = null, IObservable<LocalReading>? localSensors = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(bus);
        _o = options;
        _bus = bus;
        _journal = journal;
        _processing = processing;
        _local = localSensors;
        _twin = new DigitalTwin(options);
        _validator = new ReadingValidator(options.Model, options.ReactorId, options.Channels);
        var clock = time ?? TimeProvider.System;
        _refits = new RefitRunner(options.BackgroundRefit, clock, _internal.OnNext);
        string r = options.ReactorId;
        _decode = new DecodeStage(r, () => _twin.RunningBatch);
        _validate = new ValidateStage(_validator);
        _journalStage = new JournalStage(journal, r, _twin);
        _afterJournal = [new TwinStage(_twin, _refits, _journalStage), new CheckpointStage(journal, r), new AuditStage(journal, r, clock), new EncodeStage(r)];
        _publish = new PublishStage(bus);
    }

    /// <summary>Everything the twin does, as it happens (on the pipeline's thread).</summary>
    public IObservable<TwinEvent> Events => _events;

    /// <summary>The twin's current estimate θ̂ (natural scale, all parameters).</summary>
    public double[] Estimate
    {
        get
        {
            lock (_gate)
            {
                return _twin.Estimate;
            }
        }
    }

    /// <summary>Measurements accepted so far (journaled and filtered).</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Messages rejected so far (each published on an errors topic with its reason).</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Readings identical to one accepted before (redeliveries, mirrors of attached sensors): dropped quietly.</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>Journal entries replayed by the last <see cref="Start"/>.</summary>
    public int Replayed { get; private set; }

    /// <summary>
    /// Restores the latest checkpoint and replays the journal after it, then subscribes to the reactor's topics (and
    /// attached sensors). Call before the transport connects, so that no message the broker kept for this session
    /// arrives before an observer is there.
    /// </summary>
    public void Start()
    {
        lock (_gate)
        {
            Restore();
        }

        string r = _o.ReactorId;
        var fromBus = Observable.Merge(new[] { Topics.BatchFilter(r), Topics.SensorFilter(r), Topics.ProposalAccept(r) }.Select(_bus.Subscribe))
            .Do(m => m.DeferAcknowledgement())
            .Select(m => (InboxItem)new BusMessage(m));
        var inbox = Observable.Merge(fromBus, _internal.AsObservable(), (_local ?? Observable.Never<LocalReading>()).Select(l => (InboxItem)l))
            .Do(_ =>
            {
                Interlocked.Increment(ref _pending);
                _drained.Reset();
            });
        if (_processing is not null)
        {
            inbox = inbox.ObserveOn(_processing);
        }

        _subscription = inbox
            .Select(i => new PipelineItem(i))
            .Through(_decode)
            .Through(_validate)
            .Through(_journalStage)
            .Through(_afterJournal[0])
            .Through(_afterJournal[1])
            .Through(_afterJournal[2], evenIfRejected: true)
            .Through(_afterJournal[3], evenIfRejected: true)
            .Subscribe(Finish);
    }

    /// <summary>Publishes an item's messages, acknowledges it, counts it and raises its events, unless disposed.</summary>
    private void Finish(PipelineItem item)
    {
        lock (_gate)
        {
            try
            {
                if (_disposed)
                {
                    return; // not acknowledged: the broker redelivers it to the next session
                }

                _publish.Apply(item);
                if (item.Measurement is not null && !item.Rejected)
                {
                    Interlocked.Increment(ref _accepted);
                }
                else if (item.Rejected)
                {
                    Interlocked.Increment(ref _rejected);
                }
                else if (item.Duplicate)
                {
                    Interlocked.Increment(ref _duplicates);
                }

                foreach (var e in item.Events)
                {
                    _events.OnNext(e);
                }
            }
            finally
            {
                if (Interlocked.Decrement(ref _pending) == 0)
                {
                    _drained.Set();
                }
            }
        }
    }

    /// <summary>Completes the running batch now (refit and proposal) and waits until it and every queued item and
    /// refit have been handled.</summary>
    public void CompleteRunningBatch()
    {
        _internal.OnNext(new CompleteBatchCommand());
        WaitForIdle(Timeout.InfiniteTimeSpan);
    }

    /// <summary>Waits until every refit started so far has been applied (or dropped by <see cref="Dispose"/>).</summary>
    /// <returns>False if <paramref name="timeout"/> passed first.</returns>
    public bool WaitForRefits(TimeSpan timeout) => WaitForIdle(timeout);

    /// <summary>Waits until the inbox is empty and no refit is queued or running.</summary>
    private bool WaitForIdle(TimeSpan timeout)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        bool infinite = timeout == Timeout.InfiniteTimeSpan;
        while (true)
        {
            if (Interlocked.Read(ref _pending) == 0 && !_refits.Busy)
            {
                return true;
            }

            var left = infinite ? Timeout.InfiniteTimeSpan : timeout - sw.Elapsed;
            if (!infinite && left <= TimeSpan.Zero)
            {
                return false;
            }

            if (_refits.Busy)
            {
                _refits.WaitForIdle(left);
            }
            else
            {
                _drained.Wait(infinite ? TimeSpan.FromMilliseconds(10) : TimeSpan.FromTicks(Math.Min(left.Ticks, TimeSpan.FromMilliseconds(10).Ticks))); // the inbox drains (or a refit's outcome arrives), then look again
            }
        }
    }

    private void Restore()
    {
        if (_journal is null)
        {
            return;
        }

        long after = 0;
        if (_journal.LatestCheckpoint(_o.ReactorId) is { } cp)
        {
            var state = JsonSerializer.Deserialize(cp.State, CheckpointJson.Default.TwinCheckpoint)!;
            _twin.Restore(state);
            foreach (var b in state.Batches)
            {
                _validator.BeginBatch(b.Batch, b.Start, b.Hours);
            }

            foreach (var r in state.Completed)
            {
                _validator.Remember(new Measurement(r.Batch, r.Component, r.Timestamp, r.TimeHours, r.Value));
            }

            after = cp.Seq;
            _journalStage.LastSeq = cp.Seq;
        }

        foreach (var e in _journal.ReadAfter(_o.ReactorId, after))
        {
            Replayed++;
            var item = new PipelineItem(new CompleteBatchCommand(), replaying: true) { Seq = e.Seq };
            if (e.Announcement is { } json)
            {
                item.Kind = ItemKind.Batch;
                item.Announcement = ContractCodec.DecodeBatch(System.Text.Encoding.UTF8.GetBytes(json), out var start, out var end, out _);
                (item.Start, item.End) = (start, end);
                if (item.Announcement is null)
                {
                    continue;
                }

                if (item.End is null)
                {
                    _validator.BeginBatch(item.Announcement.Batch, start, item.Announcement.Hours);
                }
            }
            else
            {
                item.Kind = ItemKind.Reading;
                item.Measurement = e.Measurement;
                _validator.Remember(e.Measurement!);
                Interlocked.Increment(ref _accepted);
            }

            _journalStage.Apply(item);
            foreach (var stage in _afterJournal)
            {
                stage.Apply(item);
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks>Stops taking messages, cancels a running refit (it is not applied: the last checkpoint stands, and a
    /// restart replays and refits the batch), waits for the item being handled, and completes <see cref="Events"/>.
    /// Items still queued are dropped unacknowledged (the broker redelivers them to the next session).</remarks>
    public void Dispose()
    {
        _subscription?.Dispose();
        bool refitRunning = _refits.Busy;
        _refits.Cancel();
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

        _refits.Dispose();
    }
}
