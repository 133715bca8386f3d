using System.Buffers;
using ReactorTwin.Adapters.Mqtt.Packets;

namespace ReactorTwin.Adapters.Mqtt.Formatter;

/// <summary>Which packets a property may appear in (MQTT 5.0 §2.2.2.2).</summary>
[Flags]
internal enum PropertyScope
{
    None = 0,
    Connect = 1,
    ConnAck = 2,
    Publish = 4,
    PublishAck = 8,
    Subscribe = 16,
    SubAck = 32,
    Unsubscribe = 64,
    UnsubAck = 128,
    Disconnect = 256,
    Auth = 512,
    Will = 1024,
}

/// <summary>Encodes and decodes control packets of one protocol version. Not thread-safe: one instance per
/// connection, used under the connection's send lock (encode) or by its single reader (decode).</summary>
/// <remarks>The packet layouts shared by both versions are here; <see cref="Mqtt311PacketFormatter"/> and
/// <see cref="Mqtt500PacketFormatter"/> supply properties, reason codes and version-specific rules.</remarks>
internal abstract class MqttPacketFormatter
{
    private readonly MqttBufferWriter _body = new();

    public abstract MqttProtocolVersion ProtocolVersion { get; }

    public static MqttPacketFormatter Create(MqttProtocolVersion version) => version switch
    {
        MqttProtocolVersion.V311 => new Mqtt311PacketFormatter(),
        MqttProtocolVersion.V500 => new Mqtt500PacketFormatter(),
        _ => throw new ArgumentOutOfRangeException(nameof(version), version, "Unsupported MQTT protocol version."),
    };

    // ---------------------------------------------------------------- encoding

    /// <summary>Encodes a whole packet (fixed header, variable header, payload) into <paramref name="output"/>.</summary>
    /// <returns>Number of bytes written.</returns>
    /// <exception cref="MqttPacketTooLargeException">The packet is larger than <paramref name="maximumPacketSize"/>.</exception>
    public int Encode(MqttPacket packet, IBufferWriter<byte> output, uint maximumPacketSize = uint.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if (packet is MqttPublishPacket p)
        {
            return EncodePublish(p.Message, p.PacketId, p.Dup, output, maximumPacketSize, p.TopicAlias);
        }

        _body.Reset();
        var header = EncodeBody(packet, _body);
        return WriteFrame(header, _body.WrittenSpan, default, output, maximumPacketSize);
    }

    /// <summary>Encodes a PUBLISH straight from a message (the allocation-free send path).</summary>
    public int EncodePublish(MqttMessage message, ushort packetId, bool dup, IBufferWriter<byte> output,
        uint maximumPacketSize = uint.MaxValue, ushort? topicAlias = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        _body.Reset();
        var qos = (int)message.QualityOfService;
        _body.WriteString(message.Topic);
        if (qos > 0)
        {
            _body.WriteUInt16(packetId);
        }

        WritePublishProperties(_body, message, topicAlias);
        var header = (byte)(0x30 | (dup ? 0x08 : 0) | (qos << 1) | (message.Retain ? 1 : 0));
        return WriteFrame(header, _body.WrittenSpan, message.Payload.Span, output, maximumPacketSize);
    }

    /// <summary>Encodes a packet to a new array (tests, tools).</summary>
    public byte[] Encode(MqttPacket packet)
    {
        var w = new ArrayBufferWriter<byte>();
        Encode(packet, w);
        return w.WrittenSpan.ToArray();
    }

    private static int WriteFrame(byte header, ReadOnlySpan<byte> body, ReadOnlySpan<byte> payload,
        IBufferWriter<byte> output, uint maximumPacketSize)
    {
        var remaining = (long)body.Length + payload.Length;
        if (remaining > MqttEncoding.MaxVariableByteInteger)
        {
            throw new MqttPacketTooLargeException($"Packet of {remaining} bytes exceeds the MQTT limit of 268435455 bytes.");
        }

        var total = 1 + MqttEncoding.VariableByteIntegerSize((uint)remaining) + (int)remaining;
        if ((uint)total > maximumPacketSize)
        {
            throw new MqttPacketTooLargeException($"Packet of {total} bytes exceeds the server's Maximum Packet Size of {maximumPacketSize} bytes.");
        }

        var span = output.GetSpan(5);
        span[0] = header;
        var n = 1 + MqttEncoding.WriteVariableByteInteger(span[1..], (uint)remaining);
        output.Advance(n);
        output.Write(body);
        if (!payload.IsEmpty)
        {
            output.Write(payload);
        }

        return total;
    }

