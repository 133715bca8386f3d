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

    /// <summary>MQTT 5.0 subscription identifiers of the subscriptions that matched a received message.</summary>
    public IReadOnlyList<uint> SubscriptionIdentifiers { get; init; } = [];

    /// <summary>The pending acknowledgement of a QoS 1/2 message received from a broker; <see langword="null"/> otherwise.</summary>
    internal MqttInboundAcknowledgement? InboundAcknowledgement { get; set; }

    /// <summary>
    /// Takes over the acknowledgement of a QoS 1 or 2 message received from a broker: the client then sends its
    /// PUBACK (QoS 1) or PUBREC (QoS 2) only when <see cref="Acknowledge"/> is called, instead of as soon as the
    /// observers of <see cref="MqttClient.Messages"/> have returned. Use it when a message must be made durable (e.g.
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

/// <summary>MQTT 5.0 reason codes (§2.4). MQTT 3.1.1 CONNACK return codes are reported through the same values.</summary>
public enum MqttReasonCode : byte
{
    /// <summary>Success / normal disconnection / granted QoS 0.</summary>
    Success = 0x00,
    /// <summary>Granted QoS 1.</summary>
    GrantedQoS1 = 0x01,
    /// <summary>Granted QoS 2.</summary>
    GrantedQoS2 = 0x02,
    /// <summary>Disconnect and publish the will message.</summary>
    DisconnectWithWillMessage = 0x04,
    /// <summary>The message was accepted but nobody is subscribed.</summary>
    NoMatchingSubscribers = 0x10,
    /// <summary>No subscription existed for the filter.</summary>
    NoSubscriptionExisted = 0x11,
    /// <summary>Continue authentication.</summary>
    ContinueAuthentication = 0x18,
    /// <summary>Re-authenticate.</summary>
    ReAuthenticate = 0x19,
    /// <summary>Unspecified error.</summary>
    UnspecifiedError = 0x80,
    /// <summary>Malformed packet.</summary>
    MalformedPacket = 0x81,
    /// <summary>Protocol error.</summary>
    ProtocolError = 0x82,
    /// <summary>Implementation-specific error.</summary>
    ImplementationSpecificError = 0x83,
    /// <summary>Unsupported protocol version.</summary>
    UnsupportedProtocolVersion = 0x84,
    /// <summary>Client identifier not valid.</summary>
    ClientIdentifierNotValid = 0x85,
    /// <summary>Bad user name or password.</summary>
    BadUserNameOrPassword = 0x86,
    /// <summary>Not authorized.</summary>
    NotAuthorized = 0x87,
    /// <summary>Server unavailable.</summary>
    ServerUnavailable = 0x88,
    /// <summary>Server busy.</summary>
    ServerBusy = 0x89,
    /// <summary>Banned.</summary>
    Banned = 0x8A,
    /// <summary>Server shutting down.</summary>
    ServerShuttingDown = 0x8B,
    /// <summary>Bad authentication method.</summary>
    BadAuthenticationMethod = 0x8C,
    /// <summary>Keep-alive timeout.</summary>
    KeepAliveTimeout = 0x8D,
    /// <summary>Session taken over by another connection.</summary>
    SessionTakenOver = 0x8E,
    /// <summary>Topic filter invalid.</summary>
    TopicFilterInvalid = 0x8F,
    /// <summary>Topic name invalid.</summary>
    TopicNameInvalid = 0x90,
    /// <summary>Packet identifier in use.</summary>
    PacketIdentifierInUse = 0x91,
    /// <summary>Packet identifier not found.</summary>
    PacketIdentifierNotFound = 0x92,
    /// <summary>Receive maximum exceeded.</summary>
    ReceiveMaximumExceeded = 0x93,
    /// <summary>Topic alias invalid.</summary>
    TopicAliasInvalid = 0x94,
    /// <summary>Packet too large.</summary>
    PacketTooLarge = 0x95,
    /// <summary>Message rate too high.</summary>
    MessageRateTooHigh = 0x96,
    /// <summary>Quota exceeded.</summary>
    QuotaExceeded = 0x97,
    /// <summary>Administrative action.</summary>
    AdministrativeAction = 0x98,
    /// <summary>Payload format invalid.</summary>
    PayloadFormatInvalid = 0x99,
    /// <summary>Retain not supported.</summary>
    RetainNotSupported = 0x9A,
    /// <summary>QoS not supported.</summary>
    QoSNotSupported = 0x9B,
    /// <summary>Use another server.</summary>
    UseAnotherServer = 0x9C,
    /// <summary>Server moved.</summary>
    ServerMoved = 0x9D,
    /// <summary>Shared subscriptions not supported.</summary>
    SharedSubscriptionsNotSupported = 0x9E,
    /// <summary>Connection rate exceeded.</summary>
    ConnectionRateExceeded = 0x9F,
    /// <summary>Maximum connect time.</summary>
    MaximumConnectTime = 0xA0,
    /// <summary>Subscription identifiers not supported.</summary>
    SubscriptionIdentifiersNotSupported = 0xA1,
    /// <summary>Wildcard subscriptions not supported.</summary>
    WildcardSubscriptionsNotSupported = 0xA2,
}

