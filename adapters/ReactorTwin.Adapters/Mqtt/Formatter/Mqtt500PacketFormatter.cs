using ReactorTwin.Adapters.Mqtt.Packets;

namespace ReactorTwin.Adapters.Mqtt.Formatter;

/// <summary>MQTT 5.0 (protocol level 5): properties (§2.2.2), reason codes (§2.4) and AUTH.</summary>
internal sealed class Mqtt500PacketFormatter : MqttPacketFormatter
{
    private const PropertyScope Message = PropertyScope.Publish | PropertyScope.Will;
    private const PropertyScope All = (PropertyScope)0x7FF;

    private static readonly PropertyScope[] Allowed = BuildAllowedTable();
    private readonly MqttBufferWriter _props = new();

    public override MqttProtocolVersion ProtocolVersion => MqttProtocolVersion.V500;

    private static PropertyScope[] BuildAllowedTable()
    {
        var t = new PropertyScope[0x2B];
        t[0x01] = Message;
        t[0x02] = Message;
        t[0x03] = Message;
        t[0x08] = Message;
        t[0x09] = Message;
        t[0x0B] = PropertyScope.Publish | PropertyScope.Subscribe;
        t[0x11] = PropertyScope.Connect | PropertyScope.ConnAck | PropertyScope.Disconnect;
        t[0x12] = PropertyScope.ConnAck;
        t[0x13] = PropertyScope.ConnAck;
        t[0x15] = PropertyScope.Connect | PropertyScope.ConnAck | PropertyScope.Auth;
        t[0x16] = PropertyScope.Connect | PropertyScope.ConnAck | PropertyScope.Auth;
        t[0x17] = PropertyScope.Connect;
        t[0x18] = PropertyScope.Will;
        t[0x19] = PropertyScope.Connect;
        t[0x1A] = PropertyScope.ConnAck;
        t[0x1C] = PropertyScope.ConnAck | PropertyScope.Disconnect;
        t[0x1F] = PropertyScope.ConnAck | PropertyScope.PublishAck | PropertyScope.SubAck | PropertyScope.UnsubAck |
                  PropertyScope.Disconnect | PropertyScope.Auth;
        t[0x21] = PropertyScope.Connect | PropertyScope.ConnAck;
        t[0x22] = PropertyScope.Connect | PropertyScope.ConnAck;
        t[0x23] = PropertyScope.Publish;
        t[0x24] = PropertyScope.ConnAck;
        t[0x25] = PropertyScope.ConnAck;
        t[0x26] = All;
        t[0x27] = PropertyScope.Connect | PropertyScope.ConnAck;
        t[0x28] = PropertyScope.ConnAck;
        t[0x29] = PropertyScope.ConnAck;
        t[0x2A] = PropertyScope.ConnAck;
        return t;
    }

    // ---------------------------------------------------------------- properties: encoding

    private void FlushProperties(MqttBufferWriter w)
    {
        w.WriteVariableByteInteger((uint)_props.Length);
        w.WriteBytes(_props.WrittenSpan);
    }

    private void Byte(byte id, byte? v)
    {
        if (v is { } x)
        {
            _props.WriteByte(id);
            _props.WriteByte(x);
        }
    }

    private void UInt16(byte id, ushort? v)
    {
        if (v is { } x)
        {
            _props.WriteByte(id);
            _props.WriteUInt16(x);
        }
    }

    private void UInt32(byte id, uint? v)
    {
        if (v is { } x)
        {
            _props.WriteByte(id);
            _props.WriteUInt32(x);
        }
    }

    private void Str(byte id, string? v)
    {
        if (v is not null)
        {
            _props.WriteByte(id);
            _props.WriteString(v);
        }
    }

    private void Bin(byte id, ReadOnlySpan<byte> v, bool present)
    {
        if (present)
        {
            _props.WriteByte(id);
            _props.WriteBinary(v);
        }
    }

