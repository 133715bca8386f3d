using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace ReactorTwin.Adapters.Mqtt;

/// <summary>Connection settings of an <see cref="MqttManagedClient"/> (translated into MQTTnet's client options when it
/// connects). Build with <see cref="MqttClientOptionsBuilder"/> or an object initializer; <see cref="Validate"/> is
/// called by the managed client's constructor.</summary>
public sealed record MqttClientOptions
{
    /// <summary>Broker host name or address. Default "localhost".</summary>
    public string Host { get; init; } = "localhost";

    /// <summary>Broker TCP port. Default 1883 (use 8883 with <see cref="Tls"/>).</summary>
    public int Port { get; init; } = 1883;

    /// <summary>Protocol version. Default <see cref="MqttProtocolVersion.V311"/>.</summary>
    public MqttProtocolVersion ProtocolVersion { get; init; } = MqttProtocolVersion.V311;

    /// <summary>Client identifier. Empty asks the broker to assign one (3.1.1 requires <see cref="CleanSession"/> then).</summary>
    public string ClientId { get; init; } = "";

    /// <summary>3.1.1 Clean Session / 5.0 Clean Start: discard any previous session when connecting. Default true.</summary>
    public bool CleanSession { get; init; } = true;

    /// <summary>MQTT 5.0 session expiry interval in seconds (0: the session ends with the connection;
    /// <see cref="uint.MaxValue"/>: never expires). Default 0. On 3.1.1 a session persists when
    /// <see cref="CleanSession"/> is false.</summary>
    public uint SessionExpiryIntervalSeconds { get; init; }

    /// <summary>Keep-alive period (0 disables; at most 65535 s). MQTTnet sends a PINGREQ when nothing was sent for
    /// this long and closes the connection when the PINGRESP does not come within <see cref="CommunicationTimeout"/>.
    /// Default 60 s. An MQTT 5.0 server may override it (Server Keep Alive).</summary>
    public TimeSpan KeepAlivePeriod { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Timeout for connecting (TCP + TLS + CONNACK), for SUBACK/UNSUBACK, PINGRESP and for sending an
    /// acknowledgement, measured in real time (the network's clock, not the injected one). Default 10 s. A PUBLISH waits
    /// for its PUBACK/PUBCOMP without a timeout: the keep-alive detects a dead connection, and the managed client then
    /// sends the message again.</summary>
    public TimeSpan CommunicationTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>User name, or null for none.</summary>
    public string? Username { get; init; }

    /// <summary>Password bytes, or null for none (3.1.1 needs a user name with a password).</summary>
    public ReadOnlyMemory<byte>? Password { get; init; }

    /// <summary>Last will and testament, published by the broker when the connection ends without DISCONNECT.</summary>
    public MqttMessage? Will { get; init; }

    /// <summary>MQTT 5.0 will delay interval in seconds. Default 0.</summary>
    public uint WillDelayIntervalSeconds { get; init; }

    /// <summary>MQTT 5.0 Receive Maximum announced to the server (QoS 1/2 messages it may have in flight to us).
    /// Default 65535. Not sent on 3.1.1.</summary>
    public ushort ReceiveMaximum { get; init; } = ushort.MaxValue;

    /// <summary>Largest packet accepted from the server, in bytes, announced in MQTT 5.0 CONNECT (the broker then does
    /// not send larger ones). Default 16 MiB. Not sent on 3.1.1.</summary>
    public uint MaximumPacketSize { get; init; } = 16 * 1024 * 1024;

    /// <summary>MQTT 5.0 user properties sent with CONNECT.</summary>
    public IReadOnlyList<MqttUserProperty> ConnectUserProperties { get; init; } = [];

    /// <summary>TLS settings; null for plain TCP.</summary>
    public MqttTlsOptions? Tls { get; init; }

    /// <summary>Whether the broker keeps the session after the connection ends.</summary>
    internal bool SessionOutlivesConnection =>
        ProtocolVersion == MqttProtocolVersion.V500 ? SessionExpiryIntervalSeconds > 0 : !CleanSession;

    /// <summary>Checks the settings against the protocol rules.</summary>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            throw new ArgumentException("Host must be set.", nameof(Host));
        }

