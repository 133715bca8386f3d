using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;
using ReactorTwin.Runtime.Contracts;

namespace ReactorTwin.Host.Dashboard;

/// <summary>One server-sent event, serialised once for every client.</summary>
/// <param name="Event">Event name.</param>
/// <param name="Data">UTF-8 JSON.</param>
internal sealed record SseFrame(string Event, byte[] Data);

/// <summary>
/// The dashboard's state of every reactor, fed by <see cref="DashboardFeed"/> (bus messages, the pipelines' accepted
/// readings, the journal) and read by the page: a snapshot, then every change as a server-sent event. Changes that
/// change nothing (a retained message delivered again after the broker restarted) are not sent. Thread-safe: one lock;
/// a client's snapshot and its subscription are taken under it, so a client misses no change and sees none twice.
/// </summary>
internal sealed class DashboardStore
{
    /// <summary>Frames a client may have queued before it is dropped (it reconnects and gets a new snapshot).</summary>
    private const int ClientQueue = 4096;

    private readonly object _gate = new();
    private readonly List<ReactorView> _reactors = [];
    private readonly List<Channel<SseFrame>> _clients = [];
    private readonly TimeProvider _time;
    private Func<HostDto> _host = () => new HostDto("stopped", "in-process", null, null, 0, false);
    private Func<string, CountsDto> _counts = _ => new CountsDto(0, 0, 0, 0, 0, 0, null);
    private long _version;
    private (long Version, DateTimeOffset At, StatusEvent Status, byte[] Json)? _status;

    /// <summary>Creates an empty store.</summary>
    public DashboardStore(TimeProvider time) => _time = time;

    /// <summary>Raised (under no lock) when a reactor's proposal changes.</summary>
    public event Action<string, ProposalPayload>? ProposalChanged;

    /// <summary>Raised (under no lock) when a reactor reports an error.</summary>
    public event Action<string, ErrorPayload>? ErrorReported;

    /// <summary>Sets where the host's state and the counters come from.</summary>
    public void Connect(Func<HostDto> host, Func<string, CountsDto> counts)
    {
        lock (_gate)
        {
            (_host, _counts) = (host, counts);
            _version++;
        }
    }

    /// <summary>Adds a reactor (before any message of it).</summary>
    public void AddReactor(ReactorView reactor)
    {
        lock (_gate)
        {
            _reactors.Add(reactor);
            _version++;
        }
    }

    /// <summary>The reactor ids, in configuration order.</summary>
    public IReadOnlyList<string> ReactorIds
    {
        get
        {
            lock (_gate)
            {
                return [.. _reactors.Select(r => r.Id)];
            }
        }
    }

    /// <summary>A batch was announced (or its end).</summary>
    public void Announce(string reactor, BatchAnnouncement a, DateTimeOffset start)
    {
        Change(reactor, r => r.Batch(a.Batch, start) is { } b && b.Announce(a, start) ? Frame("batch", new BatchEvent(reactor, b.ToDto(withData: false)), DashboardJson.Default.BatchEvent) : null);
    }

    /// <summary>The twin accepted a reading.</summary>
    public void Measure(string reactor, string batch, string component, double t, double value)
    {
        Change(reactor, r => r.Batch(batch) is { } b && b.Measure(component, t, value) ? Frame("measurement", new MeasurementEvent(reactor, batch, component, new MeasuredDto(t, value)), DashboardJson.Default.MeasurementEvent) : null);
    }

    /// <summary>The twin published a prediction (now: the filtered state at the latest reading; or at the batch's end).</summary>
    public void Predict(string reactor, string batch, string component, bool atEnd, PredictionPayload p)
    {
        Change(reactor, r =>
        {
            if (r.Batch(batch) is not { } b)
            {
                return null;
            }

            if (atEnd)
            {
                return b.PredictEnd(component, p) ? Frame("end", new EndEvent(reactor, batch, component, p), DashboardJson.Default.EndEvent) : null;
            }

            var point = new FilteredDto(p.HorizonHours, p.Mean, p.Lo95, p.Hi95, p.StateNoise.Lo95, p.StateNoise.Hi95, p.Band == BandLabels.Posterior);
            return b.Filter(component, point) ? Frame("filtered", new FilteredEvent(reactor, batch, component, point), DashboardJson.Default.FilteredEvent) : null;
        });
    }

    /// <summary>The twin published a forecast.</summary>
    public void Forecast(string reactor, ForecastPayload f)
    {
        Change(reactor, r => r.Batch(f.Batch) is { } b && b.SetForecast(f) ? Frame("forecast", new ForecastEvent(reactor, f), DashboardJson.Default.ForecastEvent) : null);
    }

    /// <summary>The twin published parameter estimates.</summary>
    public void Parameters(string reactor, ParameterEstimatesPayload p)
    {
        Change(reactor, r =>
        {
            if (r.Parameters is { } known && known.Batch == p.Batch && known.Refit == p.Refit && known.Parameters.Count == p.Parameters.Count && !known.Parameters.Except(p.Parameters).Any())
            {
                return null;
            }

            r.Parameters = p;
            return Frame("parameters", new ParametersEvent(reactor, p), DashboardJson.Default.ParametersEvent);
        });
    }

    /// <summary>The twin published a proposal (new, or applied).</summary>
    public void Propose(string reactor, ProposalPayload p)
    {
        bool changed = Change(reactor, r =>
        {
            if (r.Proposal is { } known && known.Id == p.Id && known.Applied == p.Applied)
            {
                return null;
            }

            r.Proposal = p;
            return Frame("proposal", new ProposalEvent(reactor, p), DashboardJson.Default.ProposalEvent);
        });
        if (changed)
        {
            ProposalChanged?.Invoke(reactor, p);
        }
    }