    private void UserProps(IReadOnlyList<MqttUserProperty> list)
    {
        for (var i = 0; i < list.Count; i++)
        {
            _props.WriteByte(0x26);
            _props.WriteString(list[i].Name);
            _props.WriteString(list[i].Value);
        }
    }

    private void BuildProperties(MqttProperties p)
    {
        _props.Reset();
        Byte(0x01, p.PayloadFormatIndicator);
        UInt32(0x02, p.MessageExpiryInterval);
        Str(0x03, p.ContentType);
        Str(0x08, p.ResponseTopic);
        Bin(0x09, p.CorrelationData, p.CorrelationData is not null);
        foreach (var id in p.SubscriptionIdentifiers)
        {
            _props.WriteByte(0x0B);
            _props.WriteVariableByteInteger(id);
        }

        if (p.SubscriptionIdentifier is { } sid)
        {
            _props.WriteByte(0x0B);
            _props.WriteVariableByteInteger(sid);
        }

        UInt32(0x11, p.SessionExpiryInterval);
        Str(0x12, p.AssignedClientIdentifier);
        UInt16(0x13, p.ServerKeepAlive);
        Str(0x15, p.AuthenticationMethod);
        Bin(0x16, p.AuthenticationData, p.AuthenticationData is not null);
        Byte(0x17, p.RequestProblemInformation);
        UInt32(0x18, p.WillDelayInterval);
        Byte(0x19, p.RequestResponseInformation);
        Str(0x1A, p.ResponseInformation);
        Str(0x1C, p.ServerReference);
        Str(0x1F, p.ReasonString);
        UInt16(0x21, p.ReceiveMaximum);
        UInt16(0x22, p.TopicAliasMaximum);
        UInt16(0x23, p.TopicAlias);
        Byte(0x24, p.MaximumQoS);
        Byte(0x25, p.RetainAvailable);
        UserProps(p.UserProperties);
        UInt32(0x27, p.MaximumPacketSize);
        Byte(0x28, p.WildcardSubscriptionAvailable);
        Byte(0x29, p.SubscriptionIdentifierAvailable);
        Byte(0x2A, p.SharedSubscriptionAvailable);
    }

    protected override void WriteProperties(MqttBufferWriter w, MqttProperties properties, PropertyScope scope)
    {
        BuildProperties(properties);
        FlushProperties(w);
    }

    private void BuildMessageProperties(MqttMessage m)
    {
        _props.Reset();
        Byte(0x01, m.PayloadIsUtf8 is { } u ? (u ? (byte)1 : (byte)0) : null);
        UInt32(0x02, m.MessageExpiryIntervalSeconds);
        Str(0x03, m.ContentType);
        Str(0x08, m.ResponseTopic);
        Bin(0x09, m.CorrelationData is { } cd ? cd.Span : default, m.CorrelationData is not null);
        UserProps(m.UserProperties);
    }

    protected override void WritePublishProperties(MqttBufferWriter w, MqttMessage message, ushort? topicAlias)
    {
        BuildMessageProperties(message);
        UInt16(0x23, topicAlias);
        var ids = message.SubscriptionIdentifiers;
        for (var i = 0; i < ids.Count; i++)
        {
            _props.WriteByte(0x0B);
            _props.WriteVariableByteInteger(ids[i]);
        }

        FlushProperties(w);
    }

    protected override void WriteWillProperties(MqttBufferWriter w, MqttMessage will, uint? willDelayInterval)
    {
        BuildMessageProperties(will);
        UInt32(0x18, willDelayInterval);
        FlushProperties(w);
    }

    protected override byte EncodeSubscriptionOptions(MqttSubscription s) =>
        (byte)((int)s.QualityOfService | (s.NoLocal ? 0x04 : 0) | (s.RetainAsPublished ? 0x08 : 0) | (s.RetainHandling << 4));

