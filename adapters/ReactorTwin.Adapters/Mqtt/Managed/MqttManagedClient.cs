using System.Reactive.Linq;
using System.Reactive.Subjects;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ReactorTwin.Adapters.Mqtt.Managed;

namespace ReactorTwin.Adapters.Mqtt;

/// <summary>An <see cref="MqttClient"/> for an unattended device: it reconnects with exponential backoff and
/// jitter, publishes from a bounded (optionally durable) offline queue, restores subscriptions when the broker lost
/// the session, and reports every dropped message.</summary>
/// <remarks>Messages are published one at a time in queue order and removed from the queue only when their QoS
/// handshake completes, so a QoS 1/2 message is delivered at least once across disconnects, broker restarts and
/// (with <see cref="MqttManagedClientOptions.QueueDirectory"/>) restarts of this process.</remarks>
public sealed partial class MqttManagedClient : IAsyncDisposable
{
    private readonly MqttManagedClientOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ExponentialBackoff _backoff;
    private readonly MqttClient _client;
    private readonly Dictionary<string, MqttTopicSubscription> _subscriptions = [];
    private readonly Subject<MqttMessage> _dropped = new();
    private readonly IDisposable _stateSubscription;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _stateLock = new();
    private MqttOfflineQueue? _queue;
    private TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _connectLoop = Task.CompletedTask;
    private Task _publishLoop = Task.CompletedTask;
    private long _droppedCount;
    private long _publishedCount;
    private int _started;

    /// <summary>Creates the client; call <see cref="StartAsync"/> to begin.</summary>
    /// <param name="options">Settings.</param>
    /// <param name="logger">Logger; optional.</param>
    /// <param name="timeProvider">Clock for backoff and keep-alive; default <see cref="TimeProvider.System"/>.</param>
    /// <param name="random">Seeded random source for jitter; default seed 0.</param>
    public MqttManagedClient(MqttManagedClientOptions options, ILogger? logger = null, TimeProvider? timeProvider = null, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _backoff = new ExponentialBackoff(options.InitialReconnectDelay, options.MaxReconnectDelay,
            options.ReconnectBackoffMultiplier, options.ReconnectJitter, random ?? new Random(0));
        _client = new MqttClient(options.ClientOptions, logger, _time);
        _stateSubscription = _client.ConnectionStateChanges.Subscribe(OnStateChange);
    }

    /// <summary>The underlying client (for <see cref="MqttClient.InFlightCount"/> and similar).</summary>
    public MqttClient Client => _client;

    /// <summary>Whether the underlying client is connected.</summary>
    public bool IsConnected => _client.IsConnected;

    /// <summary>Every message received on any connection.</summary>
    public IObservable<MqttMessage> Messages => _client.Messages;

    /// <summary>Connect/disconnect events of every connection attempt that reached CONNACK, and every loss.</summary>
    public IObservable<MqttConnectionStateChange> ConnectionStateChanges => _client.ConnectionStateChanges;

    /// <summary>Messages dropped by the overflow policy (also counted in <see cref="DroppedMessageCount"/> and logged).</summary>
    public IObservable<MqttMessage> DroppedMessages => _dropped.AsObservable();

    /// <summary>Messages dropped by the overflow policy since start.</summary>
    public long DroppedMessageCount => Interlocked.Read(ref _droppedCount);

    /// <summary>Messages whose publish completed since start.</summary>
    public long PublishedMessageCount => Interlocked.Read(ref _publishedCount);

    /// <summary>Messages waiting to be published (including the one in progress).</summary>
    public int PendingMessageCount => _queue?.Count ?? 0;

    /// <summary>Messages recovered from the durable queue at start.</summary>
    public int RecoveredMessageCount => _queue?.RecoveredCount ?? 0;

    /// <summary>Received messages whose topic matches a filter.</summary>
    /// <param name="topicFilter">Topic filter.</param>
    /// <returns>The filtered stream.</returns>
    public IObservable<MqttMessage> Observe(string topicFilter) => _client.Observe(topicFilter);