/// <summary>Exception thrown for bytes that violate the MQTT wire format or protocol rules.</summary>
/// <remarks>This is the only exception the packet decoder throws for bad input; the client turns it into a
/// closed connection with MqttDisconnectReason.ProtocolViolation.</remarks>
public sealed class MqttProtocolException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="reasonCode">MQTT 5.0 reason code that describes the violation.</param>
    /// <param name="message">What was wrong.</param>
    public MqttProtocolException(MqttReasonCode reasonCode, string message) : base(message) => ReasonCode = reasonCode;

    /// <summary>Creates a malformed-packet exception.</summary>
    public MqttProtocolException() : this(MqttReasonCode.MalformedPacket, "Malformed MQTT packet.") { }

    /// <summary>Creates a malformed-packet exception.</summary>
    /// <param name="message">What was wrong.</param>
    public MqttProtocolException(string message) : this(MqttReasonCode.MalformedPacket, message) { }

    /// <summary>Creates a malformed-packet exception.</summary>
    /// <param name="message">What was wrong.</param>
    /// <param name="innerException">The cause.</param>
    public MqttProtocolException(string message, Exception innerException) : base(message, innerException) =>
        ReasonCode = MqttReasonCode.MalformedPacket;

    /// <summary>MQTT 5.0 reason code classifying the violation (malformed packet, protocol error, packet too large...).</summary>
    public MqttReasonCode ReasonCode { get; }
}

/// <summary>Exception for a failed client operation: not connected, connection lost, broker refusal, timeout.</summary>
public class MqttClientException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MqttClientException() { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    public MqttClientException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The cause.</param>
    public MqttClientException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>The broker refused the connection (CONNACK with a non-zero return/reason code).</summary>
public sealed class MqttConnectingFailedException : MqttClientException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="reasonCode">The refusal, as an MQTT 5.0 reason code (3.1.1 return codes are mapped).</param>
    /// <param name="message">Description.</param>
    public MqttConnectingFailedException(MqttReasonCode reasonCode, string message) : base(message) => ReasonCode = reasonCode;

    /// <summary>Creates the exception.</summary>
    public MqttConnectingFailedException() : this(MqttReasonCode.UnspecifiedError, "Connection refused.") { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Description.</param>
    public MqttConnectingFailedException(string message) : this(MqttReasonCode.UnspecifiedError, message) { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Description.</param>
    /// <param name="innerException">Cause.</param>
    public MqttConnectingFailedException(string message, Exception innerException) : base(message, innerException) =>
        ReasonCode = MqttReasonCode.UnspecifiedError;

    /// <summary>Why the broker refused (e.g. <see cref="MqttReasonCode.BadUserNameOrPassword"/>).</summary>
    public MqttReasonCode ReasonCode { get; }
}

/// <summary>The client is not connected, or the connection (or the broker's session) was lost before the operation
/// completed. Transient: retrying after a reconnect may succeed.</summary>
public sealed class MqttConnectionLostException : MqttClientException
{
    /// <summary>Creates the exception.</summary>
    public MqttConnectionLostException() : base("The MQTT client is not connected.") { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Description.</param>
    public MqttConnectionLostException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Description.</param>
    /// <param name="innerException">Cause.</param>
    public MqttConnectionLostException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>A packet would exceed the maximum packet size the server accepts (MQTT 5.0 Maximum Packet Size) or the
/// protocol limit of 268 435 455 bytes; nothing was sent. Permanent for this message.</summary>
public sealed class MqttPacketTooLargeException : MqttClientException
{
    /// <summary>Creates the exception.</summary>
    public MqttPacketTooLargeException() : base("The packet is too large.") { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Description.</param>
    public MqttPacketTooLargeException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Description.</param>
    /// <param name="innerException">Cause.</param>
    public MqttPacketTooLargeException(string message, Exception innerException) : base(message, innerException) { }
}