    /// <summary>Reason code and properties, using the short forms of §3.4.2.1 when they are redundant.</summary>
    private void WriteReasonAndProperties(MqttBufferWriter w, byte reasonCode, MqttProperties properties)
    {
        BuildProperties(properties);
        if (reasonCode == 0 && _props.Length == 0)
        {
            return;
        }

        w.WriteByte(reasonCode);
        if (_props.Length > 0)
        {
            FlushProperties(w);
        }
    }

    protected override void EncodePublishAck(MqttPublishAckPacket ack, MqttBufferWriter w)
    {
        w.WriteUInt16(ack.PacketId);
        WriteReasonAndProperties(w, ack.ReasonCode, ack.Properties);
    }

    protected override void EncodeUnsubAckTail(MqttUnsubAckPacket ack, MqttBufferWriter w)
    {
        WriteProperties(w, ack.Properties, PropertyScope.UnsubAck);
        foreach (var c in ack.ReasonCodes)
        {
            w.WriteByte(c);
        }
    }

    protected override void EncodeDisconnectTail(MqttDisconnectPacket d, MqttBufferWriter w) =>
        WriteReasonAndProperties(w, d.ReasonCode, d.Properties);

    protected override void EncodeAuth(MqttAuthPacket auth, MqttBufferWriter w) =>
        WriteReasonAndProperties(w, auth.ReasonCode, auth.Properties);

    // ---------------------------------------------------------------- properties: decoding

    protected override MqttProperties ReadProperties(ref MqttReader r, PropertyScope scope)
    {
        var length = r.ReadVariableByteInteger();
        if (length > r.Remaining)
        {
            throw new MqttProtocolException("Property length exceeds the packet.");
        }

        var pr = new MqttReader(r.ReadBytes((int)length));
        var p = new MqttProperties();
        while (!pr.End)
        {
            var id = pr.ReadVariableByteInteger();
            if (id >= Allowed.Length || Allowed[id] == PropertyScope.None)
            {
                throw new MqttProtocolException($"Unknown property identifier 0x{id:X2}.");
            }

            if ((Allowed[id] & scope) == 0)
            {
                throw new MqttProtocolException(MqttReasonCode.ProtocolError, $"Property 0x{id:X2} is not allowed in {scope}.");
            }

            switch (id)
            {
                case 0x01: p.PayloadFormatIndicator = Once(p.PayloadFormatIndicator, Bool(ref pr, id), id); break;
                case 0x02: p.MessageExpiryInterval = Once(p.MessageExpiryInterval, pr.ReadUInt32(), id); break;
                case 0x03: p.ContentType = OnceRef(p.ContentType, pr.ReadString(), id); break;
                case 0x08:
                    var rt = OnceRef(p.ResponseTopic, pr.ReadString(), id);
                    if (MqttTopic.ValidateTopicName(rt) is not null)
                    {
                        throw new MqttProtocolException(MqttReasonCode.ProtocolError, "Response topic contains wildcards or is empty.");
                    }

                    p.ResponseTopic = rt;
                    break;
                case 0x09: p.CorrelationData = OnceRef(p.CorrelationData, pr.ReadBinary(), id); break;
                case 0x0B:
                    var sid = pr.ReadVariableByteInteger();
                    if (sid == 0)
                    {
                        throw new MqttProtocolException(MqttReasonCode.ProtocolError, "Subscription identifier 0.");
                    }

                    if (scope == PropertyScope.Subscribe)
                    {
                        p.SubscriptionIdentifier = Once(p.SubscriptionIdentifier, sid, id);
                    }
                    else
                    {
                        p.SubscriptionIdentifiers.Add(sid);
                    }

                    break;
                case 0x11: p.SessionExpiryInterval = Once(p.SessionExpiryInterval, pr.ReadUInt32(), id); break;
                case 0x12: p.AssignedClientIdentifier = OnceRef(p.AssignedClientIdentifier, pr.ReadString(), id); break;
                case 0x13: p.ServerKeepAlive = Once(p.ServerKeepAlive, pr.ReadUInt16(), id); break;
                case 0x15: p.AuthenticationMethod = OnceRef(p.AuthenticationMethod, pr.ReadString(), id); break;
                case 0x16: p.AuthenticationData = OnceRef(p.AuthenticationData, pr.ReadBinary(), id); break;
                case 0x17: p.RequestProblemInformation = Once(p.RequestProblemInformation, Bool(ref pr, id), id); break;
                case 0x18: p.WillDelayInterval = Once(p.WillDelayInterval, pr.ReadUInt32(), id); break;
                case 0x19: p.RequestResponseInformation = Once(p.RequestResponseInformation, Bool(ref pr, id), id); break;
                case 0x1A: p.ResponseInformation = OnceRef(p.ResponseInformation, pr.ReadString(), id); break;
                case 0x1C: p.ServerReference = OnceRef(p.ServerReference, pr.ReadString(), id); break;
                case 0x1F: p.ReasonString = OnceRef(p.ReasonString, pr.ReadString(), id); break;
                case 0x21: p.ReceiveMaximum = Once(p.ReceiveMaximum, NonZero16(ref pr, id), id); break;
                case 0x22: p.TopicAliasMaximum = Once(p.TopicAliasMaximum, pr.ReadUInt16(), id); break;
                case 0x23: p.TopicAlias = Once(p.TopicAlias, NonZero16(ref pr, id), id); break;
                case 0x24: p.MaximumQoS = Once(p.MaximumQoS, Bool(ref pr, id), id); break;
                case 0x25: p.RetainAvailable = Once(p.RetainAvailable, Bool(ref pr, id), id); break;
                case 0x26: p.UserProperties.Add(new MqttUserProperty(pr.ReadString(), pr.ReadString())); break;
                case 0x27:
                    var max = pr.ReadUInt32();
                    if (max == 0)
                    {
                        throw new MqttProtocolException(MqttReasonCode.ProtocolError, "Maximum Packet Size 0.");
                    }

                    p.MaximumPacketSize = Once(p.MaximumPacketSize, max, id);
                    break;
                case 0x28: p.WildcardSubscriptionAvailable = Once(p.WildcardSubscriptionAvailable, Bool(ref pr, id), id); break;
                case 0x29: p.SubscriptionIdentifierAvailable = Once(p.SubscriptionIdentifierAvailable, Bool(ref pr, id), id); break;
                case 0x2A: p.SharedSubscriptionAvailable = Once(p.SharedSubscriptionAvailable, Bool(ref pr, id), id); break;
                default: throw new MqttProtocolException($"Unknown property identifier 0x{id:X2}.");
            }
        }

        return p;
    }