    private byte EncodeBody(MqttPacket packet, MqttBufferWriter w)
    {
        switch (packet)
        {
            case MqttConnectPacket c:
                EncodeConnect(c, w);
                return 0x10;
            case MqttConnAckPacket a:
                w.WriteByte(a.SessionPresent ? (byte)1 : (byte)0);
                w.WriteByte(a.ReasonCode);
                WriteProperties(w, a.Properties, PropertyScope.ConnAck);
                return 0x20;
            case MqttPublishAckPacket ack:
                EncodePublishAck(ack, w);
                return (byte)(((int)ack.Type << 4) | (ack.Type == MqttPacketType.PubRel ? 0x02 : 0));
            case MqttSubscribePacket s:
                if (s.Subscriptions.Count == 0)
                {
                    throw new ArgumentException("SUBSCRIBE needs at least one topic filter.", nameof(packet));
                }

                w.WriteUInt16(s.PacketId);
                WriteProperties(w, s.Properties, PropertyScope.Subscribe);
                foreach (var sub in s.Subscriptions)
                {
                    w.WriteString(sub.Filter);
                    w.WriteByte(EncodeSubscriptionOptions(sub));
                }

                return 0x82;
            case MqttSubAckPacket sa:
                w.WriteUInt16(sa.PacketId);
                WriteProperties(w, sa.Properties, PropertyScope.SubAck);
                foreach (var code in sa.ReasonCodes)
                {
                    w.WriteByte(code);
                }

                return 0x90;
            case MqttUnsubscribePacket u:
                if (u.Filters.Count == 0)
                {
                    throw new ArgumentException("UNSUBSCRIBE needs at least one topic filter.", nameof(packet));
                }

                w.WriteUInt16(u.PacketId);
                WriteProperties(w, u.Properties, PropertyScope.Unsubscribe);
                foreach (var f in u.Filters)
                {
                    w.WriteString(f);
                }

                return 0xA2;
            case MqttUnsubAckPacket ua:
                w.WriteUInt16(ua.PacketId);
                EncodeUnsubAckTail(ua, w);
                return 0xB0;
            case MqttPingReqPacket:
                return 0xC0;
            case MqttPingRespPacket:
                return 0xD0;
            case MqttDisconnectPacket d:
                EncodeDisconnectTail(d, w);
                return 0xE0;
            case MqttAuthPacket auth:
                EncodeAuth(auth, w);
                return 0xF0;
            default:
                throw new ArgumentException($"Cannot encode {packet.GetType().Name}.", nameof(packet));
        }
    }

    private void EncodeConnect(MqttConnectPacket c, MqttBufferWriter w)
    {
        if (c.ProtocolVersion != ProtocolVersion)
        {
            throw new ArgumentException("CONNECT protocol version does not match the formatter.", nameof(c));
        }

        w.WriteString("MQTT");
        w.WriteByte((byte)ProtocolVersion);
        byte flags = 0;
        if (c.CleanSession)
        {
            flags |= 0x02;
        }

        if (c.Will is { } will)
        {
            flags |= (byte)(0x04 | ((int)will.QualityOfService << 3) | (will.Retain ? 0x20 : 0));
        }

        if (c.Password is not null)
        {
            flags |= 0x40;
        }

        if (c.Username is not null)
        {
            flags |= 0x80;
        }

        w.WriteByte(flags);
        w.WriteUInt16(c.KeepAliveSeconds);
        WriteProperties(w, c.Properties, PropertyScope.Connect);
        w.WriteString(c.ClientId);
        if (c.Will is { } wm)
        {
            WriteWillProperties(w, wm, c.WillDelayInterval);
            w.WriteString(wm.Topic);
            w.WriteBinary(wm.Payload.Span);
        }

        if (c.Username is not null)
        {
            w.WriteString(c.Username);
        }

        if (c.Password is not null)
        {
            w.WriteBinary(c.Password);
        }
    }

    protected abstract void WriteProperties(MqttBufferWriter w, MqttProperties properties, PropertyScope scope);

    protected abstract void WritePublishProperties(MqttBufferWriter w, MqttMessage message, ushort? topicAlias);