        if (Port is < 1 or > 65535)
        {
            throw new ArgumentException($"Port {Port} must be in 1..65535.", nameof(Port));
        }

        if (ProtocolVersion is not (MqttProtocolVersion.V311 or MqttProtocolVersion.V500))
        {
            throw new ArgumentException("Unsupported protocol version.", nameof(ProtocolVersion));
        }

        ArgumentNullException.ThrowIfNull(ClientId);
        if (System.Text.Encoding.UTF8.GetByteCount(ClientId) > 65535 || ClientId.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("ClientId is not a valid MQTT string.", nameof(ClientId));
        }

        if (ClientId.Length == 0 && !CleanSession && ProtocolVersion == MqttProtocolVersion.V311)
        {
            throw new ArgumentException("MQTT 3.1.1 needs a ClientId when CleanSession is false (MQTT-3.1.3-7).", nameof(ClientId));
        }

        if (KeepAlivePeriod < TimeSpan.Zero || KeepAlivePeriod > TimeSpan.FromSeconds(ushort.MaxValue))
        {
            throw new ArgumentException("KeepAlivePeriod must be in 0..65535 s.", nameof(KeepAlivePeriod));
        }

        if (CommunicationTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("CommunicationTimeout must be positive.", nameof(CommunicationTimeout));
        }

        if (Password is not null && Username is null && ProtocolVersion == MqttProtocolVersion.V311)
        {
            throw new ArgumentException("MQTT 3.1.1 does not allow a password without a user name.", nameof(Password));
        }

        if (Password is { Length: > 65535 })
        {
            throw new ArgumentException("Password is longer than 65535 bytes.", nameof(Password));
        }

        if (Will is not null && MqttTopic.ValidateTopicName(Will.Topic) is { } why)
        {
            throw new ArgumentException("Will topic: " + why, nameof(Will));
        }

        if (Will is { Payload.Length: > 65535 })
        {
            throw new ArgumentException("Will payload is longer than 65535 bytes.", nameof(Will));
        }

        if (ReceiveMaximum == 0)
        {
            throw new ArgumentException("ReceiveMaximum must be at least 1.", nameof(ReceiveMaximum));
        }

        if (MaximumPacketSize < 64)
        {
            throw new ArgumentException("MaximumPacketSize must be at least 64 bytes.", nameof(MaximumPacketSize));
        }

        if (Tls?.CaCertificateFile is { } ca && !File.Exists(ca))
        {
            throw new ArgumentException($"CA certificate file '{ca}' does not exist.", nameof(Tls));
        }
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"MqttClientOptions {{ {(Tls is null ? "mqtt" : "mqtts")}://{Host}:{Port}, v{(int)ProtocolVersion}, ClientId = {ClientId}, " +
        $"CleanSession = {CleanSession}, KeepAlive = {KeepAlivePeriod.TotalSeconds} s, Username = {Username ?? "(none)"} }}";
}

/// <summary>TLS settings of a connection.</summary>
public sealed record MqttTlsOptions
{
    /// <summary>Name expected in the server certificate; default: <see cref="MqttClientOptions.Host"/>.</summary>
    public string? TargetHost { get; init; }

    /// <summary>PEM or DER file of the CA(s) that must have issued the server certificate (instead of the system
    /// store). The host name is still checked; revocation is not (a lab CA publishes no revocation list).</summary>
    public string? CaCertificateFile { get; init; }

    /// <summary>Client certificate (with private key) for mutual TLS, or null.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>Custom server certificate validation; overrides <see cref="CaCertificateFile"/> and the system store.</summary>
    public RemoteCertificateValidationCallback? CertificateValidationCallback { get; init; }

    /// <summary>Allowed protocol versions; default TLS 1.2 and 1.3.</summary>
    public SslProtocols Protocols { get; init; } = SslProtocols.Tls12 | SslProtocols.Tls13;
}

/// <summary>Fluent builder of <see cref="MqttClientOptions"/>; <see cref="Build"/> validates.</summary>
public sealed class MqttClientOptionsBuilder
{
    private MqttClientOptions _options = new();

