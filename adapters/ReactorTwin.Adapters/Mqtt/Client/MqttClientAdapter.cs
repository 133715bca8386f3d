using System.Net.Sockets;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace ReactorTwin.Adapters.Mqtt.Client;

/// <summary>
/// MQTTnet's <see cref="IMqttClient"/> seen through our types: <see cref="MqttMessage"/> in and out, received messages
/// as an observable with deferred acknowledgement in receive order (<see cref="MqttInboundAcknowledgementQueue"/>),
/// connection changes as an observable, MQTTnet's exceptions mapped onto <see cref="MqttConnectionLostException"/>
/// (transient) and <see cref="MqttConnectingFailedException"/> / <see cref="MqttPacketTooLargeException"/> (not), and
/// the broker's announced limits applied to every publish (<see cref="MqttServerLimits"/>).
/// </summary>
internal sealed partial class MqttClientAdapter : IAsyncDisposable
{
    private readonly MqttClientOptions _options;
    private readonly ILogger _logger;
    private readonly IMqttClient _client;
    private readonly MqttInboundAcknowledgementQueue _acks;
    private readonly Subject<MqttMessage> _messages = new();
    private readonly Subject<MqttConnectionStateChange> _states = new();
    private readonly HashSet<string> _warned = new(StringComparer.Ordinal);
    private readonly object _formatterGate = new();
    private readonly bool _v5;
    private int _disposed;
    private MqttPacketFormatterAdapter? _formatter;
    private MqttServerLimits _limits = MqttServerLimits.None;
    private int _connected;
    private int _receiving = 1;

    public MqttClientAdapter(MqttClientOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
        _v5 = options.ProtocolVersion == MqttProtocolVersion.V500;
        _client = new MqttClientFactory().CreateMqttClient();
        _acks = new MqttInboundAcknowledgementQueue(logger, () => _client.IsConnected, options.CommunicationTimeout);
        _client.ApplicationMessageReceivedAsync += OnReceivedAsync;
        _client.DisconnectedAsync += OnDisconnectedAsync;
    }

    public bool IsConnected => _client.IsConnected;

    /// <summary>The limits of the current (or last) connection.</summary>
    public MqttServerLimits Limits => Volatile.Read(ref _limits);

    /// <summary>Every message received, on MQTTnet's receive task, in arrival order.</summary>
    public IObservable<MqttMessage> Messages => _messages.AsObservable();

    public IObservable<MqttConnectionStateChange> ConnectionStateChanges => _states.AsObservable();

    /// <summary>Acknowledgements owed to the broker and not yet sent.</summary>
    public int OwedAcknowledgements => _acks.Count;

    /// <summary>
    /// From now on, PUBLISHes received are neither delivered nor acknowledged: the broker keeps them for the next
    /// session (a persistent one redelivers them). For shutdown: once the application's observers are gone, a message
    /// acknowledged on arrival because nobody deferred it would be lost.
    /// </summary>
    public void StopReceiving() => Volatile.Write(ref _receiving, 0);

    /// <summary>Connects (TCP/TLS, CONNECT, CONNACK) within <see cref="MqttClientOptions.CommunicationTimeout"/>.</summary>
    /// <param name="will">The will to send (the configured one, possibly adapted to the broker's limits).</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <exception cref="MqttConnectingFailedException">The broker refused, or TLS failed.</exception>
    /// <exception cref="MqttConnectionLostException">The broker could not be reached or did not answer in time.</exception>
    public async Task<MqttServerLimits> ConnectAsync(MqttMessage? will, CancellationToken cancellationToken)
    {
        var options = MqttNetOptions.Create(_options, will);
        var where = $"{_options.Host}:{_options.Port}";
        MqttClientConnectResult result;
        using (await _acks.BeginConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.CommunicationTimeout);
            try
            {
                result = await _client.ConnectAsync(options, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new MqttConnectionLostException($"MQTT broker {where} did not answer within {_options.CommunicationTimeout.TotalSeconds:0.#} s.");
            }
            catch (Exception e) when (FindTls(e) is { } tls)
            {
                throw new MqttConnectingFailedException($"TLS with MQTT broker {where} failed: {tls.Message}", e);
            }
            catch (Exception e) when (e is MqttCommunicationException or SocketException or IOException)
            {
                throw new MqttConnectionLostException($"MQTT broker {where} cannot be reached: {Innermost(e).Message}", e);
            }

            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new MqttConnectingFailedException(result.ResultCode,
                    $"MQTT broker {where} refused the connection: {result.ResultCode}{(string.IsNullOrEmpty(result.ReasonString) ? "" : " (" + result.ReasonString + ")")}");
            }

            Volatile.Write(ref _limits, MqttServerLimits.From(result, _v5));
        }

