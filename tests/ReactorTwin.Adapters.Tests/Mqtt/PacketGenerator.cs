using System.Text;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Adapters.Mqtt.Packets;

namespace ReactorTwin.Adapters.Tests.Mqtt;

/// <summary>Seeded generator of valid packets of every type for either protocol version.</summary>
internal sealed class PacketGenerator(int seed, MqttProtocolVersion version)
{
    private static readonly string[] Words = ["a", "b", "sensor", "temp", "ä", "日本", "$SYS", "x y", "🙂", "reactor-1"];
    private readonly Random _random = new(seed);

    private bool V5 => version == MqttProtocolVersion.V500;

    private bool Coin() => _random.Next(2) == 0;

    private ushort Id() => (ushort)_random.Next(1, 65536);

    private string Str(int maxWords = 3)
    {
        var n = _random.Next(0, maxWords + 1);
        var sb = new StringBuilder();
        for (var i = 0; i < n; i++)
        {
            sb.Append(Words[_random.Next(Words.Length)]);
        }

        return sb.ToString();
    }

    public string Topic()
    {
        var levels = _random.Next(1, 5);
        var parts = new string[levels];
        for (var i = 0; i < levels; i++)
        {
            parts[i] = Words[_random.Next(Words.Length)];
        }

        return string.Join('/', parts);
    }

    public string Filter()
    {
        var levels = _random.Next(1, 5);
        var parts = new List<string>();
        for (var i = 0; i < levels; i++)
        {
            parts.Add(_random.Next(4) == 0 ? "+" : Words[_random.Next(Words.Length)]);
        }

        if (Coin())
        {
            parts.Add("#");
        }

        return string.Join('/', parts);
    }

    private byte[] Bytes(int max)
    {
        var b = new byte[_random.Next(0, max + 1)];
        _random.NextBytes(b);
        return b;
    }

    private List<MqttUserProperty> UserProps()
    {
        var list = new List<MqttUserProperty>();
        if (!V5)
        {
            return list;
        }

        var n = _random.Next(0, 3);
        for (var i = 0; i < n; i++)
        {
            list.Add(new MqttUserProperty(Str(), Str()));
        }

        return list;
    }

    private T? Maybe<T>(Func<T> f)
        where T : struct => V5 && Coin() ? f() : null;

    private string? MaybeStr() => V5 && Coin() ? Str() : null;

    private byte? MaybeBool() => Maybe(() => (byte)_random.Next(2));

    private MqttProperties Props(PropertyKinds kinds)
    {
        var p = new MqttProperties();
        if (!V5)
        {
            return p;
        }

        p.UserProperties.AddRange(UserProps());
        if (kinds.HasFlag(PropertyKinds.Reason))
        {
            p.ReasonString = MaybeStr();
        }

        if (kinds.HasFlag(PropertyKinds.Connect))
        {
            p.SessionExpiryInterval = Maybe(() => (uint)_random.Next());
            p.ReceiveMaximum = Maybe(() => (ushort)_random.Next(1, 65536));
            p.MaximumPacketSize = Maybe(() => (uint)_random.Next(1, int.MaxValue));
            p.TopicAliasMaximum = Maybe(() => (ushort)_random.Next(65536));
            p.RequestProblemInformation = MaybeBool();
            p.RequestResponseInformation = MaybeBool();
            p.AuthenticationMethod = MaybeStr();
            p.AuthenticationData = V5 && Coin() ? Bytes(8) : null;
        }

        if (kinds.HasFlag(PropertyKinds.ConnAck))
        {
            p.SessionExpiryInterval = Maybe(() => (uint)_random.Next());
            p.ReceiveMaximum = Maybe(() => (ushort)_random.Next(1, 65536));
            p.MaximumPacketSize = Maybe(() => (uint)_random.Next(1, int.MaxValue));
            p.TopicAliasMaximum = Maybe(() => (ushort)_random.Next(65536));
            p.AssignedClientIdentifier = MaybeStr();
            p.ServerKeepAlive = Maybe(() => (ushort)_random.Next(65536));
            p.ResponseInformation = MaybeStr();
            p.ServerReference = MaybeStr();
            p.MaximumQoS = MaybeBool();
            p.RetainAvailable = MaybeBool();
            p.WildcardSubscriptionAvailable = MaybeBool();
            p.SubscriptionIdentifierAvailable = MaybeBool();
            p.SharedSubscriptionAvailable = MaybeBool();
            p.AuthenticationMethod = MaybeStr();
        }

        if (kinds.HasFlag(PropertyKinds.Disconnect))
        {
            p.SessionExpiryInterval = Maybe(() => (uint)_random.Next());
            p.ServerReference = MaybeStr();
        }

        if (kinds.HasFlag(PropertyKinds.Auth))
        {
            p.AuthenticationMethod = MaybeStr();
            p.AuthenticationData = V5 && Coin() ? Bytes(8) : null;
        }

        if (kinds.HasFlag(PropertyKinds.Subscribe))
        {
            p.SubscriptionIdentifier = Maybe(() => (uint)_random.Next(1, 268_435_455));
        }

        return p;
    }