    private static byte Bool(ref MqttReader r, uint id)
    {
        var b = r.ReadByte();
        if (b > 1)
        {
            throw new MqttProtocolException(MqttReasonCode.ProtocolError, $"Property 0x{id:X2} must be 0 or 1, was {b}.");
        }

        return b;
    }

    private static ushort NonZero16(ref MqttReader r, uint id)
    {
        var v = r.ReadUInt16();
        if (v == 0)
        {
            throw new MqttProtocolException(MqttReasonCode.ProtocolError, $"Property 0x{id:X2} must not be 0.");
        }

        return v;
    }

    private static T Once<T>(T? existing, T value, uint id)
        where T : struct =>
        existing is null ? value : throw Duplicate(id);

    private static T OnceRef<T>(T? existing, T value, uint id)
        where T : class =>
        existing is null ? value : throw Duplicate(id);

    private static MqttProtocolException Duplicate(uint id) =>
        new(MqttReasonCode.ProtocolError, $"Property 0x{id:X2} appears more than once.");

    // ---------------------------------------------------------------- version-specific rules

    protected override void ValidateConnectCredentialFlags(bool usernameFlag, bool passwordFlag)
    {
        // MQTT 5.0 allows a password without a user name (§3.1.2.9).
    }

    protected override void ValidateConnAckCode(byte code)
    {
        if (code is not 0 and < 0x80)
        {
            throw new MqttProtocolException(MqttReasonCode.ProtocolError, $"CONNACK reason code 0x{code:X2} is invalid.");
        }
    }

