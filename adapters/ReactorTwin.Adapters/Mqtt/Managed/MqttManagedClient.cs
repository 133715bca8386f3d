using System.Reactive.Linq;
using System.Reactive.Subjects;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using Polly;
using Polly.Retry;
using ReactorTwin.Adapters.Mqtt.Client;
using ReactorTwin.Adapters.Mqtt.Managed;

namespace ReactorTwin.Adapters.Mqtt;

/// <summary>An MQTT client for an unattended device, on MQTTnet's <see cref="IMqttClient"/>: it reconnects with
/// exponential backoff and jitter (a Polly retry pipeline on the injected clock), publishes from a bounded (optionally
/// durable) offline queue, restores subscriptions when the broker lost the session, acknowledges received messages in
/// receive order and only when the application allows (<see cref="MqttMessage.DeferAcknowledgement"/>), adapts to the
/// broker's announced limits, and reports every dropped message.</summary>
/// <remarks>Messages leave in queue order, up to <see cref="MqttManagedClientOptions.MaxInFlightMessages"/> at a time,
/// and are removed from the queue only when their QoS handshake completes, so a QoS 1/2 message is delivered at least
/// once across disconnects, broker restarts and (with <see cref="MqttManagedClientOptions.QueueDirectory"/>) restarts of
/// this process.</remarks>
public sealed partial class MqttManagedClient : IAsyncDisposable
{
    private readonly MqttManagedClientOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline _reconnect;
    private readonly MqttClientAdapter _client;
    private readonly Dictionary<string, MqttTopicSubscription> _subscriptions = [];
    private readonly HashSet<string> _confirmed = new(StringComparer.Ordinal); // granted in the broker's current session
    private readonly Subject<MqttMessage> _dropped = new();
    private readonly IDisposable _stateSubscription;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _stateLock = new();
    private MqttMessage? _will;
    private MqttOfflineQueue? _queue;
    private TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _connectLoop = Task.CompletedTask;
    private Task _publishLoop = Task.CompletedTask;
    private long _droppedCount;
    private long _publishedCount;
    private long _connectAttempts;
    private int _started;

    /// <summary>Creates the client; call <see cref="StartAsync"/> to begin.</summary>
    /// <param name="options">Settings (validated here: <see cref="ArgumentException"/> names a bad one).</param>
    /// <param name="logger">Logger; optional.</param>
    /// <param name="timeProvider">Clock of the reconnect backoff and of <see cref="DrainAsync"/>; default
    /// <see cref="TimeProvider.System"/>. Network timeouts and keep-alive run on the real clock inside MQTTnet.</param>
    /// <param name="random">Seeded random source of the backoff jitter; default seed 0.</param>
    public MqttManagedClient(MqttManagedClientOptions options, ILogger? logger = null, TimeProvider? timeProvider = null, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _will = options.ClientOptions.Will;
        var jitter = random ?? new Random(0);
        _reconnect = new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is not null and not OperationCanceledException),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.InitialReconnectDelay,
                MaxDelay = options.MaxReconnectDelay,
                Randomizer = jitter.NextDouble,
                OnRetry = args =>
                {
                    LogReconnectFailed(_logger, args.Outcome.Exception!.Message, args.RetryDelay.TotalSeconds);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        _client = new MqttClientAdapter(options.ClientOptions, _logger);
        _stateSubscription = _client.ConnectionStateChanges.Subscribe(OnStateChange);
    }

    /// <summary>Whether the client is connected.</summary>
    public bool IsConnected => _client.IsConnected;

    /// <summary>Every message received on any connection (delivered on MQTTnet's receive task, in arrival order).</summary>
    public IObservable<MqttMessage> Messages => _client.Messages;

    /// <summary>Every successful connect (after CONNACK) and every loss of a connection.</summary>
    public IObservable<MqttConnectionStateChange> ConnectionStateChanges => _client.ConnectionStateChanges;

    /// <summary>Messages dropped by the overflow policy or refused for good (larger than the broker accepts), also
    /// counted in <see cref="DroppedMessageCount"/> and logged.</summary>
    public IObservable<MqttMessage> DroppedMessages => _dropped.AsObservable();

    /// <summary>Messages dropped since start.</summary>
    public long DroppedMessageCount => Interlocked.Read(ref _droppedCount);

    /// <summary>Messages whose publish completed since start.</summary>
    public long PublishedMessageCount => Interlocked.Read(ref _publishedCount);

    /// <summary>Messages waiting to be published (including those in flight).</summary>
    public int PendingMessageCount => _queue?.Count ?? 0;