    public MqttMessage Message(bool forPublish)
    {
        var qos = (MqttQualityOfService)_random.Next(3);
        var m = new MqttMessage(Topic(), Bytes(forPublish ? 300 : 40), qos, Coin());
        if (!V5)
        {
            return m;
        }

        return new MqttMessage(m.Topic, m.Payload, m.QualityOfService, m.Retain)
        {
            MessageExpiryIntervalSeconds = Maybe(() => (uint)_random.Next()),
            PayloadIsUtf8 = Maybe(() => Coin()),
            ContentType = MaybeStr(),
            ResponseTopic = Coin() ? Topic() : null,
            CorrelationData = Coin() ? Bytes(16) : null,
            UserProperties = UserProps(),
            SubscriptionIdentifiers = forPublish && Coin() ? [(uint)_random.Next(1, 1000), (uint)_random.Next(1, 268_435_455)] : [],
        };
    }

    public MqttPacket Next(MqttPacketType type)
    {
        switch (type)
        {
            case MqttPacketType.Connect:
                var c = new MqttConnectPacket
                {
                    ProtocolVersion = version,
                    ClientId = Str(),
                    CleanSession = Coin(),
                    KeepAliveSeconds = (ushort)_random.Next(65536),
                    Properties = Props(PropertyKinds.Connect),
                };
                if (Coin())
                {
                    c.Will = Message(false);
                    c.WillDelayInterval = Maybe(() => (uint)_random.Next());
                }

                if (Coin())
                {
                    c.Username = Str();
                }

                if ((c.Username is not null || V5) && Coin())
                {
                    c.Password = Bytes(20);
                }

                return c;
            case MqttPacketType.ConnAck:
                var code = V5 ? (byte)(Coin() ? 0 : 0x80 + _random.Next(0x20)) : (byte)_random.Next(6);
                return new MqttConnAckPacket { ReasonCode = code, SessionPresent = code == 0 && Coin(), Properties = Props(PropertyKinds.ConnAck) };
            case MqttPacketType.Publish:
                var m = Message(true);
                return new MqttPublishPacket(m)
                {
                    PacketId = m.QualityOfService == MqttQualityOfService.AtMostOnce ? (ushort)0 : Id(),
                    Dup = m.QualityOfService != MqttQualityOfService.AtMostOnce && Coin(),
                };
            case MqttPacketType.PubAck:
            case MqttPacketType.PubRec:
            case MqttPacketType.PubRel:
            case MqttPacketType.PubComp:
                byte reason = 0;
                if (V5 && Coin())
                {
                    reason = type is MqttPacketType.PubRel or MqttPacketType.PubComp ? (byte)0x92 : (byte)(Coin() ? 0x10 : 0x80 + _random.Next(0x20));
                }

                return new MqttPublishAckPacket(type, Id(), reason) { Properties = Props(PropertyKinds.Reason) };
            case MqttPacketType.Subscribe:
                var s = new MqttSubscribePacket { PacketId = Id(), Properties = Props(PropertyKinds.Subscribe) };
                for (var i = _random.Next(1, 4); i > 0; i--)
                {
                    s.Subscriptions.Add(V5
                        ? new MqttSubscription(Filter(), (MqttQualityOfService)_random.Next(3), Coin(), Coin(), (byte)_random.Next(3))
                        : new MqttSubscription(Filter(), (MqttQualityOfService)_random.Next(3)));
                }

                return s;
            case MqttPacketType.SubAck:
                var sa = new MqttSubAckPacket { PacketId = Id(), Properties = Props(PropertyKinds.Reason) };
                for (var i = _random.Next(1, 4); i > 0; i--)
                {
                    sa.ReasonCodes.Add(_random.Next(4) switch { 0 => 0, 1 => 1, 2 => 2, _ => 0x80 });
                }

                return sa;
            case MqttPacketType.Unsubscribe:
                var u = new MqttUnsubscribePacket { PacketId = Id(), Properties = Props(PropertyKinds.None) };
                for (var i = _random.Next(1, 4); i > 0; i--)
                {
                    u.Filters.Add(Filter());
                }

                return u;
            case MqttPacketType.UnsubAck:
                var ua = new MqttUnsubAckPacket { PacketId = Id(), Properties = Props(PropertyKinds.Reason) };
                if (V5)
                {
                    for (var i = _random.Next(1, 4); i > 0; i--)
                    {
                        ua.ReasonCodes.Add(Coin() ? (byte)0 : (byte)0x11);
                    }
                }

                return ua;
            case MqttPacketType.PingReq:
                return MqttPingReqPacket.Instance;
            case MqttPacketType.PingResp:
                return MqttPingRespPacket.Instance;
            case MqttPacketType.Disconnect:
                return V5
                    ? new MqttDisconnectPacket { ReasonCode = Coin() ? (byte)0 : (byte)0x8D, Properties = Props(PropertyKinds.Reason | PropertyKinds.Disconnect) }
                    : new MqttDisconnectPacket();
            case MqttPacketType.Auth:
                return new MqttAuthPacket { ReasonCode = Coin() ? (byte)0 : (byte)0x18, Properties = Props(PropertyKinds.Reason | PropertyKinds.Auth) };
            default:
                throw new ArgumentOutOfRangeException(nameof(type));
        }
    }

    [Flags]
    private enum PropertyKinds
    {
        None = 0,
        Reason = 1,
        Connect = 2,
        ConnAck = 4,
        Disconnect = 8,
        Auth = 16,
        Subscribe = 32,
    }
}
