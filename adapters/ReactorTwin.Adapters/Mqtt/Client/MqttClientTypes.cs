namespace ReactorTwin.Adapters.Mqtt;

/// <summary>Why a connection ended.</summary>
public enum MqttDisconnectReason
{
    /// <summary>The application called <see cref="MqttClient.DisconnectAsync"/> or disposed the client.</summary>
    ClientRequested,

    /// <summary>The server sent DISCONNECT (MQTT 5.0) — see the reason code.</summary>
    ServerDisconnected,

    /// <summary>The TCP/TLS connection failed or was closed by the peer.</summary>
    ConnectionLost,

    /// <summary>No PINGRESP arrived within the ping response timeout.</summary>
    KeepAliveTimeout,

    /// <summary>The peer sent malformed bytes or violated the protocol; the connection was closed by us.</summary>
    ProtocolViolation,
}

/// <summary>A change of connection state, published on <see cref="MqttClient.ConnectionStateChanges"/>.</summary>
public sealed class MqttConnectionStateChange
{
    internal MqttConnectionStateChange(bool isConnected, bool sessionPresent, MqttDisconnectReason? reason,
        MqttReasonCode? reasonCode, string? message, Exception? exception)
    {
        IsConnected = isConnected;
        SessionPresent = sessionPresent;
        Reason = reason;
        ReasonCode = reasonCode;
        Message = message;
        Exception = exception;
    }

    /// <summary>True on connect, false on disconnect.</summary>
    public bool IsConnected { get; }

    /// <summary>On connect: whether the broker resumed a stored session.</summary>
    public bool SessionPresent { get; }

    /// <summary>On disconnect: why.</summary>
    public MqttDisconnectReason? Reason { get; }

    /// <summary>On disconnect: the reason code sent by the server, or the one we sent/would send.</summary>
    public MqttReasonCode? ReasonCode { get; }

    /// <summary>Human-readable detail.</summary>
    public string? Message { get; }

    /// <summary>The exception that ended the connection, if any.</summary>
    public Exception? Exception { get; }

    /// <inheritdoc/>
    public override string ToString() => IsConnected
        ? $"Connected (session present: {SessionPresent})"
        : $"Disconnected: {Reason} {ReasonCode} {Message}";
}

/// <summary>Result of a successful CONNECT.</summary>
public sealed class MqttConnectResult
{
    internal MqttConnectResult() { }

    /// <summary>Whether the broker resumed a stored session (CONNACK session present).</summary>
    public bool SessionPresent { get; internal init; }

    /// <summary>Client identifier the broker assigned (MQTT 5.0), or null.</summary>
    public string? AssignedClientIdentifier { get; internal init; }

    /// <summary>Keep-alive period in force (the server's if it sent Server Keep Alive).</summary>
    public TimeSpan KeepAlivePeriod { get; internal init; }

    /// <summary>Server Receive Maximum (65535 when not sent).</summary>
    public ushort ServerReceiveMaximum { get; internal init; }

    /// <summary>Server Maximum Packet Size (<see cref="uint.MaxValue"/> when not sent).</summary>
    public uint ServerMaximumPacketSize { get; internal init; }

    /// <summary>Highest QoS the server supports (2 when not sent).</summary>
    public MqttQualityOfService ServerMaximumQoS { get; internal init; }

    /// <summary>Whether the server supports retained messages.</summary>
    public bool RetainAvailable { get; internal init; }

    /// <summary>MQTT 5.0 user properties of the CONNACK.</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; internal init; } = [];
}

/// <summary>Outcome of a publish: <see cref="MqttReasonCode.Success"/> (or <see cref="MqttReasonCode.NoMatchingSubscribers"/>)
/// when the QoS handshake completed, an error reason code (≥ 0x80) when an MQTT 5.0 server refused the message.</summary>
/// <param name="ReasonCode">Reason code of the PUBACK/PUBREC (always Success for QoS 0 and on 3.1.1).</param>
/// <param name="PacketId">Packet identifier used (0 for QoS 0).</param>
public readonly record struct MqttPublishResult(MqttReasonCode ReasonCode, ushort PacketId)
{
    /// <summary>True unless the server refused the message.</summary>
    public bool IsSuccess => (byte)ReasonCode < 0x80;
}

/// <summary>Outcome of SUBSCRIBE: one code per requested filter (granted QoS 0/1/2, or an error ≥ 0x80).</summary>
public sealed class MqttSubscribeResult
{
    internal MqttSubscribeResult(IReadOnlyList<MqttReasonCode> codes) => ReasonCodes = codes;

    /// <summary>Per-filter result codes in request order.</summary>
    public IReadOnlyList<MqttReasonCode> ReasonCodes { get; }

    /// <summary>True when every filter was granted.</summary>
    public bool IsSuccess => ReasonCodes.All(c => (byte)c < 0x80);
}
