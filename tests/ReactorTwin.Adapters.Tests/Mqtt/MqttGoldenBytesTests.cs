using System.Text;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Adapters.Mqtt.Packets;
using static ReactorTwin.Adapters.Tests.Mqtt.Codec;

namespace ReactorTwin.Adapters.Tests.Mqtt;

/// <summary>Byte sequences derived by hand from the OASIS specifications (section numbers in comments).</summary>
public sealed class MqttGoldenBytesTests
{
    private const MqttProtocolVersion V3 = MqttProtocolVersion.V311;
    private const MqttProtocolVersion V5 = MqttProtocolVersion.V500;

    private static void AssertGolden(MqttProtocolVersion v, MqttPacket packet, string hex)
    {
        var expected = Hex(hex);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(Encode(v, packet)));
        DeepEqual.AssertEqual(packet, Decode(v, expected));
    }

    [Theory]
    [InlineData(0u, "00")]
    [InlineData(127u, "7F")]
    [InlineData(128u, "8001")]
    [InlineData(16_383u, "FF7F")]
    [InlineData(16_384u, "808001")]
    [InlineData(2_097_151u, "FFFF7F")]
    [InlineData(2_097_152u, "80808001")]
    [InlineData(268_435_455u, "FFFFFF7F")]
    public void VariableByteInteger_SpecTableValues_EncodeAndDecode(uint value, string hex)
    {
        // MQTT 3.1.1 §2.2.3 table 2.4 / MQTT 5.0 §1.5.5 table 1-1.
        Span<byte> buffer = stackalloc byte[4];
        var n = MqttEncoding.WriteVariableByteInteger(buffer, value);
        Assert.Equal(hex, Convert.ToHexString(buffer[..n]));
        Assert.Equal(n, MqttEncoding.TryReadVariableByteInteger(Hex(hex), out var decoded));
        Assert.Equal(value, decoded);
        Assert.Equal(n, MqttEncoding.VariableByteIntegerSize(value));
    }

    [Theory]
    [InlineData("FFFFFFFF7F")]
    [InlineData("8000")]
    public void VariableByteInteger_FiveBytesOrNonMinimal_Throws(string hex) =>
        Assert.Throws<MqttProtocolException>(() => MqttEncoding.TryReadVariableByteInteger(Hex(hex), out _));

    [Fact]
    public void Connect311_MinimalCleanSession_MatchesSpecLayout() =>
        // §3.1: 10 | RL 14 | "MQTT" | level 4 | flags 0x02 | keep alive 60 | client id "c1"
        AssertGolden(V3, new MqttConnectPacket { ClientId = "c1", CleanSession = true, KeepAliveSeconds = 60 },
            "10 0E 0004 " + Ascii("MQTT") + " 04 02 003C 0002 " + Ascii("c1"));

    [Fact]
    public void Connect311_WillUserPassword_MatchesSpecLayout()
    {
        // flags: user 0x80 | password 0x40 | will retain 0x20 | will QoS 1 (0x08) | will 0x04 = 0xEC; clean session off.
        var packet = new MqttConnectPacket
        {
            ClientId = "c",
            CleanSession = false,
            KeepAliveSeconds = 10,
            Will = new MqttMessage("w", Encoding.ASCII.GetBytes("x"), MqttQualityOfService.AtLeastOnce, retain: true),
            Username = "u",
            Password = [0x70],
        };
        // RL = 6 + 1 + 1 + 2 + five strings/binaries of 2+1 bytes (client id, will topic, will payload, user, password) = 25
        AssertGolden(V3, packet, "10 19 0004 " + Ascii("MQTT") + " 04 EC 000A 0001 63 0001 77 0001 78 0001 75 0001 70");
    }

    [Fact]
    public void ConnAck311_SessionPresent_MatchesSpecLayout() =>
        AssertGolden(V3, new MqttConnAckPacket { SessionPresent = true, ReasonCode = 0 }, "20 02 01 00");

    [Fact]
    public void Publish311_Qos1_MatchesSpecLayout() =>
        // §3.3: 0x32 (QoS 1) | RL 9 | topic "a/b" | packet id 10 | payload "hi"
        AssertGolden(V3, new MqttPublishPacket(new MqttMessage("a/b", Encoding.ASCII.GetBytes("hi"), MqttQualityOfService.AtLeastOnce)) { PacketId = 10 },
            "32 09 0003 " + Ascii("a/b") + " 000A " + Ascii("hi"));

    [Fact]
    public void Publish311_Qos2DupRetain_SetsFixedHeaderFlags() =>
        // 0x30 | DUP 0x08 | QoS 2 0x04 | RETAIN 0x01 = 0x3D
        AssertGolden(V3, new MqttPublishPacket(new MqttMessage("t", ReadOnlyMemory<byte>.Empty, MqttQualityOfService.ExactlyOnce, true)) { PacketId = 1, Dup = true },
            "3D 05 0001 74 0001");

    [Theory]
    [InlineData(MqttPacketType.PubAck, "40 02 1234")]
    [InlineData(MqttPacketType.PubRec, "50 02 1234")]
    [InlineData(MqttPacketType.PubRel, "62 02 1234")]
    [InlineData(MqttPacketType.PubComp, "70 02 1234")]
    internal void PublishAck311_AllFour_MatchSpecLayout(MqttPacketType type, string hex) =>
        AssertGolden(V3, new MqttPublishAckPacket(type, 0x1234), hex);

    [Fact]
    public void Subscribe311_OneFilter_MatchesSpecLayout()
    {
        var p = new MqttSubscribePacket { PacketId = 1 };
        p.Subscriptions.Add(new MqttSubscription("a/#", MqttQualityOfService.AtLeastOnce));
        AssertGolden(V3, p, "82 08 0001 0003 " + Ascii("a/#") + " 01");
    }

    [Fact]
    public void SubAck311_GrantedAndFailure_MatchesSpecLayout()
    {
        var p = new MqttSubAckPacket { PacketId = 1 };
        p.ReasonCodes.AddRange([0x01, 0x80]);
        AssertGolden(V3, p, "90 04 0001 01 80");
    }

    [Fact]
    public void Unsubscribe311_OneFilter_MatchesSpecLayout()
    {
        var p = new MqttUnsubscribePacket { PacketId = 2 };
        p.Filters.Add("a/#");
        AssertGolden(V3, p, "A2 07 0002 0003 " + Ascii("a/#"));
    }

    [Fact]
    public void Encode311_SimplePackets_MatchSpecLayout()
    {
        AssertGolden(V3, new MqttUnsubAckPacket { PacketId = 2 }, "B0 02 0002");
        AssertGolden(V3, MqttPingReqPacket.Instance, "C0 00");
        AssertGolden(V3, MqttPingRespPacket.Instance, "D0 00");
        AssertGolden(V3, new MqttDisconnectPacket(), "E0 00");
    }

    [Fact]
    public void Connect500_SessionExpiry_WritesPropertyBlock()
    {
        // §3.1.2.11: properties 05 | 0x11 session expiry 3600 (00000E10); RL = 6+1+1+2+1+5+4 = 20
        var p = new MqttConnectPacket { ProtocolVersion = V5, ClientId = "c1", KeepAliveSeconds = 60 };
        p.Properties.SessionExpiryInterval = 3600;
        AssertGolden(V5, p, "10 14 0004 " + Ascii("MQTT") + " 05 02 003C 05 11 00000E10 0002 " + Ascii("c1"));
    }

    [Fact]
    public void ConnAck500_BadCredentials_WritesReasonAndEmptyProperties() =>
        AssertGolden(V5, new MqttConnAckPacket { ReasonCode = 0x86 }, "20 03 00 86 00");

    [Fact]
    public void Publish500_ExpiryAndUserProperty_WritesPropertiesBeforePayload()
    {
        // props: 02 0000000A (5) + 26 0001 6B 0001 76 (7) = 12; RL = 3 + 1 + 12 + 1 = 17
        var m = new MqttMessage("t", Encoding.ASCII.GetBytes("x"))
        {
            MessageExpiryIntervalSeconds = 10,
            UserProperties = [new MqttUserProperty("k", "v")],
        };
        AssertGolden(V5, new MqttPublishPacket(m), "30 11 0001 74 0C 02 0000000A 26 0001 6B 0001 76 78");
    }

    [Fact]
    public void PubAck500_ShortAndReasonForms_MatchSpecLayout()
    {
        // §3.4.2.1: reason code and property length omitted for success without properties.
        AssertGolden(V5, new MqttPublishAckPacket(MqttPacketType.PubAck, 10), "40 02 000A");
        AssertGolden(V5, new MqttPublishAckPacket(MqttPacketType.PubAck, 10, 0x10), "40 03 000A 10");
        var withReason = new MqttPublishAckPacket(MqttPacketType.PubRec, 10, 0x80);
        withReason.Properties.ReasonString = "no";
        AssertGolden(V5, withReason, "50 09 000A 80 05 1F 0002 6E6F");
    }

    [Fact]
    public void Subscribe500_AllOptions_WritesOptionBits()
    {
        // options: QoS 1 | No Local 0x04 | Retain As Published 0x08 | Retain Handling 2 << 4 = 0x2D
        var p = new MqttSubscribePacket { PacketId = 1 };
        p.Subscriptions.Add(new MqttSubscription("a/#", MqttQualityOfService.AtLeastOnce, true, true, 2));
        AssertGolden(V5, p, "82 09 0001 00 0003 " + Ascii("a/#") + " 2D");
    }

    [Fact]
    public void Encode500_DisconnectAndAuth_MatchSpecLayout()
    {
        AssertGolden(V5, new MqttDisconnectPacket(), "E0 00");
        AssertGolden(V5, new MqttDisconnectPacket { ReasonCode = 0x8D }, "E0 01 8D");
        AssertGolden(V5, new MqttAuthPacket(), "F0 00");
        var auth = new MqttAuthPacket { ReasonCode = 0x18 };
        auth.Properties.AuthenticationMethod = "m";
        AssertGolden(V5, auth, "F0 06 18 04 15 0001 6D");
    }

    [Fact]
    public void UnsubAck500_ReasonCodes_MatchSpecLayout()
    {
        var p = new MqttUnsubAckPacket { PacketId = 3 };
        p.ReasonCodes.AddRange([0x00, 0x11]);
        AssertGolden(V5, p, "B0 05 0003 00 00 11");
    }

    [Theory]
    [InlineData("30 03 0001 2B", "wildcard in topic name")] // topic "+"
    [InlineData("30 04 0002 00 41", "U+0000 in a string")]
    [InlineData("30 04 0002 C0 80", "overlong UTF-8 (encoded U+0000)")]
    [InlineData("30 05 0003 ED A0 80", "UTF-8 encoded surrogate")]
    [InlineData("36 05 0001 74 0001", "QoS 3")]
    [InlineData("38 03 0001 74", "DUP with QoS 0")]
    [InlineData("32 05 0001 74 0000", "packet identifier 0")]
    [InlineData("41 02 0001", "bad PUBACK flags")]
    [InlineData("60 02 0001", "PUBREL without the 0010 flags")]
    [InlineData("80 08 0001 0003 612F23 01", "SUBSCRIBE without the 0010 flags")]
    [InlineData("82 02 0001", "SUBSCRIBE without filters")]
    [InlineData("82 06 0001 0001 23 03", "SUBSCRIBE QoS 3")]
    [InlineData("82 08 0001 0003 61 23 62 01", "'#' not last")]
    [InlineData("20 02 02 00", "CONNACK reserved flag")]
    [InlineData("20 02 00 06", "CONNACK return code 6")]
    [InlineData("20 02 01 05", "session present with refusal")]
    [InlineData("C0 01 00", "PINGREQ with a body")]
    [InlineData("E0 01 00", "3.1.1 DISCONNECT with a body")]
    [InlineData("F0 00", "AUTH in 3.1.1")]
    [InlineData("00 00", "reserved type 0")]
    [InlineData("40 03 0001 00", "3.1.1 PUBACK with a reason code")]
    [InlineData("10 0E 0004 4D515454 04 03 003C 0002 6331", "CONNECT reserved flag")]
    [InlineData("10 0E 0004 4D515454 04 42 003C 0002 6331", "3.1.1 password without user name")]
    [InlineData("10 0E 0004 4D515154 04 02 003C 0002 6331", "protocol name MQQT")]
    public void Decode311_InvalidInput_ThrowsProtocolException(string hex, string why)
    {
        var e = Assert.Throws<MqttProtocolException>(() => Decode(V3, Hex(hex)));
        Assert.False(string.IsNullOrEmpty(e.Message), why);
    }

    [Theory]
    [InlineData("30 05 0001 74 02 11 00", "session expiry in PUBLISH")]
    [InlineData("30 07 0001 74 04 01 00 01 01", "duplicate payload format indicator")]
    [InlineData("30 05 0001 74 02 01 02", "payload format indicator 2")]
    [InlineData("30 04 0001 74 05", "property length beyond the packet")]
    [InlineData("30 05 0001 74 01 7F", "unknown property 0x7F")]
    [InlineData("20 06 00 00 03 21 0000", "receive maximum 0")]
    [InlineData("40 04 0001 05 00", "PUBACK reason code 0x05")]
    [InlineData("E0 01 03", "DISCONNECT reason code 0x03")]
    [InlineData("F0 01 01", "AUTH reason code 0x01")]
    [InlineData("82 09 0001 00 0003 612F23 C1", "SUBSCRIBE reserved option bits")]
    [InlineData("B0 03 0001 00", "UNSUBACK without reason codes")]
    public void Decode500_InvalidInput_ThrowsProtocolException(string hex, string why)
    {
        var e = Assert.Throws<MqttProtocolException>(() => Decode(V5, Hex(hex)));
        Assert.False(string.IsNullOrEmpty(e.Message), why);
    }

    [Fact]
    public void Framing_PacketLargerThanMaximum_ThrowsPacketTooLarge()
    {
        var adapter = NewAdapter(V3, max: 100);
        var seq = new System.Buffers.ReadOnlySequence<byte>(Hex("30 FF 7F"));
        var e = Assert.Throws<MqttProtocolException>(() => adapter.TryReadPacket(ref seq));
        Assert.Equal(MqttReasonCode.PacketTooLarge, e.ReasonCode);
    }

    [Fact]
    public void Framing_IncompletePacket_ReturnsNullUntilComplete()
    {
        var adapter = NewAdapter(V3);
        var bytes = Hex("32 09 0003 612F62 000A 6869");
        for (var n = 0; n < bytes.Length; n++)
        {
            var partial = new System.Buffers.ReadOnlySequence<byte>(bytes, 0, n);
            Assert.Null(adapter.TryReadPacket(ref partial));
        }

        var full = new System.Buffers.ReadOnlySequence<byte>(bytes);
        Assert.IsType<MqttPublishPacket>(adapter.TryReadPacket(ref full));
    }
}
