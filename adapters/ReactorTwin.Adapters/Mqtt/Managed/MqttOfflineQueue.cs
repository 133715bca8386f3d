namespace ReactorTwin.Adapters.Mqtt.Managed;

/// <summary>Bounded FIFO of messages waiting to be published, optionally mirrored to a <see cref="MqttDurableQueueLog"/>.
/// Thread-safe.</summary>
internal sealed class MqttOfflineQueue : IDisposable
{
    private readonly object _lock = new();
    private readonly LinkedList<(long Sequence, MqttMessage Message)> _items = new();
    private readonly int _capacity;
    private readonly MqttQueueOverflowPolicy _policy;
    private readonly MqttDurableQueueLog? _log;
    private TaskCompletionSource _available = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _empty = NewCompleted();
    private long _nextSequence = 1;

    public MqttOfflineQueue(int capacity, MqttQueueOverflowPolicy policy, string? directory)
    {
        _capacity = capacity;
        _policy = policy;
        if (directory is not null)
        {
            _log = MqttDurableQueueLog.Open(directory, out var pending);
            foreach (var item in pending)
            {
                _items.AddLast(item);
                _nextSequence = Math.Max(_nextSequence, item.Sequence + 1);
            }

            RecoveredCount = pending.Count;
            if (_items.Count > 0)
            {
                _available.TrySetResult();
                _empty = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Messages replayed from disk at start-up.</summary>
    public int RecoveredCount { get; }

    public long CorruptBytesDiscarded => _log?.CorruptBytesDiscarded ?? 0;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Adds a message, applying the overflow policy when full.</summary>
    /// <param name="message">Message.</param>
    /// <param name="dropped">The message that was dropped (oldest or this one), if any.</param>
    /// <returns>What happened.</returns>
    public MqttEnqueueResult Enqueue(MqttMessage message, out MqttMessage? dropped)
    {
        dropped = null;
        lock (_lock)
        {
            var result = MqttEnqueueResult.Enqueued;
            if (_items.Count >= _capacity)
            {
                switch (_policy)
                {
                    case MqttQueueOverflowPolicy.DropNewest:
                        dropped = message;
                        return MqttEnqueueResult.DroppedNewest;
                    case MqttQueueOverflowPolicy.Reject:
                        return MqttEnqueueResult.Rejected;
                    default:
                        var oldest = _items.First!.Value;
                        _items.RemoveFirst();
                        _log?.AppendRemove(oldest.Sequence);
                        dropped = oldest.Message;
                        result = MqttEnqueueResult.EnqueuedDroppedOldest;
                        break;
                }
            }

            var seq = _nextSequence++;
            _log?.AppendEnqueue(seq, message);
            _items.AddLast((seq, message));
            _available.TrySetResult();
            if (_empty.Task.IsCompleted)
            {
                _empty = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            return result;
        }
    }

    /// <summary>The oldest queued message with a sequence number above <paramref name="after"/> (0: the head), if any.</summary>
    public bool TryPeekAfter(long after, out (long Sequence, MqttMessage Message) item)
    {
        lock (_lock)
        {
            for (var node = _items.First; node is not null; node = node.Next)
            {
                if (node.Value.Sequence > after)
                {
                    item = node.Value;
                    return true;
                }
            }
        }

        item = default;
        return false;
    }

    /// <summary>Completes when a message with a sequence number above <paramref name="after"/> is queued.</summary>
    public async Task WaitForAfterAsync(long after, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                if (_items.Last is { } last && last.Value.Sequence > after)
                {
                    return;
                }

                if (_available.Task.IsCompleted)
                {
                    _available = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                wait = _available.Task;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Removes a published message (no-op if it was dropped meanwhile).</summary>
    public void Remove(long sequence)
    {
        lock (_lock)
        {
            for (var node = _items.First; node is not null; node = node.Next)
            {
                if (node.Value.Sequence == sequence)
                {
                    _items.Remove(node);
                    if (_items.Count == 0)
                    {
                        _log?.Truncate();
                        _empty.TrySetResult();
                    }
                    else
                    {
                        _log?.AppendRemove(sequence);
                    }

                    return;
                }
            }
        }
    }

    /// <summary>A task that completes when the queue is (or next becomes) empty.</summary>
    public Task WhenEmpty()
    {
        lock (_lock)
        {
            return _empty.Task;
        }
    }

    public void Dispose() => _log?.Dispose();

    private static TaskCompletionSource NewCompleted()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        done.SetResult();
        return done;
    }
}