    protected override MqttPublishAckPacket DecodePublishAckTail(MqttPacketType type, ushort packetId, ref MqttReader r)
    {
        var packet = new MqttPublishAckPacket(type, packetId);
        if (r.End)
        {
            return packet;
        }

        packet.ReasonCode = r.ReadByte();
        var valid = type is MqttPacketType.PubRel or MqttPacketType.PubComp
            ? packet.ReasonCode is 0 or 0x92
            : packet.ReasonCode is 0 or 0x10 or >= 0x80;
        if (!valid)
        {
            throw new MqttProtocolException(MqttReasonCode.ProtocolError, $"{type} reason code 0x{packet.ReasonCode:X2} is invalid.");
        }

        if (!r.End)
        {
            packet.Properties = ReadProperties(ref r, PropertyScope.PublishAck);
        }

        return packet;
    }

    protected override MqttSubscription DecodeSubscriptionOptions(string filter, byte options)
    {
        var qos = options & 0x03;
        var retainHandling = (options >> 4) & 0x03;
        if ((options & 0xC0) != 0 || qos == 3 || retainHandling == 3)
        {
            throw new MqttProtocolException($"SUBSCRIBE options byte 0x{options:X2} is invalid.");
        }

        var noLocal = (options & 0x04) != 0;
        if (noLocal && filter.StartsWith("$share/", StringComparison.Ordinal))
        {
            throw new MqttProtocolException(MqttReasonCode.ProtocolError, "No Local on a shared subscription.");
        }

        return new MqttSubscription(filter, (MqttQualityOfService)qos, noLocal, (options & 0x08) != 0, (byte)retainHandling);
    }

    protected override void ValidateSubAckCode(byte code)
    {
        if (code is not (0 or 1 or 2) and < 0x80)
        {
            throw new MqttProtocolException(MqttReasonCode.ProtocolError, $"SUBACK reason code 0x{code:X2} is invalid.");
        }
    }

    protected override void DecodeUnsubAckTail(MqttUnsubAckPacket packet, ref MqttReader r)
    {
        packet.Properties = ReadProperties(ref r, PropertyScope.UnsubAck);
        while (!r.End)
        {
            var code = r.ReadByte();
            if (code is not (0 or 0x11) and < 0x80)
            {
                throw new MqttProtocolException(MqttReasonCode.ProtocolError, $"UNSUBACK reason code 0x{code:X2} is invalid.");
            }

            packet.ReasonCodes.Add(code);
        }

        if (packet.ReasonCodes.Count == 0)
        {
            throw new MqttProtocolException(MqttReasonCode.ProtocolError, "UNSUBACK without reason codes.");
        }
    }

    protected override MqttDisconnectPacket DecodeDisconnect(ref MqttReader r)
    {
        var packet = new MqttDisconnectPacket();
        if (!r.End)
        {
            packet.ReasonCode = r.ReadByte();
            if (packet.ReasonCode is not (0 or 4) and < 0x80)
            {
                throw new MqttProtocolException(MqttReasonCode.ProtocolError, $"DISCONNECT reason code 0x{packet.ReasonCode:X2} is invalid.");
            }

            if (!r.End)
            {
                packet.Properties = ReadProperties(ref r, PropertyScope.Disconnect);
            }
        }

        return packet;
    }

    protected override MqttAuthPacket DecodeAuth(ref MqttReader r)
    {
        var packet = new MqttAuthPacket();
        if (!r.End)
        {
            packet.ReasonCode = r.ReadByte();
            if (packet.ReasonCode is not (0 or 0x18 or 0x19))
            {
                throw new MqttProtocolException(MqttReasonCode.ProtocolError, $"AUTH reason code 0x{packet.ReasonCode:X2} is invalid.");
            }

            if (!r.End)
            {
                packet.Properties = ReadProperties(ref r, PropertyScope.Auth);
            }
        }

        return packet;
    }
}
