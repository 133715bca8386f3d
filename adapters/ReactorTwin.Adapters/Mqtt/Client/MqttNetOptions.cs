using System.Buffers;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace ReactorTwin.Adapters.Mqtt.Client;

/// <summary>Translates our <see cref="MqttClientOptions"/> and <see cref="MqttMessage"/> into MQTTnet's types and back.</summary>
internal static class MqttNetOptions
{
    /// <summary>MQTTnet client options for <paramref name="o"/>; <paramref name="will"/> replaces <see cref="MqttClientOptions.Will"/>
    /// (the managed client passes a will adapted to the broker's limits).</summary>
    public static MQTTnet.MqttClientOptions Create(MqttClientOptions o, MqttMessage? will)
    {
        var v5 = o.ProtocolVersion == MqttProtocolVersion.V500;
        var builder = new MQTTnet.MqttClientOptionsBuilder()
            .WithTcpServer(o.Host, o.Port)
            .WithProtocolVersion(v5 ? MQTTnet.Formatter.MqttProtocolVersion.V500 : MQTTnet.Formatter.MqttProtocolVersion.V311)
            .WithClientId(o.ClientId)
            .WithCleanSession(o.CleanSession)
            .WithKeepAlivePeriod(o.KeepAlivePeriod)
            .WithTimeout(o.CommunicationTimeout);
        if (o.Username is not null || o.Password is not null)
        {
            builder = builder.WithCredentials(o.Username, o.Password?.ToArray());
        }

        if (o.Tls is { } tls)
        {
            builder = builder.WithTlsOptions(Tls(tls, o.Host));
        }

        var options = builder.Build();
        if (v5)
        {
            options.SessionExpiryInterval = o.SessionExpiryIntervalSeconds;
            options.ReceiveMaximum = o.ReceiveMaximum;
            options.MaximumPacketSize = o.MaximumPacketSize;
            options.UserProperties = o.ConnectUserProperties.Count == 0 ? null : Properties(o.ConnectUserProperties);
        }

        if (will is not null)
        {
            options.WillTopic = will.Topic;
            options.WillPayload = will.Payload.ToArray();
            options.WillQualityOfServiceLevel = (MqttQualityOfServiceLevel)will.QualityOfService;
            options.WillRetain = will.Retain;
            if (v5)
            {
                options.WillDelayInterval = o.WillDelayIntervalSeconds;
                options.WillMessageExpiryInterval = will.MessageExpiryIntervalSeconds ?? 0;
                options.WillContentType = will.ContentType;
                options.WillResponseTopic = will.ResponseTopic;
                options.WillCorrelationData = will.CorrelationData?.ToArray();
                options.WillPayloadFormatIndicator = PayloadFormat(will.PayloadIsUtf8);
                options.WillUserProperties = will.UserProperties.Count == 0 ? null : Properties(will.UserProperties);
            }
        }

        return options;
    }

    private static MqttClientTlsOptions Tls(MqttTlsOptions tls, string host)
    {
        var options = new MqttClientTlsOptions
        {
            UseTls = true,
            TargetHost = tls.TargetHost ?? host,
            SslProtocol = tls.Protocols,
        };
        if (tls.CaCertificateFile is { } ca)
        {
            var chain = new X509Certificate2Collection();
            try
            {
                chain.ImportFromPemFile(ca);
            }
            catch (System.Security.Cryptography.CryptographicException)
            {
                chain.Add(X509CertificateLoader.LoadCertificateFromFile(ca)); // DER
            }

            if (chain.Count == 0)
            {
                chain.Add(X509CertificateLoader.LoadCertificateFromFile(ca));
            }

            options.TrustChain = chain;
            options.RevocationMode = X509RevocationMode.NoCheck;
        }

        if (tls.ClientCertificate is { } cert)
        {
            options.ClientCertificatesProvider = new DefaultMqttCertificatesProvider(new X509Certificate2Collection(cert));
        }

        if (tls.CertificateValidationCallback is { } callback)
        {
            options.CertificateValidationHandler = e => callback(e, e.Certificate, e.Chain, e.SslPolicyErrors);
        }

        return options;
    }