    /// <summary>Opens the queue (replaying the durable log) and starts connecting in the background.</summary>
    /// <param name="cancellationToken">Unused; present for host integration.</param>
    /// <returns>A completed task once the background loops run.</returns>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("Already started.");
        }

        _queue = new MqttOfflineQueue(_options.MaxPendingMessages, _options.OverflowPolicy, _options.QueueDirectory);
        if (_queue.RecoveredCount > 0 || _queue.CorruptBytesDiscarded > 0)
        {
            LogRecovered(_logger, _queue.RecoveredCount, _queue.CorruptBytesDiscarded);
        }

        _connectLoop = Task.Run(() => ConnectLoopAsync(_stop.Token), CancellationToken.None);
        _publishLoop = Task.Run(() => PublishLoopAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Queues a message for publishing (durably, if configured). Returns at once.</summary>
    /// <param name="message">Message.</param>
    /// <returns>Whether it was queued and whether something was dropped.</returns>
    /// <exception cref="MqttQueueFullException">Full with <see cref="MqttQueueOverflowPolicy.Reject"/>.</exception>
    public ValueTask<MqttEnqueueResult> EnqueueAsync(MqttMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (MqttTopic.ValidateTopicName(message.Topic) is { } why)
        {
            throw new ArgumentException(why, nameof(message));
        }

        var queue = _queue ?? throw new InvalidOperationException("Call StartAsync first.");
        var result = queue.Enqueue(message, out var dropped);
        if (result == MqttEnqueueResult.Rejected)
        {
            Interlocked.Increment(ref _droppedCount);
            LogOverflow(_logger, result, message.Topic, _options.MaxPendingMessages);
            throw new MqttQueueFullException($"The offline queue is full ({_options.MaxPendingMessages} messages).");
        }

        if (dropped is not null)
        {
            Interlocked.Increment(ref _droppedCount);
            LogOverflow(_logger, result, dropped.Topic, _options.MaxPendingMessages);
            _dropped.OnNext(dropped);
        }

        return ValueTask.FromResult(result);
    }

    /// <summary>Adds a subscription; it is sent now if connected and re-sent whenever the broker lost the session.</summary>
    /// <param name="subscription">Filter and options.</param>
    /// <returns>A task that completes when recorded (and acknowledged, if connected).</returns>
    public async Task SubscribeAsync(MqttTopicSubscription subscription)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        if (MqttTopic.ValidateTopicFilter(subscription.TopicFilter) is { } why)
        {
            throw new ArgumentException(why, nameof(subscription));
        }

        lock (_subscriptions)
        {
            _subscriptions[subscription.TopicFilter] = subscription;
        }

        if (_client.IsConnected)
        {
            try
            {
                await _client.SubscribeAsync([subscription]).ConfigureAwait(false);
            }
            catch (MqttClientException e)
            {
                // Re-sent after the next reconnect.
                LogSubscribeDeferred(_logger, subscription.TopicFilter, e.Message);
            }
        }
    }

    /// <summary>Removes a subscription.</summary>
    /// <param name="topicFilter">Filter as subscribed.</param>
    /// <returns>A task that completes when removed (and acknowledged, if connected).</returns>
    public async Task UnsubscribeAsync(string topicFilter)
    {
        lock (_subscriptions)
        {
            _subscriptions.Remove(topicFilter);
        }

        if (_client.IsConnected)
        {
            try
            {
                await _client.UnsubscribeAsync([topicFilter]).ConfigureAwait(false);
            }
            catch (MqttClientException e)
            {
                LogSubscribeDeferred(_logger, topicFilter, e.Message);
            }
        }
    }

    /// <summary>
    /// Publishes what is queued (while connected, for at most <see cref="MqttManagedClientOptions.DrainTimeout"/>), then
    /// stops the loops and disconnects cleanly. Messages still queued stay in the durable log, if any.
    /// </summary>
    /// <returns>A task that completes when stopped.</returns>
    public async Task StopAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        if (!await DrainAsync(_options.DrainTimeout).ConfigureAwait(false))
        {
            LogNotDrained(_logger, PendingMessageCount, _options.DrainTimeout.TotalSeconds, IsConnected);
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_connectLoop, _publishLoop).ConfigureAwait(false);
        await _client.DisconnectAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Waits until every queued message has been published, the connection is lost, or <paramref name="timeout"/> has
    /// passed (on the client's clock), whichever comes first.
    /// </summary>
    /// <param name="timeout">Longest wait, ≥ 0.</param>
    /// <returns>True if the queue is empty.</returns>
    public async Task<bool> DrainAsync(TimeSpan timeout)
    {
        if (_queue is not { } queue)
        {
            return true;
        }

        if (queue.Count == 0 || timeout <= TimeSpan.Zero || !_client.IsConnected)
        {
            return queue.Count == 0;
        }

        Task lost;
        lock (_stateLock)
        {
            lost = _disconnected.Task; // completed already if the connection dropped since the check above
        }

        using var cancelDelay = new CancellationTokenSource();
        await Task.WhenAny(queue.WhenEmpty(), lost, Task.Delay(timeout, _time, cancelDelay.Token)).ConfigureAwait(false);
        await cancelDelay.CancelAsync().ConfigureAwait(false);
        return queue.Count == 0;
    }

    /// <summary>Stops and releases everything.</summary>
    /// <returns>A task that completes when disposed.</returns>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stateSubscription.Dispose();
        await _client.DisposeAsync().ConfigureAwait(false);
        _queue?.Dispose();
        _dropped.OnCompleted();
        _dropped.Dispose();
        _stop.Dispose();
    }

    private void OnStateChange(MqttConnectionStateChange change)
    {
        lock (_stateLock)
        {
            OnStateChangeLocked(change);
        }
    }

    private void OnStateChangeLocked(MqttConnectionStateChange change)
    {
        if (change.IsConnected)
        {
            // _connected (the publish gate) is opened by the connect loop once subscriptions are restored.
            if (_disconnected.Task.IsCompleted)
            {
                _disconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
        else
        {
            if (_connected.Task.IsCompleted)
            {
                _connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            _disconnected.TrySetResult();
        }
    }

    private async Task ConnectLoopAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var result = await _client.ConnectAsync(stop).ConfigureAwait(false);
                _backoff.Reset();
                if (!result.SessionPresent)
                {
                    await RestoreSubscriptionsAsync(stop).ConfigureAwait(false);
                }

                lock (_stateLock)
                {
                    if (_client.IsConnected)
                    {
                        _connected.TrySetResult();
                    }
                }

                // Wait for the connection to end (OnStateChange completes the source of this connection).
                var current = _disconnected;
                await current.Task.WaitAsync(stop).ConfigureAwait(false);
                continue;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (MqttConnectingFailedException e)
            {
                LogReconnectFailed(_logger, e.ReasonCode.ToString(), e.Message);
            }
            catch (MqttClientException e)
            {
                LogReconnectFailed(_logger, "connection failed", e.Message);
            }

            var delay = _backoff.Next();
            LogReconnectDelay(_logger, delay.TotalSeconds);
            try
            {
                await Task.Delay(delay, _time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task RestoreSubscriptionsAsync(CancellationToken stop)
    {
        MqttTopicSubscription[] subs;
        lock (_subscriptions)
        {
            subs = [.. _subscriptions.Values];
        }

        if (subs.Length == 0)
        {
            return;
        }

        try
        {
            var result = await _client.SubscribeAsync(subs, stop).ConfigureAwait(false);
            LogResubscribed(_logger, subs.Length, result.IsSuccess);
        }
        catch (MqttClientException e)
        {
            LogSubscribeDeferred(_logger, "(all)", e.Message);
        }
    }

    private async Task PublishLoopAsync(CancellationToken stop)
    {
        var queue = _queue!;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var (sequence, message) = await queue.PeekAsync(stop).ConfigureAwait(false);
                await _connected.Task.WaitAsync(stop).ConfigureAwait(false);
                MqttPublishResult result;
                try
                {
                    result = await _client.PublishAsync(message, stop).ConfigureAwait(false);
                }
                catch (MqttConnectionLostException) when (!stop.IsCancellationRequested)
                {
                    // Transient: the message stays at the head of the queue and is published after reconnecting.
                    continue;
                }
                catch (MqttClientException e) when (!stop.IsCancellationRequested)
                {
                    // Not a connection problem (too large, QoS/retain unsupported): it will never succeed.
                    LogPublishRejected(_logger, message.Topic, e.Message);
                    queue.Remove(sequence);
                    Interlocked.Increment(ref _droppedCount);
                    _dropped.OnNext(message);
                    continue;
                }

                if (!result.IsSuccess)
                {
                    LogPublishRejected(_logger, message.Topic, result.ReasonCode.ToString());
                }

                queue.Remove(sequence);
                Interlocked.Increment(ref _publishedCount);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT offline queue full ({Capacity}): {Result}, topic {Topic}")]
    private static partial void LogOverflow(ILogger logger, MqttEnqueueResult result, string topic, int capacity);

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT durable queue: {Count} messages recovered, {Corrupt} torn bytes discarded")]
    private static partial void LogRecovered(ILogger logger, int count, long corrupt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT reconnect failed ({Reason}): {Detail}")]
    private static partial void LogReconnectFailed(ILogger logger, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MQTT next reconnect attempt in {Seconds:F1} s")]
    private static partial void LogReconnectDelay(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT restored {Count} subscriptions (all granted: {Granted})")]
    private static partial void LogResubscribed(ILogger logger, int count, bool granted);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT subscription change for {Filter} deferred: {Reason}")]
    private static partial void LogSubscribeDeferred(ILogger logger, string filter, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT stopping with {Count} message(s) not yet published (drain timeout {Seconds} s, connected: {Connected}); they stay in the durable queue if one is configured")]
    private static partial void LogNotDrained(ILogger logger, int count, double seconds, bool connected);

    [LoggerMessage(Level = LogLevel.Error, Message = "MQTT message to {Topic} dropped: {Reason}")]
    private static partial void LogPublishRejected(ILogger logger, string topic, string reason);
}
