using ReactorTwin.Adapters.Mqtt.Client;

namespace ReactorTwin.Adapters.Mqtt;

/// <summary>The MQTT protocol level spoken on a connection.</summary>
public enum MqttProtocolVersion
{
    /// <summary>MQTT 3.1.1 (OASIS standard, protocol level 4).</summary>
    V311 = 4,

    /// <summary>MQTT 5.0 (OASIS standard, protocol level 5).</summary>
    V500 = 5,
}

/// <summary>Delivery guarantee of a message (MQTT 3.1.1 §4.3, MQTT 5.0 §4.3).</summary>
public enum MqttQualityOfService
{
    /// <summary>QoS 0: fire and forget, no acknowledgement.</summary>
    AtMostOnce = 0,

    /// <summary>QoS 1: acknowledged by PUBACK; duplicates are possible.</summary>
    AtLeastOnce = 1,

    /// <summary>QoS 2: four-way PUBLISH/PUBREC/PUBREL/PUBCOMP handshake; delivered exactly once.</summary>
    ExactlyOnce = 2,
}

/// <summary>A name/value pair carried as an MQTT 5.0 user property (ignored on MQTT 3.1.1 connections).</summary>
/// <param name="Name">Property name (UTF-8, no U+0000).</param>
/// <param name="Value">Property value (UTF-8, no U+0000).</param>
public readonly record struct MqttUserProperty(string Name, string Value);

/// <summary>An application message: what is published and what subscribers receive.</summary>
/// <remarks>Instances are immutable once created and may be published any number of times.</remarks>
public sealed class MqttMessage
{
    /// <summary>Creates a message.</summary>
    /// <param name="topic">Topic name: non-empty, no wildcards, no U+0000, at most 65535 UTF-8 bytes.</param>
    /// <param name="payload">Application payload (may be empty).</param>
    /// <param name="qualityOfService">Delivery guarantee.</param>
    /// <param name="retain">Whether the broker retains the message for future subscribers.</param>
    public MqttMessage(string topic, ReadOnlyMemory<byte> payload,
        MqttQualityOfService qualityOfService = MqttQualityOfService.AtMostOnce, bool retain = false)
    {
        ArgumentNullException.ThrowIfNull(topic);
        Topic = topic;
        Payload = payload;
        QualityOfService = qualityOfService;
        Retain = retain;
    }

    /// <summary>Topic name the message is published to.</summary>
    public string Topic { get; }

    /// <summary>Application payload.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>Delivery guarantee (for a received message: the QoS it was delivered with).</summary>
    public MqttQualityOfService QualityOfService { get; }

    /// <summary>Retain flag (for a received message: set when it is a retained message sent on subscription).</summary>
    public bool Retain { get; }

    /// <summary>MQTT 5.0 message expiry interval in seconds; <see langword="null"/> means the message does not expire.</summary>
    public uint? MessageExpiryIntervalSeconds { get; init; }

    /// <summary>MQTT 5.0 payload format indicator: <see langword="true"/> when the payload is UTF-8 text.</summary>
    public bool? PayloadIsUtf8 { get; init; }

    /// <summary>MQTT 5.0 content type (e.g. a MIME type).</summary>
    public string? ContentType { get; init; }

    /// <summary>MQTT 5.0 response topic for request/response.</summary>
    public string? ResponseTopic { get; init; }

    /// <summary>MQTT 5.0 correlation data for request/response.</summary>
    public ReadOnlyMemory<byte>? CorrelationData { get; init; }

    /// <summary>MQTT 5.0 user properties (empty when none).</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];

    /// <summary>For a received message: the broker set the DUP flag (a redelivery of a QoS 1/2 message whose
    /// acknowledgement it did not get).</summary>
    public bool IsDuplicate { get; init; }

    /// <summary>MQTT 5.0 subscription identifiers of the subscriptions that matched a received message.</summary>
    public IReadOnlyList<uint> SubscriptionIdentifiers { get; init; } = [];

    /// <summary>The pending acknowledgement of a QoS 1/2 message received from a broker; <see langword="null"/> otherwise.</summary>
    internal MqttInboundAcknowledgement? InboundAcknowledgement { get; init; }