    protected abstract void WriteWillProperties(MqttBufferWriter w, MqttMessage will, uint? willDelayInterval);

    protected abstract byte EncodeSubscriptionOptions(MqttSubscription subscription);

    protected abstract void EncodePublishAck(MqttPublishAckPacket ack, MqttBufferWriter w);

    protected abstract void EncodeUnsubAckTail(MqttUnsubAckPacket ack, MqttBufferWriter w);

    protected abstract void EncodeDisconnectTail(MqttDisconnectPacket d, MqttBufferWriter w);

    protected abstract void EncodeAuth(MqttAuthPacket auth, MqttBufferWriter w);

    // ---------------------------------------------------------------- decoding

    /// <summary>Decodes one packet from its fixed-header byte and its remaining bytes.</summary>
    /// <exception cref="MqttProtocolException">The bytes are not a valid packet of this protocol version.</exception>
    public MqttPacket Decode(byte fixedHeader, ReadOnlySpan<byte> body)
    {
        var type = (MqttPacketType)(fixedHeader >> 4);
        var flags = fixedHeader & 0x0F;
        var r = new MqttReader(body);
        MqttPacket packet;
        switch (type)
        {
            case MqttPacketType.Connect:
                RequireFlags(flags, 0, type);
                packet = DecodeConnect(ref r);
                break;
            case MqttPacketType.ConnAck:
                RequireFlags(flags, 0, type);
                packet = DecodeConnAck(ref r);
                break;
            case MqttPacketType.Publish:
                packet = DecodePublish(flags, ref r);
                break;
            case MqttPacketType.PubAck:
            case MqttPacketType.PubRec:
            case MqttPacketType.PubComp:
                RequireFlags(flags, 0, type);
                packet = DecodePublishAck(type, ref r);
                break;
            case MqttPacketType.PubRel:
                RequireFlags(flags, 2, type);
                packet = DecodePublishAck(type, ref r);
                break;
            case MqttPacketType.Subscribe:
                RequireFlags(flags, 2, type);
                packet = DecodeSubscribe(ref r);
                break;
            case MqttPacketType.SubAck:
                RequireFlags(flags, 0, type);
                packet = DecodeSubAck(ref r);
                break;
            case MqttPacketType.Unsubscribe:
                RequireFlags(flags, 2, type);
                packet = DecodeUnsubscribe(ref r);
                break;
            case MqttPacketType.UnsubAck:
                RequireFlags(flags, 0, type);
                packet = DecodeUnsubAck(ref r);
                break;
            case MqttPacketType.PingReq:
                RequireFlags(flags, 0, type);
                packet = MqttPingReqPacket.Instance;
                break;
            case MqttPacketType.PingResp:
                RequireFlags(flags, 0, type);
                packet = MqttPingRespPacket.Instance;
                break;
            case MqttPacketType.Disconnect:
                RequireFlags(flags, 0, type);
                packet = DecodeDisconnect(ref r);
                break;
            case MqttPacketType.Auth:
                RequireFlags(flags, 0, type);
                packet = DecodeAuth(ref r);
                break;
            default:
                throw new MqttProtocolException($"Reserved control packet type {(int)type}.");
        }

        if (!r.End)
        {
            throw new MqttProtocolException($"{packet} has {r.Remaining} unexpected trailing bytes.");
        }

        return packet;
    }

    private static void RequireFlags(int flags, int expected, MqttPacketType type)
    {
        if (flags != expected)
        {
            throw new MqttProtocolException($"Invalid fixed-header flags 0x{flags:X} for {type}.");
        }
    }