    /// <summary>The twin (or the reactor) reported an error: a rejected message, a refused command, a failure.</summary>
    public void Reject(string reactor, ErrorPayload e)
    {
        Change(reactor, r =>
        {
            var dto = new RejectionDto(ContractCodec.FormatTime(_time.GetUtcNow()), e.Topic, e.Reason, e.Payload);
            r.Reject(dto);
            return Frame("rejection", new RejectionEvent(reactor, dto), DashboardJson.Default.RejectionEvent);
        });
        ErrorReported?.Invoke(reactor, e);
    }

    /// <summary>Something the status shows changed without a message (the host's state, a pipeline's counters, the
    /// outbox): the next status is recomputed.</summary>
    public void Touch()
    {
        lock (_gate)
        {
            _version++;
        }
    }

    /// <summary>The reactor's current proposal and safety bounds, or null for an unknown reactor.</summary>
    public (ProposalPayload? Proposal, IReadOnlyDictionary<string, (double Min, double Max)> SafetyBounds)? ProposalOf(string reactor)
    {
        lock (_gate)
        {
            return _reactors.Find(r => r.Id == reactor) is { } r ? (r.Proposal, r.SafetyBounds) : null;
        }
    }

    /// <summary>Everything, as the page's first event.</summary>
    public SnapshotDto Snapshot()
    {
        lock (_gate)
        {
            return SnapshotLocked();
        }
    }

    /// <summary>A batch with its data, or null when the reactor or batch is not kept.</summary>
    public BatchDto? BatchData(string reactor, string batch)
    {
        lock (_gate)
        {
            return _reactors.Find(r => r.Id == reactor)?.Find(batch)?.ToDto(withData: true);
        }
    }

    /// <summary>Reads a batch under the lock (for downloads): <paramref name="read"/> gets the reactor and the batch.</summary>
    /// <returns>What <paramref name="read"/> returned, or default when the reactor or batch is not kept.</returns>
    public T? Read<T>(string reactor, string batch, Func<ReactorView, BatchView, T> read)
    {
        lock (_gate)
        {
            return _reactors.Find(r => r.Id == reactor) is { } r && r.Find(batch) is { } b ? read(r, b) : default;
        }
    }

    /// <summary>A new client: the snapshot and, from the same instant, the queue of every later change. Dispose the
    /// subscription when the client goes.</summary>
    public ClientSubscription Subscribe()
    {
        var channel = Channel.CreateBounded<SseFrame>(new BoundedChannelOptions(ClientQueue) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        lock (_gate)
        {
            _clients.Add(channel);
            return new ClientSubscription(this, channel, SnapshotLocked());
        }
    }

    /// <summary>The host's state and the counters, recomputed after a change of the store, and at least every
    /// second (counters such as the outbox move without a message).</summary>
    public (StatusEvent Status, byte[] Json) Status()
    {
        long version;
        Func<HostDto> host;
        Func<string, CountsDto> counts;
        string[] ids;
        lock (_gate)
        {
            if (_status is { } cached && cached.Version == _version && _time.GetUtcNow() - cached.At < TimeSpan.FromSeconds(1))
            {
                return (cached.Status, cached.Json);
            }

            (version, host, counts, ids) = (_version, _host, _counts, [.. _reactors.Select(r => r.Id)]);
        }

        // The counters read the pipelines and the journal: outside the store's lock.
        var status = new StatusEvent(host(), ids.ToDictionary(id => id, counts, StringComparer.Ordinal));
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(status, DashboardJson.Default.StatusEvent);
        lock (_gate)
        {
            _status = (version, _time.GetUtcNow(), status, json);
        }

        return (status, json);
    }

    private void Remove(Channel<SseFrame> channel)
    {
        lock (_gate)
        {
            _clients.Remove(channel);
        }

        channel.Writer.TryComplete();
    }

    private SnapshotDto SnapshotLocked() => new(_host(), [.. _reactors.Select(r => r.ToDto(_counts(r.Id)))]);

    /// <summary>Applies a change to a reactor under the lock and sends its frame (null: nothing changed) to every
    /// client; a client whose queue is full is dropped.</summary>
    private bool Change(string reactor, Func<ReactorView, SseFrame?> change)
    {
        lock (_gate)
        {
            if (_reactors.Find(r => r.Id == reactor) is not { } view || change(view) is not { } frame)
            {
                return false;
            }

            _version++;
            for (int i = _clients.Count - 1; i >= 0; i--)
            {
                if (!_clients[i].Writer.TryWrite(frame))
                {
                    _clients[i].Writer.TryComplete(new ChannelClosedException("the client fell too far behind"));
                    _clients.RemoveAt(i);
                }
            }

            return true;
        }
    }

    private static SseFrame Frame<T>(string name, T value, JsonTypeInfo<T> type) => new(name, JsonSerializer.SerializeToUtf8Bytes(value, type));

    /// <summary>A client's snapshot and queue of later changes.</summary>
    internal sealed class ClientSubscription(DashboardStore store, Channel<SseFrame> channel, SnapshotDto snapshot) : IDisposable
    {
        /// <summary>The state when the client subscribed.</summary>
        public SnapshotDto Snapshot { get; } = snapshot;

        /// <summary>Every change after <see cref="Snapshot"/>; completes with an error when the client fell behind.</summary>
        public ChannelReader<SseFrame> Changes => channel.Reader;

        public void Dispose() => store.Remove(channel);
    }
}