    /// <summary>Broker host and port.</summary>
    /// <param name="host">Host name or address.</param>
    /// <param name="port">TCP port.</param>
    /// <returns>This builder.</returns>
    public MqttClientOptionsBuilder WithTcpServer(string host, int port = 1883)
    {
        _options = _options with { Host = host, Port = port };
        return this;
    }

    /// <summary>Protocol version.</summary>
    /// <param name="version">3.1.1 or 5.0.</param>
    /// <returns>This builder.</returns>
    public MqttClientOptionsBuilder WithProtocolVersion(MqttProtocolVersion version)
    {
        _options = _options with { ProtocolVersion = version };
        return this;
    }

    /// <summary>Client identifier.</summary>
    /// <param name="clientId">Identifier.</param>
    /// <returns>This builder.</returns>
    public MqttClientOptionsBuilder WithClientId(string clientId)
    {
        _options = _options with { ClientId = clientId };
        return this;
    }

    /// <summary>Clean session (3.1.1) / clean start (5.0).</summary>
    /// <param name="clean">Whether to discard a previous session.</param>
    /// <returns>This builder.</returns>
    public MqttClientOptionsBuilder WithCleanSession(bool clean = true)
    {
        _options = _options with { CleanSession = clean };
        return this;
    }

    /// <summary>MQTT 5.0 session expiry interval.</summary>
    /// <param name="seconds">Seconds the broker keeps the session after the connection ends.</param>
    /// <returns>This builder.</returns>
    public MqttClientOptionsBuilder WithSessionExpiryInterval(uint seconds)
    {
        _options = _options with { SessionExpiryIntervalSeconds = seconds };
        return this;
    }

    /// <summary>Keep-alive period.</summary>
    /// <param name="period">Period (0 disables).</param>
    /// <returns>This builder.</returns>
    public MqttClientOptionsBuilder WithKeepAlivePeriod(TimeSpan period)
    {
        _options = _options with { KeepAlivePeriod = period };
        return this;
    }

    /// <summary>Timeout for connecting and for SUBACK/UNSUBACK.</summary>
    /// <param name="timeout">Timeout.</param>
    /// <returns>This builder.</returns>
    public MqttClientOptionsBuilder WithCommunicationTimeout(TimeSpan timeout)
    {
        _options = _options with { CommunicationTimeout = timeout };
        return this;
    }

    /// <summary>User name and password (UTF-8 encoded).</summary>
    /// <param name="username">User name.</param>
    /// <param name="password">Password, or null.</param>
    /// <returns>This builder.</returns>
    public MqttClientOptionsBuilder WithCredentials(string username, string? password)
    {
        _options = _options with
        {
            Username = username,
            Password = password is null ? null : System.Text.Encoding.UTF8.GetBytes(password),
        };
        return this;
    }

    /// <summary>Last will and testament.</summary>
    /// <param name="will">Message the broker publishes if the connection is lost.</param>
    /// <param name="delaySeconds">MQTT 5.0 will delay interval.</param>
    /// <returns>This builder.</returns>
    public MqttClientOptionsBuilder WithWill(MqttMessage will, uint delaySeconds = 0)
    {
        _options = _options with { Will = will, WillDelayIntervalSeconds = delaySeconds };
        return this;
    }

    /// <summary>TLS.</summary>
    /// <param name="tls">TLS settings.</param>
    /// <returns>This builder.</returns>
    public MqttClientOptionsBuilder WithTls(MqttTlsOptions tls)
    {
        _options = _options with { Tls = tls };
        return this;
    }

    /// <summary>Limits announced to the server.</summary>
    /// <param name="receiveMaximum">QoS 1/2 messages the server may have in flight to us.</param>
    /// <param name="maximumPacketSize">Largest packet we accept.</param>
    /// <returns>This builder.</returns>
    public MqttClientOptionsBuilder WithLimits(ushort receiveMaximum, uint maximumPacketSize)
    {
        _options = _options with { ReceiveMaximum = receiveMaximum, MaximumPacketSize = maximumPacketSize };
        return this;
    }

    /// <summary>Validates and returns the options.</summary>
    /// <returns>The options.</returns>
    /// <exception cref="ArgumentException">A setting is invalid.</exception>
    public MqttClientOptions Build()
    {
        _options.Validate();
        return _options;
    }
}