    private MqttConnectPacket DecodeConnect(ref MqttReader r)
    {
        var name = r.ReadString();
        var level = r.ReadByte();
        if (name != "MQTT")
        {
            throw new MqttProtocolException(MqttReasonCode.UnsupportedProtocolVersion, $"Unknown protocol name '{name}'.");
        }

        if (level != (byte)ProtocolVersion)
        {
            throw new MqttProtocolException(MqttReasonCode.UnsupportedProtocolVersion, $"Protocol level {level} is not {(int)ProtocolVersion}.");
        }

        var flags = r.ReadByte();
        if ((flags & 0x01) != 0)
        {
            throw new MqttProtocolException("CONNECT reserved flag is set.");
        }

        var willFlag = (flags & 0x04) != 0;
        var willQos = (flags >> 3) & 0x03;
        var willRetain = (flags & 0x20) != 0;
        var passwordFlag = (flags & 0x40) != 0;
        var usernameFlag = (flags & 0x80) != 0;
        if (willQos == 3)
        {
            throw new MqttProtocolException("CONNECT will QoS is 3.");
        }

        if (!willFlag && (willQos != 0 || willRetain))
        {
            throw new MqttProtocolException("CONNECT will QoS/retain set without the will flag.");
        }

        ValidateConnectCredentialFlags(usernameFlag, passwordFlag);
        var packet = new MqttConnectPacket
        {
            ProtocolVersion = ProtocolVersion,
            CleanSession = (flags & 0x02) != 0,
            KeepAliveSeconds = r.ReadUInt16(),
        };
        packet.Properties = ReadProperties(ref r, PropertyScope.Connect);
        packet.ClientId = r.ReadString();
        if (willFlag)
        {
            var willProps = ReadProperties(ref r, PropertyScope.Will);
            var topic = r.ReadString();
            if (MqttTopic.ValidateTopicName(topic) is { } why)
            {
                throw new MqttProtocolException(MqttReasonCode.TopicNameInvalid, "Will topic invalid: " + why);
            }

            var payload = r.ReadBinary();
            packet.Will = CreateMessage(topic, payload, (MqttQualityOfService)willQos, willRetain, willProps);
            packet.WillDelayInterval = willProps.WillDelayInterval;
        }

        if (usernameFlag)
        {
            packet.Username = r.ReadString();
        }

        if (passwordFlag)
        {
            packet.Password = r.ReadBinary();
        }

        return packet;
    }

    protected abstract void ValidateConnectCredentialFlags(bool usernameFlag, bool passwordFlag);

    private MqttConnAckPacket DecodeConnAck(ref MqttReader r)
    {
        var ackFlags = r.ReadByte();
        if ((ackFlags & 0xFE) != 0)
        {
            throw new MqttProtocolException("CONNACK reserved flags are set.");
        }

        var packet = new MqttConnAckPacket { SessionPresent = (ackFlags & 1) != 0, ReasonCode = r.ReadByte() };
        ValidateConnAckCode(packet.ReasonCode);
        if (packet.SessionPresent && packet.ReasonCode != 0)
        {
            throw new MqttProtocolException(MqttReasonCode.ProtocolError, "CONNACK refuses the connection but reports a session.");
        }

        packet.Properties = ReadProperties(ref r, PropertyScope.ConnAck);
        return packet;
    }

    protected abstract void ValidateConnAckCode(byte code);

    private MqttPublishPacket DecodePublish(int flags, ref MqttReader r)
    {
        var qos = (flags >> 1) & 0x03;
        var dup = (flags & 0x08) != 0;
        if (qos == 3)
        {
            throw new MqttProtocolException("PUBLISH with QoS 3.");
        }

        if (qos == 0 && dup)
        {
            throw new MqttProtocolException(MqttReasonCode.ProtocolError, "PUBLISH with QoS 0 has the DUP flag set.");
        }

        var topic = r.ReadString();
        ushort packetId = 0;
        if (qos > 0)
        {
            packetId = r.ReadUInt16();
            if (packetId == 0)
            {
                throw new MqttProtocolException(MqttReasonCode.ProtocolError, "PUBLISH with packet identifier 0.");
            }
        }

        var props = ReadProperties(ref r, PropertyScope.Publish);
        if (topic.Length == 0 ? props.TopicAlias is null : MqttTopic.ValidateTopicName(topic) is not null)
        {
            throw new MqttProtocolException(MqttReasonCode.TopicNameInvalid, $"PUBLISH topic name '{topic}' is invalid.");
        }

        var payload = r.ReadToEnd();
        var message = CreateMessage(topic, payload, (MqttQualityOfService)qos, (flags & 1) != 0, props);
        return new MqttPublishPacket(message) { PacketId = packetId, Dup = dup, TopicAlias = props.TopicAlias };
    }

