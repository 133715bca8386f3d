namespace ReactorTwin.Adapters.Mqtt.Packets;

/// <summary>Control packet types (fixed header bits 7-4).</summary>
internal enum MqttPacketType : byte
{
    Connect = 1,
    ConnAck = 2,
    Publish = 3,
    PubAck = 4,
    PubRec = 5,
    PubRel = 6,
    PubComp = 7,
    Subscribe = 8,
    SubAck = 9,
    Unsubscribe = 10,
    UnsubAck = 11,
    PingReq = 12,
    PingResp = 13,
    Disconnect = 14,
    Auth = 15,
}

/// <summary>Base of the decoded/encodable control packets.</summary>
internal abstract class MqttPacket
{
    public abstract MqttPacketType Type { get; }

    public override string ToString() => Type.ToString().ToUpperInvariant();
}

/// <summary>MQTT 5.0 properties of any packet except PUBLISH (whose properties live on <see cref="MqttMessage"/>).
/// Null means "absent".</summary>
internal sealed class MqttProperties
{
    public uint? SessionExpiryInterval { get; set; }
    public string? AssignedClientIdentifier { get; set; }
    public ushort? ServerKeepAlive { get; set; }
    public string? AuthenticationMethod { get; set; }
    public byte[]? AuthenticationData { get; set; }
    public byte? RequestProblemInformation { get; set; }
    public byte? RequestResponseInformation { get; set; }
    public string? ResponseInformation { get; set; }
    public string? ServerReference { get; set; }
    public string? ReasonString { get; set; }
    public ushort? ReceiveMaximum { get; set; }
    public ushort? TopicAliasMaximum { get; set; }
    public byte? MaximumQoS { get; set; }
    public byte? RetainAvailable { get; set; }
    public uint? MaximumPacketSize { get; set; }
    public byte? WildcardSubscriptionAvailable { get; set; }
    public byte? SubscriptionIdentifierAvailable { get; set; }
    public byte? SharedSubscriptionAvailable { get; set; }
    public uint? SubscriptionIdentifier { get; set; }
    public uint? WillDelayInterval { get; set; }
    public byte? PayloadFormatIndicator { get; set; }
    public uint? MessageExpiryInterval { get; set; }
    public string? ContentType { get; set; }
    public string? ResponseTopic { get; set; }
    public byte[]? CorrelationData { get; set; }
    public ushort? TopicAlias { get; set; }
    public List<uint> SubscriptionIdentifiers { get; } = [];
    public List<MqttUserProperty> UserProperties { get; } = [];
}

internal sealed class MqttConnectPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Connect;
    public MqttProtocolVersion ProtocolVersion { get; set; } = MqttProtocolVersion.V311;
    public string ClientId { get; set; } = "";
    public bool CleanSession { get; set; } = true;
    public ushort KeepAliveSeconds { get; set; }
    public string? Username { get; set; }
    public byte[]? Password { get; set; }

    /// <summary>Will message (its v5 properties are on the message; will delay on <see cref="WillDelayInterval"/>).</summary>
    public MqttMessage? Will { get; set; }
    public uint? WillDelayInterval { get; set; }
    public MqttProperties Properties { get; set; } = new();
}

internal sealed class MqttConnAckPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.ConnAck;
    public bool SessionPresent { get; set; }

    /// <summary>Raw return code (3.1.1: 0-5) or reason code (5.0).</summary>
    public byte ReasonCode { get; set; }
    public MqttProperties Properties { get; set; } = new();
}

internal sealed class MqttPublishPacket : MqttPacket
{
    public MqttPublishPacket(MqttMessage message) => Message = message;
    public override MqttPacketType Type => MqttPacketType.Publish;
    public MqttMessage Message { get; set; }
    public ushort PacketId { get; set; }
    public bool Dup { get; set; }
    public ushort? TopicAlias { get; set; }
}

/// <summary>PUBACK, PUBREC, PUBREL or PUBCOMP.</summary>
internal sealed class MqttPublishAckPacket : MqttPacket
{
    public MqttPublishAckPacket(MqttPacketType type, ushort packetId, byte reasonCode = 0)
    {
        Type = type;
        PacketId = packetId;
        ReasonCode = reasonCode;
    }

    public override MqttPacketType Type { get; }
    public ushort PacketId { get; set; }
    public byte ReasonCode { get; set; }
    public MqttProperties Properties { get; set; } = new();
}

internal readonly record struct MqttSubscription(string Filter, MqttQualityOfService QualityOfService,
    bool NoLocal = false, bool RetainAsPublished = false, byte RetainHandling = 0);

internal sealed class MqttSubscribePacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Subscribe;
    public ushort PacketId { get; set; }
    public List<MqttSubscription> Subscriptions { get; } = [];
    public MqttProperties Properties { get; set; } = new();
}

internal sealed class MqttSubAckPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.SubAck;
    public ushort PacketId { get; set; }
    public List<byte> ReasonCodes { get; } = [];
    public MqttProperties Properties { get; set; } = new();
}

internal sealed class MqttUnsubscribePacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Unsubscribe;
    public ushort PacketId { get; set; }
    public List<string> Filters { get; } = [];
    public MqttProperties Properties { get; set; } = new();
}

internal sealed class MqttUnsubAckPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.UnsubAck;
    public ushort PacketId { get; set; }

    /// <summary>5.0 only: one reason code per filter.</summary>
    public List<byte> ReasonCodes { get; } = [];
    public MqttProperties Properties { get; set; } = new();
}

internal sealed class MqttPingReqPacket : MqttPacket
{
    public static readonly MqttPingReqPacket Instance = new();
    public override MqttPacketType Type => MqttPacketType.PingReq;
}

internal sealed class MqttPingRespPacket : MqttPacket
{
    public static readonly MqttPingRespPacket Instance = new();
    public override MqttPacketType Type => MqttPacketType.PingResp;
}

internal sealed class MqttDisconnectPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Disconnect;
    public byte ReasonCode { get; set; }
    public MqttProperties Properties { get; set; } = new();
}

internal sealed class MqttAuthPacket : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Auth;
    public byte ReasonCode { get; set; }
    public MqttProperties Properties { get; set; } = new();
}
