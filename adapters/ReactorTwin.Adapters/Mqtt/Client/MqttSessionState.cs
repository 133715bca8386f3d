namespace ReactorTwin.Adapters.Mqtt;

/// <summary>Packet identifiers 1..65535; an identifier is never handed out again while it is in use
/// (MQTT-2.3.1-2 / §2.2.1). Not thread-safe: callers hold the client's session lock.</summary>
internal sealed class PacketIdentifierAllocator
{
    private readonly bool[] _inUse = new bool[65536];
    private int _last;

    public int InUseCount { get; private set; }

    /// <summary>Returns the next free identifier after the last one handed out.</summary>
    /// <exception cref="MqttClientException">All 65535 identifiers are in flight.</exception>
    public ushort Allocate()
    {
        for (var i = 0; i < 65535; i++)
        {
            _last = _last % 65535 + 1;
            if (!_inUse[_last])
            {
                _inUse[_last] = true;
                InUseCount++;
                return (ushort)_last;
            }
        }

        throw new MqttClientException("All 65535 packet identifiers are in use.");
    }

    public bool IsInUse(ushort id) => _inUse[id];

    public void Release(ushort id)
    {
        if (id != 0 && _inUse[id])
        {
            _inUse[id] = false;
            InUseCount--;
        }
    }
}

/// <summary>Flow control: at most the server's Receive Maximum QoS 1/2 publishes in flight (MQTT 5.0 §4.9).
/// Waiters are served in order; a cancelled waiter is skipped.</summary>
internal sealed class SendQuota
{
    private readonly object _lock = new();
    private readonly Queue<TaskCompletionSource> _waiters = new();
    private int _limit;
    private int _inUse;

    public SendQuota(int limit) => _limit = limit;

    public int InUse
    {
        get
        {
            lock (_lock)
            {
                return _inUse;
            }
        }
    }

    public void SetLimit(int limit)
    {
        lock (_lock)
        {
            _limit = limit;
            ReleaseWaitersLocked();
        }
    }

    public ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource tcs;
        lock (_lock)
        {
            if (_inUse < _limit && _waiters.Count == 0)
            {
                _inUse++;
                return ValueTask.CompletedTask;
            }

            tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Enqueue(tcs);
        }

        return WaitSlowAsync(tcs, cancellationToken);
    }

    private static async ValueTask WaitSlowAsync(TaskCompletionSource tcs, CancellationToken cancellationToken)
    {
        await using (cancellationToken.Register(static s => ((TaskCompletionSource)s!).TrySetCanceled(), tcs).ConfigureAwait(false))
        {
            await tcs.Task.ConfigureAwait(false);
        }
    }

    public void Release()
    {
        lock (_lock)
        {
            if (_inUse > 0)
            {
                _inUse--;
            }

            ReleaseWaitersLocked();
        }
    }

    private void ReleaseWaitersLocked()
    {
        while (_inUse < _limit && _waiters.Count > 0)
        {
            var w = _waiters.Dequeue();
            if (w.TrySetResult())
            {
                _inUse++;
            }
        }
    }
}

/// <summary>An outgoing QoS 1/2 message awaiting its acknowledgement; part of the session state.</summary>
internal sealed class OutboundFlight
{
    public OutboundFlight(MqttMessage message, ushort packetId, long sequence)
    {
        Message = message;
        PacketId = packetId;
        Sequence = sequence;
    }

    public MqttMessage Message { get; }

    public ushort PacketId { get; }

    /// <summary>Order of first transmission; redelivery keeps it (MQTT-4.6.0-1).</summary>
    public long Sequence { get; }

    /// <summary>QoS 2: PUBREC received, PUBREL sent, awaiting PUBCOMP.</summary>
    public bool Released { get; set; }

    public TaskCompletionSource<MqttPublishResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