    private static MqttMessage CreateMessage(string topic, byte[] payload, MqttQualityOfService qos, bool retain, MqttProperties p) =>
        new(topic, payload, qos, retain)
        {
            MessageExpiryIntervalSeconds = p.MessageExpiryInterval,
            PayloadIsUtf8 = p.PayloadFormatIndicator is { } f ? f == 1 : null,
            ContentType = p.ContentType,
            ResponseTopic = p.ResponseTopic,
            CorrelationData = p.CorrelationData is { } cd ? new ReadOnlyMemory<byte>(cd) : (ReadOnlyMemory<byte>?)null,
            UserProperties = p.UserProperties.Count == 0 ? [] : p.UserProperties,
            SubscriptionIdentifiers = p.SubscriptionIdentifiers.Count == 0 ? [] : p.SubscriptionIdentifiers,
        };

    private static ushort ReadPacketId(ref MqttReader r, MqttPacketType type)
    {
        var id = r.ReadUInt16();
        if (id == 0)
        {
            throw new MqttProtocolException(MqttReasonCode.ProtocolError, $"{type} with packet identifier 0.");
        }

        return id;
    }

    protected abstract MqttPublishAckPacket DecodePublishAckTail(MqttPacketType type, ushort packetId, ref MqttReader r);

    private MqttPublishAckPacket DecodePublishAck(MqttPacketType type, ref MqttReader r) =>
        DecodePublishAckTail(type, ReadPacketId(ref r, type), ref r);

    private MqttSubscribePacket DecodeSubscribe(ref MqttReader r)
    {
        var packet = new MqttSubscribePacket { PacketId = ReadPacketId(ref r, MqttPacketType.Subscribe) };
        packet.Properties = ReadProperties(ref r, PropertyScope.Subscribe);
        while (!r.End)
        {
            var filter = r.ReadString();
            if (MqttTopic.ValidateTopicFilter(filter) is { } why)
            {
                throw new MqttProtocolException(MqttReasonCode.TopicFilterInvalid, why);
            }

            packet.Subscriptions.Add(DecodeSubscriptionOptions(filter, r.ReadByte()));
        }

        if (packet.Subscriptions.Count == 0)
        {
            throw new MqttProtocolException(MqttReasonCode.ProtocolError, "SUBSCRIBE without topic filters.");
        }

        return packet;
    }

    protected abstract MqttSubscription DecodeSubscriptionOptions(string filter, byte options);

    private MqttSubAckPacket DecodeSubAck(ref MqttReader r)
    {
        var packet = new MqttSubAckPacket { PacketId = ReadPacketId(ref r, MqttPacketType.SubAck) };
        packet.Properties = ReadProperties(ref r, PropertyScope.SubAck);
        while (!r.End)
        {
            var code = r.ReadByte();
            ValidateSubAckCode(code);
            packet.ReasonCodes.Add(code);
        }

        if (packet.ReasonCodes.Count == 0)
        {
            throw new MqttProtocolException(MqttReasonCode.ProtocolError, "SUBACK without reason codes.");
        }

        return packet;
    }

    protected abstract void ValidateSubAckCode(byte code);

    private MqttUnsubscribePacket DecodeUnsubscribe(ref MqttReader r)
    {
        var packet = new MqttUnsubscribePacket { PacketId = ReadPacketId(ref r, MqttPacketType.Unsubscribe) };
        packet.Properties = ReadProperties(ref r, PropertyScope.Unsubscribe);
        while (!r.End)
        {
            var filter = r.ReadString();
            if (MqttTopic.ValidateTopicFilter(filter) is { } why)
            {
                throw new MqttProtocolException(MqttReasonCode.TopicFilterInvalid, why);
            }

            packet.Filters.Add(filter);
        }

        if (packet.Filters.Count == 0)
        {
            throw new MqttProtocolException(MqttReasonCode.ProtocolError, "UNSUBSCRIBE without topic filters.");
        }

        return packet;
    }

    private MqttUnsubAckPacket DecodeUnsubAck(ref MqttReader r)
    {
        var packet = new MqttUnsubAckPacket { PacketId = ReadPacketId(ref r, MqttPacketType.UnsubAck) };
        DecodeUnsubAckTail(packet, ref r);
        return packet;
    }

    protected abstract void DecodeUnsubAckTail(MqttUnsubAckPacket packet, ref MqttReader r);

    protected abstract MqttDisconnectPacket DecodeDisconnect(ref MqttReader r);

    protected abstract MqttAuthPacket DecodeAuth(ref MqttReader r);

    protected abstract MqttProperties ReadProperties(ref MqttReader r, PropertyScope scope);
}