    /// <summary>The MQTTnet application message for <paramref name="m"/> with the given QoS and retain flag (the
    /// broker's limits may have lowered them).</summary>
    public static MqttApplicationMessage ToMqttNet(MqttMessage m, MqttQualityOfService qos, bool retain, bool v5)
    {
        var message = new MqttApplicationMessage
        {
            Topic = m.Topic,
            PayloadSegment = MemoryMarshalArraySegment(m.Payload),
            QualityOfServiceLevel = (MqttQualityOfServiceLevel)qos,
            Retain = retain,
        };
        if (v5)
        {
            message.MessageExpiryInterval = m.MessageExpiryIntervalSeconds ?? 0;
            message.PayloadFormatIndicator = PayloadFormat(m.PayloadIsUtf8);
            message.ContentType = m.ContentType;
            message.ResponseTopic = m.ResponseTopic;
            message.CorrelationData = m.CorrelationData?.ToArray();
            message.UserProperties = m.UserProperties.Count == 0 ? null : Properties(m.UserProperties);
        }

        return message;
    }

    /// <summary>Our message for one received by MQTTnet (the payload is copied: MQTTnet reuses its buffers).</summary>
    public static MqttMessage FromMqttNet(MqttApplicationMessage m, MqttInboundAcknowledgement? acknowledgement) =>
        new(m.Topic, m.Payload.ToArray(), (MqttQualityOfService)m.QualityOfServiceLevel, m.Retain)
        {
            IsDuplicate = m.Dup,
            MessageExpiryIntervalSeconds = m.MessageExpiryInterval == 0 ? null : m.MessageExpiryInterval,
            PayloadIsUtf8 = m.PayloadFormatIndicator == MqttPayloadFormatIndicator.CharacterData ? true : null,
            ContentType = m.ContentType,
            ResponseTopic = m.ResponseTopic,
            CorrelationData = m.CorrelationData,
            UserProperties = m.UserProperties is { Count: > 0 } props ? [.. props.Select(p => new ReactorTwin.Adapters.Mqtt.MqttUserProperty(p.Name, p.ReadValueAsString()))] : [],
            SubscriptionIdentifiers = m.SubscriptionIdentifiers is { Count: > 0 } ids ? [.. ids] : [],
            InboundAcknowledgement = acknowledgement,
        };

    /// <summary>MQTTnet's subscribe options for our subscriptions.</summary>
    public static MqttClientSubscribeOptions Subscribe(IReadOnlyList<MqttTopicSubscription> subscriptions)
    {
        var builder = new MqttClientSubscribeOptionsBuilder();
        foreach (var s in subscriptions)
        {
            builder = builder.WithTopicFilter(new MqttTopicFilter
            {
                Topic = s.TopicFilter,
                QualityOfServiceLevel = (MqttQualityOfServiceLevel)s.QualityOfService,
                NoLocal = s.NoLocal,
                RetainAsPublished = s.RetainAsPublished,
                RetainHandling = (MQTTnet.Protocol.MqttRetainHandling)s.RetainHandling,
            });
        }

        return builder.Build();
    }

    private static List<MQTTnet.Packets.MqttUserProperty> Properties(IReadOnlyList<ReactorTwin.Adapters.Mqtt.MqttUserProperty> properties) =>
        [.. properties.Select(p => new MQTTnet.Packets.MqttUserProperty(p.Name, System.Text.Encoding.UTF8.GetBytes(p.Value).AsMemory()))];

    private static MqttPayloadFormatIndicator PayloadFormat(bool? utf8) =>
        utf8 == true ? MqttPayloadFormatIndicator.CharacterData : MqttPayloadFormatIndicator.Unspecified;

    private static ArraySegment<byte> MemoryMarshalArraySegment(ReadOnlyMemory<byte> payload) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(payload, out var segment) ? segment : new ArraySegment<byte>(payload.ToArray());
}