    /// <summary>Messages recovered from the durable queue at start.</summary>
    public int RecoveredMessageCount => _queue?.RecoveredCount ?? 0;

    /// <summary>Acknowledgements of received QoS 1/2 messages not yet sent (deferred, or waiting for an earlier one).</summary>
    internal int OwedAcknowledgementCount => _client.OwedAcknowledgements;

    /// <summary>Connection attempts made since start (successful or not).</summary>
    public long ConnectAttemptCount => Interlocked.Read(ref _connectAttempts);

    /// <summary>Received messages whose topic matches a filter.</summary>
    /// <param name="topicFilter">Topic filter.</param>
    /// <returns>The filtered stream.</returns>
    public IObservable<MqttMessage> Observe(string topicFilter)
    {
        ArgumentNullException.ThrowIfNull(topicFilter);
        return _client.Messages.Where(m => MqttTopic.Matches(topicFilter, m.Topic));
    }

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
            throw new ArgumentException($"topic '{message.Topic}': {why}", nameof(message));
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

    /// <summary>
    /// Stops taking messages: from now on a PUBLISH received is neither delivered nor acknowledged, so the broker keeps
    /// it for the next session (a persistent one redelivers it). Call it before the application's observers go away at
    /// shutdown, while the client still publishes: a message nobody deferred would otherwise be acknowledged on arrival
    /// and lost. <see cref="StopAsync"/> calls it first. Irreversible.
    /// </summary>
    public void StopReceiving() => _client.StopReceiving();

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

        StopReceiving();

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
                LogDisconnected(_logger, change.Reason ?? "unknown");
            }
        }
    }

    private async Task ConnectLoopAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var limits = await _reconnect.ExecuteAsync(ConnectOnceAsync, stop).ConfigureAwait(false);
                await RestoreSubscriptionsAsync(limits.SessionPresent, stop).ConfigureAwait(false);

                Task ended;
                lock (_stateLock)
                {
                    if (_client.IsConnected)
                    {
                        _connected.TrySetResult();
                    }

                    ended = _disconnected.Task;
                }

                await ended.WaitAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>One connection attempt. A broker that refuses the will (its QoS above the broker's maximum, or retained
    /// when the broker keeps no retained messages) is asked again at once with a will it accepts, with a warning.</summary>
    private async ValueTask<MqttServerLimits> ConnectOnceAsync(CancellationToken stop)
    {
        while (true)
        {
            Interlocked.Increment(ref _connectAttempts);
            try
            {
                return await _client.ConnectAsync(_will, stop).ConfigureAwait(false);
            }
            catch (MqttConnectingFailedException e) when (_will is { } will && AdaptWill(will, e.ResultCode) is { } adapted)
            {
                LogWillAdapted(_logger, will.Topic, e.ResultCode.ToString(), (int)adapted.QualityOfService, adapted.Retain);
                _will = adapted;
            }
        }
    }

    private static MqttMessage? AdaptWill(MqttMessage will, MqttClientConnectResultCode refusal) => refusal switch
    {
        MqttClientConnectResultCode.RetainNotSupported when will.Retain =>
            new MqttMessage(will.Topic, will.Payload, will.QualityOfService, retain: false),
        MqttClientConnectResultCode.QoSNotSupported when will.QualityOfService > MqttQualityOfService.AtMostOnce =>
            new MqttMessage(will.Topic, will.Payload, will.QualityOfService - 1, will.Retain),
        _ => null,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT offline queue full ({Capacity}): {Result}, topic {Topic}")]
    private static partial void LogOverflow(ILogger logger, MqttEnqueueResult result, string topic, int capacity);

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT durable queue: {Count} messages recovered, {Corrupt} torn bytes discarded")]
    private static partial void LogRecovered(ILogger logger, int count, long corrupt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT reconnect failed: {Detail}; next attempt in {Seconds:F1} s")]
    private static partial void LogReconnectFailed(ILogger logger, string detail, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT disconnected: {Reason}")]
    private static partial void LogDisconnected(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT broker refused the will on '{Topic}' ({Refusal}); connecting with a will at QoS {Qos}, retain {Retain}")]
    private static partial void LogWillAdapted(ILogger logger, string topic, string refusal, int qos, bool retain);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT stopping with {Count} message(s) not yet published (drain timeout {Seconds} s, connected: {Connected}); they stay in the durable queue if one is configured")]
    private static partial void LogNotDrained(ILogger logger, int count, double seconds, bool connected);

    [LoggerMessage(Level = LogLevel.Error, Message = "MQTT message to {Topic} dropped: {Reason}")]
    private static partial void LogPublishRejected(ILogger logger, string topic, string reason);
}