        if (Interlocked.Exchange(ref _connected, 1) == 0)
        {
            _states.OnNext(new MqttConnectionStateChange(true, result.IsSessionPresent, null, null));
        }

        if (!_client.IsConnected && Interlocked.Exchange(ref _connected, 0) == 1)
        {
            _states.OnNext(new MqttConnectionStateChange(false, false, "connection closed right after CONNACK", null));
        }

        return _limits;
    }

    /// <summary>Publishes and completes when the QoS handshake completes (QoS 0: when written to the socket).</summary>
    /// <returns>The PUBACK/PUBREC reason code (<see cref="MqttClientPublishReasonCode.Success"/> for QoS 0 and 3.1.1).</returns>
    /// <exception cref="MqttConnectionLostException">Not connected, or the connection dropped before the handshake completed.</exception>
    /// <exception cref="MqttPacketTooLargeException">Larger than the broker's Maximum Packet Size (nothing sent).</exception>
    public async Task<MqttClientPublishReasonCode> PublishAsync(MqttMessage message, CancellationToken cancellationToken)
    {
        var limits = Limits;
        var qos = message.QualityOfService;
        if (qos > limits.MaximumQoS)
        {
            WarnOnce($"qos:{message.Topic}", () => LogQosDowngraded(_logger, message.Topic, (int)qos, (int)limits.MaximumQoS));
            qos = limits.MaximumQoS;
        }

        var retain = message.Retain;
        if (retain && !limits.RetainAvailable)
        {
            WarnOnce($"retain:{message.Topic}", () => LogRetainUnavailable(_logger, message.Topic));
            retain = false;
        }

        var outgoing = MqttNetOptions.ToMqttNet(message, qos, retain, _v5);
        if (limits.MaximumPacketSize is { } max && PacketSize(outgoing) is var size && size > max)
        {
            throw new MqttPacketTooLargeException($"The message to '{message.Topic}' makes a {size}-byte PUBLISH; the broker accepts at most {max} bytes (Maximum Packet Size).");
        }

        try
        {
            var result = await _client.PublishAsync(outgoing, cancellationToken).ConfigureAwait(false);
            return result.ReasonCode;
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && e is MqttCommunicationException or OperationCanceledException)
        {
            throw new OperationCanceledException("PUBLISH cancelled: the client is stopping.", e, cancellationToken);
        }
        catch (Exception e) when (e is MqttCommunicationException or SocketException or IOException or ObjectDisposedException)
        {
            throw new MqttConnectionLostException($"The message to '{message.Topic}' was not acknowledged: {Innermost(e).Message}", e);
        }
    }

    /// <summary>Subscribes; returns the broker's answer per filter (granted QoS or refusal), in request order.</summary>
    /// <exception cref="MqttConnectionLostException">Not connected, or no SUBACK within the communication timeout.</exception>
    public async Task<IReadOnlyList<MqttClientSubscribeResultCode>> SubscribeAsync(IReadOnlyList<MqttTopicSubscription> subscriptions, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.CommunicationTimeout);
        try
        {
            var result = await _client.SubscribeAsync(MqttNetOptions.Subscribe(subscriptions), timeout.Token).ConfigureAwait(false);
            return [.. result.Items.Select(i => i.ResultCode)];
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && e is MqttCommunicationException or OperationCanceledException)
        {
            throw new OperationCanceledException("SUBSCRIBE cancelled: the client is stopping.", e, cancellationToken);
        }
        catch (Exception e) when (e is MqttCommunicationException or SocketException or IOException or OperationCanceledException)
        {
            throw new MqttConnectionLostException($"SUBSCRIBE {string.Join(", ", subscriptions.Select(s => s.TopicFilter))} not answered: {Innermost(e).Message}", e);
        }
    }

    /// <summary>Unsubscribes.</summary>
    /// <exception cref="MqttConnectionLostException">Not connected, or no UNSUBACK within the communication timeout.</exception>
    public async Task UnsubscribeAsync(IReadOnlyList<string> filters, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.CommunicationTimeout);
        var builder = new MqttClientUnsubscribeOptionsBuilder();
        foreach (var f in filters)
        {
            builder = builder.WithTopicFilter(f);
        }

        try
        {
            await _client.UnsubscribeAsync(builder.Build(), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && e is MqttCommunicationException or OperationCanceledException)
        {
            throw new OperationCanceledException("UNSUBSCRIBE cancelled: the client is stopping.", e, cancellationToken);
        }
        catch (Exception e) when (e is MqttCommunicationException or SocketException or IOException or OperationCanceledException)
        {
            throw new MqttConnectionLostException($"UNSUBSCRIBE {string.Join(", ", filters)} not answered: {Innermost(e).Message}", e);
        }
    }

    /// <summary>Sends DISCONNECT (normal: the broker discards the will) and closes; does nothing when not connected. The
    /// DISCONNECT repeats the session expiry interval of CONNECT: MQTTnet otherwise sends 0, which makes an MQTT 5 broker
    /// drop the persistent session at a graceful stop — and with it every message published while the client is away
    /// (found by the fault suite: a twin stopped for a batch lost the batch).</summary>
    public async Task DisconnectAsync()
    {
        if (!_client.IsConnected)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(_options.CommunicationTimeout);
            var disconnect = new MqttClientDisconnectOptions { Reason = MqttClientDisconnectOptionsReason.NormalDisconnection };
            if (_options.ProtocolVersion == MqttProtocolVersion.V500)
            {
                disconnect.SessionExpiryInterval = _options.SessionExpiryIntervalSeconds;
            }

            await _client.DisconnectAsync(disconnect, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MqttCommunicationException or SocketException or IOException or OperationCanceledException)
        {
            LogDisconnectFailed(_logger, e.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return; // idempotent: a host may dispose the service that owns it more than once
        }

        await DisconnectAsync().ConfigureAwait(false);
        _client.ApplicationMessageReceivedAsync -= OnReceivedAsync;
        _client.DisconnectedAsync -= OnDisconnectedAsync;
        _client.Dispose();
        _acks.Dispose();
        _messages.OnCompleted();
        _messages.Dispose();
        _states.OnCompleted();
        _states.Dispose();
    }

    private Task OnReceivedAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        e.AutoAcknowledge = false;
        if (Volatile.Read(ref _receiving) == 0)
        {
            return Task.CompletedTask; // left unacknowledged: the broker redelivers it to the next session
        }

        var ack = e.ApplicationMessage.QualityOfServiceLevel == MqttQualityOfServiceLevel.AtMostOnce ? null : _acks.Add(e);
        try
        {
            _messages.OnNext(MqttNetOptions.FromMqttNet(e.ApplicationMessage, ack));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogObserverFailed(_logger, e.ApplicationMessage.Topic, ex);
        }
        finally
        {
            ack?.ReleaseIfNotDeferred();
        }

        return Task.CompletedTask;
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs e)
    {
        if (Interlocked.Exchange(ref _connected, 0) == 1)
        {
            var reason = string.IsNullOrEmpty(e.ReasonString) ? e.Reason.ToString() : $"{e.Reason} ({e.ReasonString})";
            _states.OnNext(new MqttConnectionStateChange(false, false, reason, e.Exception));
        }

        return Task.CompletedTask;
    }

    private int PacketSize(MqttApplicationMessage message)
    {
        lock (_formatterGate)
        {
            _formatter ??= new MqttPacketFormatterAdapter(_v5 ? MQTTnet.Formatter.MqttProtocolVersion.V500 : MQTTnet.Formatter.MqttProtocolVersion.V311, new MqttBufferWriter(4096, 65535));
            var packet = MqttPublishPacketFactory.Create(message);
            if (message.QualityOfServiceLevel != MqttQualityOfServiceLevel.AtMostOnce)
            {
                packet.PacketIdentifier = 1; // any id: it is always two bytes
            }

            var size = _formatter.Encode(packet).Length;
            _formatter.Cleanup();
            return size;
        }
    }

    private void WarnOnce(string key, Action log)
    {
        bool first;
        lock (_warned)
        {
            first = _warned.Add(key);
        }

        if (first)
        {
            log();
        }
    }

    private static AuthenticationException? FindTls(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is AuthenticationException a)
            {
                return a;
            }
        }

        return null;
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is { } inner)
        {
            e = inner;
        }

        return e;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT broker's Maximum QoS is {Maximum}: messages to '{Topic}' are published at QoS {Maximum} instead of {Requested}")]
    private static partial void LogQosDowngraded(ILogger logger, string topic, int requested, int maximum);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT broker does not keep retained messages (Retain Available = 0): messages to '{Topic}' are published without retain, so a subscriber that connects later does not receive the last one")]
    private static partial void LogRetainUnavailable(ILogger logger, string topic);

    [LoggerMessage(Level = LogLevel.Error, Message = "MQTT: an observer of '{Topic}' failed")]
    private static partial void LogObserverFailed(ILogger logger, string topic, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MQTT DISCONNECT not sent cleanly: {Reason}")]
    private static partial void LogDisconnectFailed(ILogger logger, string reason);
}