    /// <summary>
    /// Takes over the acknowledgement of a QoS 1 or 2 message received from a broker: the client then sends its
    /// PUBACK (QoS 1) or PUBREC (QoS 2) only when <see cref="Acknowledge"/> is called, instead of as soon as the
    /// observers of <see cref="MqttManagedClient.Messages"/> have returned. Use it when a message must be made durable (e.g.
    /// committed to a journal) before the broker may forget it: if the process dies first, the broker still holds the
    /// message and redelivers it (DUP set) when the client reconnects into its persistent session.
    /// Call it synchronously from an observer while the message is being delivered.
    /// </summary>
    /// <returns><see langword="true"/> when the acknowledgement is now deferred (also when it already was);
    /// <see langword="false"/> for QoS 0, for a message not received from a broker, or once the acknowledgement is
    /// on its way.</returns>
    public bool DeferAcknowledgement() => InboundAcknowledgement?.Defer() ?? false;

    /// <summary>
    /// Sends the acknowledgement deferred by <see cref="DeferAcknowledgement"/>. Acknowledgements leave in the order the
    /// messages were received (MQTT 3.1.1 and 5.0 §4.6), so one acknowledged early waits for those received before
    /// it. Idempotent; does nothing when nothing was deferred. When the connection the message arrived on has closed
    /// meanwhile, nothing is sent: the broker redelivers the message on the next connection.
    /// </summary>
    public void Acknowledge() => InboundAcknowledgement?.Complete();

    /// <summary>Returns the payload decoded as UTF-8 (invalid sequences are replaced).</summary>
    /// <returns>The payload text.</returns>
    public string PayloadAsString() => System.Text.Encoding.UTF8.GetString(Payload.Span);

    /// <inheritdoc/>
    public override string ToString() => $"{Topic} ({Payload.Length} B, QoS {(int)QualityOfService}{(Retain ? ", retained" : "")})";
}

/// <summary>Retain handling option of an MQTT 5.0 subscription.</summary>
public enum MqttRetainHandling
{
    /// <summary>Send retained messages at the time of the subscribe.</summary>
    SendAtSubscribe = 0,

    /// <summary>Send retained messages only if the subscription did not exist.</summary>
    SendAtSubscribeIfNew = 1,

    /// <summary>Do not send retained messages.</summary>
    DoNotSend = 2,
}

/// <summary>One topic filter of a SUBSCRIBE request.</summary>
/// <param name="TopicFilter">Filter, may contain '+' and '#'.</param>
/// <param name="QualityOfService">Maximum QoS requested (the broker may grant less, e.g. its Maximum QoS).</param>
public sealed record MqttTopicSubscription(string TopicFilter, MqttQualityOfService QualityOfService = MqttQualityOfService.AtLeastOnce)
{
    /// <summary>MQTT 5.0: do not receive our own publications.</summary>
    public bool NoLocal { get; init; }

    /// <summary>MQTT 5.0: keep the retain flag as published.</summary>
    public bool RetainAsPublished { get; init; }

    /// <summary>MQTT 5.0: when retained messages are sent.</summary>
    public MqttRetainHandling RetainHandling { get; init; }
}

/// <summary>A change of connection state, published on <see cref="MqttManagedClient.ConnectionStateChanges"/>.</summary>
public sealed class MqttConnectionStateChange
{
    internal MqttConnectionStateChange(bool isConnected, bool sessionPresent, string? reason, Exception? exception)
    {
        IsConnected = isConnected;
        SessionPresent = sessionPresent;
        Reason = reason;
        Exception = exception;
    }

    /// <summary>True on connect, false on disconnect.</summary>
    public bool IsConnected { get; }

    /// <summary>On connect: whether the broker resumed a stored session.</summary>
    public bool SessionPresent { get; }

    /// <summary>On disconnect: why (MQTTnet's disconnect reason, or the server's reason string).</summary>
    public string? Reason { get; }

    /// <summary>The exception that ended the connection, if any.</summary>
    public Exception? Exception { get; }

    /// <inheritdoc/>
    public override string ToString() => IsConnected
        ? $"Connected (session present: {SessionPresent})"
        : $"Disconnected: {Reason}{(Exception is null ? "" : " (" + Exception.Message + ")")}";
}
