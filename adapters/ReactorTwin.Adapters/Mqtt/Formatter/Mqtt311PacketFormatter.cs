using ReactorTwin.Adapters.Mqtt.Packets;

namespace ReactorTwin.Adapters.Mqtt.Formatter;

/// <summary>MQTT 3.1.1 (protocol level 4): no properties, 0-5 CONNACK return codes, 14 packet types.</summary>
internal sealed class Mqtt311PacketFormatter : MqttPacketFormatter
{
    public override MqttProtocolVersion ProtocolVersion => MqttProtocolVersion.V311;

    protected override void WriteProperties(MqttBufferWriter w, MqttProperties properties, PropertyScope scope)
    {
    }

    protected override void WritePublishProperties(MqttBufferWriter w, MqttMessage message, ushort? topicAlias)
    {
    }

    protected override void WriteWillProperties(MqttBufferWriter w, MqttMessage will, uint? willDelayInterval)
    {
    }

    protected override byte EncodeSubscriptionOptions(MqttSubscription subscription) => (byte)subscription.QualityOfService;

    protected override void EncodePublishAck(MqttPublishAckPacket ack, MqttBufferWriter w) => w.WriteUInt16(ack.PacketId);

    protected override void EncodeUnsubAckTail(MqttUnsubAckPacket ack, MqttBufferWriter w)
    {
    }

    protected override void EncodeDisconnectTail(MqttDisconnectPacket d, MqttBufferWriter w)
    {
    }

    protected override void EncodeAuth(MqttAuthPacket auth, MqttBufferWriter w) =>
        throw new ArgumentException("AUTH does not exist in MQTT 3.1.1.", nameof(auth));

    protected override void ValidateConnectCredentialFlags(bool usernameFlag, bool passwordFlag)
    {
        if (passwordFlag && !usernameFlag)
        {
            throw new MqttProtocolException(MqttReasonCode.ProtocolError, "CONNECT has a password without a user name (MQTT-3.1.2-22).");
        }
    }

    protected override void ValidateConnAckCode(byte code)
    {
        if (code > 5)
        {
            throw new MqttProtocolException(MqttReasonCode.ProtocolError, $"CONNACK return code {code} is reserved.");
        }
    }

    protected override MqttPublishAckPacket DecodePublishAckTail(MqttPacketType type, ushort packetId, ref MqttReader r) =>
        new(type, packetId);

    protected override MqttSubscription DecodeSubscriptionOptions(string filter, byte options)
    {
        if ((options & 0xFC) != 0 || (options & 0x03) == 3)
        {
            throw new MqttProtocolException($"SUBSCRIBE requested QoS byte 0x{options:X2} is invalid.");
        }

        return new MqttSubscription(filter, (MqttQualityOfService)options);
    }

    protected override void ValidateSubAckCode(byte code)
    {
        if (code is not (0 or 1 or 2 or 0x80))
        {
            throw new MqttProtocolException(MqttReasonCode.ProtocolError, $"SUBACK return code 0x{code:X2} is invalid.");
        }
    }

    protected override void DecodeUnsubAckTail(MqttUnsubAckPacket packet, ref MqttReader r)
    {
    }

    protected override MqttDisconnectPacket DecodeDisconnect(ref MqttReader r) => new();

    protected override MqttAuthPacket DecodeAuth(ref MqttReader r) =>
        throw new MqttProtocolException("Control packet type 15 is reserved in MQTT 3.1.1.");

    protected override MqttProperties ReadProperties(ref MqttReader r, PropertyScope scope) => new();
}
