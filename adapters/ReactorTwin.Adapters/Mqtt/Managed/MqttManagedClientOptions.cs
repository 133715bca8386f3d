namespace ReactorTwin.Adapters.Mqtt;

/// <summary>What to do when the offline queue is full.</summary>
public enum MqttQueueOverflowPolicy
{
    /// <summary>Drop the oldest queued message to make room (newest data wins). Default.</summary>
    DropOldest,

    /// <summary>Drop the message being enqueued.</summary>
    DropNewest,

    /// <summary>Refuse the message: <see cref="MqttManagedClient.EnqueueAsync"/> throws <see cref="MqttQueueFullException"/>.</summary>
    Reject,
}

/// <summary>Outcome of <see cref="MqttManagedClient.EnqueueAsync"/>.</summary>
public enum MqttEnqueueResult
{
    /// <summary>Queued.</summary>
    Enqueued,

    /// <summary>Queued; the oldest queued message was dropped to make room.</summary>
    EnqueuedDroppedOldest,

    /// <summary>Not queued: the queue was full (policy <see cref="MqttQueueOverflowPolicy.DropNewest"/>).</summary>
    DroppedNewest,

    /// <summary>Not queued: the queue was full (policy <see cref="MqttQueueOverflowPolicy.Reject"/>).</summary>
    Rejected,
}

/// <summary>The offline queue is full and the policy is <see cref="MqttQueueOverflowPolicy.Reject"/>.</summary>
public sealed class MqttQueueFullException : MqttClientException
{
    /// <summary>Creates the exception.</summary>
    public MqttQueueFullException() : base("The MQTT offline queue is full.") { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Description.</param>
    public MqttQueueFullException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Description.</param>
    /// <param name="innerException">Cause.</param>
    public MqttQueueFullException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>Settings of an <see cref="MqttManagedClient"/>.</summary>
public sealed record MqttManagedClientOptions
{
    /// <summary>Creates the settings.</summary>
    /// <param name="clientOptions">Connection settings of the underlying client. For no loss across broker restarts
    /// use a fixed client id and a persistent session (3.1.1: CleanSession = false; 5.0: a session expiry).</param>
    public MqttManagedClientOptions(MqttClientOptions clientOptions)
    {
        ArgumentNullException.ThrowIfNull(clientOptions);
        ClientOptions = clientOptions;
    }

    /// <summary>Connection settings of the underlying client.</summary>
    public MqttClientOptions ClientOptions { get; init; }

    /// <summary>Largest number of messages waiting to be published. Default 10 000.</summary>
    public int MaxPendingMessages { get; init; } = 10_000;

    /// <summary>What happens when the queue is full. Default <see cref="MqttQueueOverflowPolicy.DropOldest"/>.</summary>
    public MqttQueueOverflowPolicy OverflowPolicy { get; init; } = MqttQueueOverflowPolicy.DropOldest;

    /// <summary>Directory for the durable queue log; null keeps the queue in memory only. Default null.</summary>
    public string? QueueDirectory { get; init; }

    /// <summary>First reconnect delay; later ones grow exponentially with decorrelated jitter (Polly's retry strategy,
    /// seeded by the random source given to the client) up to <see cref="MaxReconnectDelay"/>. Default 1 s.</summary>
    public TimeSpan InitialReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest reconnect delay. Default 60 s.</summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Publishes sent before the oldest is acknowledged (pipelining; QoS 0 messages count too). The broker's MQTT 5.0
    /// Receive Maximum lowers it. 1 publishes strictly one at a time. Messages always leave in queue order. Default 32.
    /// </summary>
    public int MaxInFlightMessages { get; init; } = 32;

    /// <summary>
    /// How long <see cref="MqttManagedClient.StopAsync()"/> waits, while connected, for the queued messages to be
    /// published before it disconnects (what is left stays in the durable log, if any). Zero skips draining. Default 5 s.
    /// </summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentException">A setting is invalid.</exception>
    public void Validate()
    {
        ClientOptions.Validate();
        if (MaxPendingMessages < 1)
        {
            throw new ArgumentException($"MaxPendingMessages {MaxPendingMessages} must be at least 1.", nameof(MaxPendingMessages));
        }

        if (InitialReconnectDelay <= TimeSpan.Zero || MaxReconnectDelay < InitialReconnectDelay)
        {
            throw new ArgumentException("Reconnect delays must be positive with Max ≥ Initial.", nameof(InitialReconnectDelay));
        }

        if (DrainTimeout < TimeSpan.Zero)
        {
            throw new ArgumentException("DrainTimeout must be ≥ 0.", nameof(DrainTimeout));
        }

        if (MaxInFlightMessages is < 1 or > ushort.MaxValue)
        {
            throw new ArgumentException($"MaxInFlightMessages {MaxInFlightMessages} must be in 1..65535.", nameof(MaxInFlightMessages));
        }
    }
}
