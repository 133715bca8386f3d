using System.IO.Pipelines;
using System.Net.Sockets;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ReactorTwin.Adapters.Mqtt.Channel;
using ReactorTwin.Adapters.Mqtt.Formatter;
using ReactorTwin.Adapters.Mqtt.Packets;

namespace ReactorTwin.Adapters.Mqtt;

/// <summary>Retain handling option of an MQTT 5.0 subscription.</summary>
public enum MqttRetainHandling
{
    /// <summary>Send retained messages at the time of the subscribe.</summary>
    SendAtSubscribe = 0,

    /// <summary>Send retained messages only if the subscription did not exist.</summary>
    SendAtSubscribeIfNew = 1,

    /// <summary>Do not send retained messages.</summary>
    DoNotSend = 2,
}

/// <summary>One topic filter of a SUBSCRIBE request.</summary>
/// <param name="TopicFilter">Filter, may contain '+' and '#'.</param>
/// <param name="QualityOfService">Maximum QoS requested.</param>
public sealed record MqttTopicSubscription(string TopicFilter, MqttQualityOfService QualityOfService = MqttQualityOfService.AtLeastOnce)
{
    /// <summary>MQTT 5.0: do not receive our own publications.</summary>
    public bool NoLocal { get; init; }

    /// <summary>MQTT 5.0: keep the retain flag as published.</summary>
    public bool RetainAsPublished { get; init; }

    /// <summary>MQTT 5.0: when retained messages are sent.</summary>
    public MqttRetainHandling RetainHandling { get; init; }
}

/// <summary>MQTT 3.1.1/5.0 client over TCP or TLS: connect, publish with QoS 0/1/2, subscribe, keep-alive, and session
/// state (in-flight messages and their packet identifiers) that survives reconnects into a persistent session.</summary>
/// <remarks>
/// <para>Incoming messages are pushed to <see cref="Messages"/> on the receive loop; observers should hand heavy
/// work off. Publishing is thread-safe. The client does not reconnect by itself: MqttManagedClient does.</para>
/// <para>Bytes from the network that violate the protocol close the connection with
/// <see cref="MqttDisconnectReason.ProtocolViolation"/> and a logged reason; they never throw into the application.</para>
/// </remarks>
public sealed partial class MqttClient : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Subject<MqttMessage> _messages = new();
    private readonly Subject<MqttConnectionStateChange> _states = new();
    private readonly Dictionary<ushort, OutboundFlight> _flights = [];
    private readonly HashSet<ushort> _inboundQos2 = [];
    private readonly Dictionary<ushort, TaskCompletionSource<MqttPacket>> _pendingAcks = [];
    private readonly Queue<MqttInboundAcknowledgement> _inboundAcks = new();
    private bool _ackPumpRunning;
    private readonly PacketIdentifierAllocator _ids = new();
    private readonly SendQuota _quota = new(ushort.MaxValue);
    private Connection? _connection;
    private MqttConnectResult? _serverLimits;
    private long _sequence;
    private bool _disposed;
    private bool _statesCompleted;

    /// <summary>Creates a client; nothing happens until <see cref="ConnectAsync"/>.</summary>
    /// <param name="options">Connection settings.</param>
    /// <param name="logger">Logger (connection events, protocol violations); optional.</param>
    /// <param name="timeProvider">Clock for keep-alive and timeouts; default <see cref="TimeProvider.System"/>.</param>
    public MqttClient(MqttClientOptions options, ILogger? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _logger = logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The connection settings.</summary>
    public MqttClientOptions Options { get; }

    /// <summary>Whether a connection is established (CONNACK accepted and not closed since).</summary>
    public bool IsConnected => Volatile.Read(ref _connection) is not null;

    /// <summary>Every application message received, in arrival order (QoS 2 messages exactly once).</summary>
    public IObservable<MqttMessage> Messages => _messages.AsObservable();

    /// <summary>Connect and disconnect events with reasons.</summary>
    public IObservable<MqttConnectionStateChange> ConnectionStateChanges => _states.AsObservable();

    /// <summary>QoS 1/2 messages sent and not yet fully acknowledged (session state).</summary>
    public int InFlightCount
    {
        get
        {
            lock (_gate)
            {
                return _flights.Count;
            }
        }
    }

    /// <summary>Received messages whose topic matches <paramref name="topicFilter"/> (subscribe separately).</summary>
    /// <param name="topicFilter">A topic filter; '$' topics are not matched by a leading wildcard.</param>
    /// <returns>The filtered stream.</returns>
    public IObservable<MqttMessage> Observe(string topicFilter)
    {
        if (MqttTopic.ValidateTopicFilter(topicFilter) is { } why)
        {
            throw new ArgumentException(why, nameof(topicFilter));
        }

        return _messages.Where(m => MqttTopic.Matches(topicFilter, m.Topic));
    }

    // ------------------------------------------------------------------------------------------------ connect

    /// <summary>Opens the connection, sends CONNECT and waits for CONNACK. When the broker resumes the session,
    /// unacknowledged QoS 1/2 messages are re-sent (DUP set) and pending PUBRELs repeated with their original
    /// packet identifiers; when it has no session, that state is discarded (their publish tasks fail).</summary>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns>What the broker granted.</returns>
    /// <exception cref="MqttConnectingFailedException">The broker refused (e.g. bad user name or password).</exception>
    /// <exception cref="MqttClientException">Network failure, timeout, or protocol violation while connecting.</exception>
    public async Task<MqttConnectResult> ConnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Options.Validate();
        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_connection is not null)
            {
                throw new MqttClientException("The client is already connected.");
            }

            return await ConnectCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private async Task<MqttConnectResult> ConnectCoreAsync(CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(Options.CommunicationTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var endpoint = $"{Options.Host}:{Options.Port}";
        IMqttChannel channel;
        try
        {
            channel = Options.ChannelFactory is { } factory
                ? await factory(linked.Token).ConfigureAwait(false)
                : await MqttTcpChannel.ConnectAsync(Options.Host, Options.Port, Options.Tls, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new MqttClientException($"Timed out connecting to {endpoint} after {Options.CommunicationTimeout}.", e);
        }
        catch (Exception e) when (e is SocketException or IOException or AuthenticationException)
        {
            LogConnectFailed(_logger, endpoint, e.Message);
            throw new MqttClientException($"Could not connect to {endpoint}: {e.Message}", e);
        }

        var adapter = new MqttChannelAdapter(channel, MqttPacketFormatter.Create(Options.ProtocolVersion), Options.MaximumPacketSize, _time);
        MqttConnAckPacket ack;
        try
        {
            if (Options.CleanSession)
            {
                DiscardSession("a clean session was requested");
            }

            await adapter.SendAsync(BuildConnect(), linked.Token).ConfigureAwait(false);
            var packet = await adapter.ReceiveAsync(linked.Token).ConfigureAwait(false);
            ack = packet as MqttConnAckPacket ?? throw new MqttProtocolException(MqttReasonCode.ProtocolError,
                packet is null ? "The server closed the connection before CONNACK." : $"Expected CONNACK, received {packet}.");
            if (ack.SessionPresent && Options.CleanSession)
            {
                throw new MqttProtocolException(MqttReasonCode.ProtocolError, "CONNACK reports a session although a clean session was requested.");
            }
        }
        catch (Exception e)
        {
            await adapter.DisposeAsync().ConfigureAwait(false);
            LogConnectFailed(_logger, endpoint, e.Message);
            throw e switch
            {
                OperationCanceledException when timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested =>
                    new MqttClientException($"Timed out waiting for CONNACK from {endpoint}.", e),
                OperationCanceledException or MqttClientException => e,
                _ => new MqttClientException($"Connecting to {endpoint} failed: {e.Message}", e),
            };
        }

        if (ack.ReasonCode != 0)
        {
            await adapter.DisposeAsync().ConfigureAwait(false);
            var code = MapConnAckCode(ack.ReasonCode);
            LogConnectRefused(_logger, endpoint, code, ack.Properties.ReasonString);
            throw new MqttConnectingFailedException(code,
                $"The broker at {endpoint} refused the connection: {code}{(ack.Properties.ReasonString is { } s ? " (" + s + ")" : "")}.");
        }

        var props = ack.Properties;
        var keepAlive = props.ServerKeepAlive is { } ska ? TimeSpan.FromSeconds(ska) : Options.KeepAlivePeriod;
        var result = new MqttConnectResult
        {
            SessionPresent = ack.SessionPresent,
            AssignedClientIdentifier = props.AssignedClientIdentifier,
            KeepAlivePeriod = keepAlive,
            ServerReceiveMaximum = props.ReceiveMaximum ?? ushort.MaxValue,
            ServerMaximumPacketSize = props.MaximumPacketSize ?? uint.MaxValue,
            ServerMaximumQoS = (MqttQualityOfService)(props.MaximumQoS ?? 2),
            RetainAvailable = props.RetainAvailable != 0,
            UserProperties = props.UserProperties,
        };
        adapter.MaximumOutgoingPacketSize = result.ServerMaximumPacketSize;
        _quota.SetLimit(result.ServerReceiveMaximum);

        var connection = new Connection(adapter, keepAlive, Options.PingResponseTimeout ?? keepAlive);
        List<OutboundFlight> resend;
        lock (_gate)
        {
            if (!ack.SessionPresent)
            {
                DiscardSessionLocked("the broker has no session for this client", out var dropped);
                FailFlights(dropped, "The broker did not resume the session; the message was not acknowledged.");
                _inboundQos2.Clear();
            }

            _serverLimits = result;
            _inboundAcks.Clear(); // owed on the previous connection: the broker redelivers those PUBLISHes
            Volatile.Write(ref _connection, connection);
            resend = [.. _flights.Values.OrderBy(f => f.Sequence)];
        }

        LogConnected(_logger, adapter.Endpoint, (int)Options.ProtocolVersion, ack.SessionPresent, resend.Count);
        connection.KeepAliveTask = keepAlive > TimeSpan.Zero
            ? Task.Run(() => KeepAliveLoopAsync(connection), CancellationToken.None)
            : Task.CompletedTask;
        connection.ReceiveTask = Task.Run(() => ReceiveLoopAsync(connection), CancellationToken.None);
        EmitState(new MqttConnectionStateChange(true, ack.SessionPresent, null, null, null, null));

        foreach (var flight in resend)
        {
            try
            {
                if (flight.Released)
                {
                    await adapter.SendAsync(new MqttPublishAckPacket(MqttPacketType.PubRel, flight.PacketId), connection.Token).ConfigureAwait(false);
                }
                else
                {
                    await adapter.SendPublishAsync(flight.Message, flight.PacketId, dup: true, connection.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (IsConnectionFailure(e))
            {
                CloseConnection(connection, MqttDisconnectReason.ConnectionLost, null, "Connection lost while re-sending the session's messages.", e);
                break;
            }
        }

        return result;
    }

    private MqttConnectPacket BuildConnect()
    {
        var packet = new MqttConnectPacket
        {
            ProtocolVersion = Options.ProtocolVersion,
            ClientId = Options.ClientId,
            CleanSession = Options.CleanSession,
            KeepAliveSeconds = (ushort)Options.KeepAlivePeriod.TotalSeconds,
            Username = Options.Username,
            Password = Options.Password?.ToArray(),
            Will = Options.Will,
        };
        if (Options.ProtocolVersion == MqttProtocolVersion.V500)
        {
            packet.WillDelayInterval = Options.Will is not null && Options.WillDelayIntervalSeconds > 0 ? Options.WillDelayIntervalSeconds : null;
            var p = packet.Properties;
            p.SessionExpiryInterval = Options.SessionExpiryIntervalSeconds > 0 ? Options.SessionExpiryIntervalSeconds : null;
            p.ReceiveMaximum = Options.ReceiveMaximum != ushort.MaxValue ? Options.ReceiveMaximum : null;
            p.MaximumPacketSize = Options.MaximumPacketSize;
            p.UserProperties.AddRange(Options.ConnectUserProperties);
        }

        return packet;
    }

    private static MqttReasonCode MapConnAckCode(byte code) => code switch
    {
        1 => MqttReasonCode.UnsupportedProtocolVersion,
        2 => MqttReasonCode.ClientIdentifierNotValid,
        3 => MqttReasonCode.ServerUnavailable,
        4 => MqttReasonCode.BadUserNameOrPassword,
        5 => MqttReasonCode.NotAuthorized,
        _ => (MqttReasonCode)code,
    };

    // ------------------------------------------------------------------------------------------------ publish

    /// <summary>Publishes a message. QoS 0 completes when the bytes are handed to the connection; QoS 1 when PUBACK
    /// arrives; QoS 2 when PUBCOMP arrives. With a persistent session a QoS 1/2 message whose connection breaks stays
    /// in flight and the task completes after it is re-delivered on the next <see cref="ConnectAsync"/>.</summary>
    /// <param name="message">The message; its topic must be a valid topic name.</param>
    /// <param name="cancellationToken">Stops waiting (for flow-control quota or the acknowledgement). A message
    /// already sent stays in the session.</param>
    /// <returns>The acknowledgement.</returns>
    /// <exception cref="MqttClientException">Not connected, connection lost, packet larger than the server accepts,
    /// QoS or retain not supported by the server.</exception>
    public ValueTask<MqttPublishResult> PublishAsync(MqttMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (MqttTopic.ValidateTopicName(message.Topic) is { } why)
        {
            throw new ArgumentException(why, nameof(message));
        }

        if (message.QualityOfService is < MqttQualityOfService.AtMostOnce or > MqttQualityOfService.ExactlyOnce)
        {
            throw new ArgumentException("Invalid QoS.", nameof(message));
        }

        var connection = Volatile.Read(ref _connection) ?? throw NotConnected();
        if (_serverLimits is { } limits)
        {
            if (message.QualityOfService > limits.ServerMaximumQoS)
            {
                throw new MqttClientException($"The server supports QoS up to {(int)limits.ServerMaximumQoS}.");
            }

            if (message.Retain && !limits.RetainAvailable)
            {
                throw new MqttClientException("The server does not support retained messages.");
            }
        }

        return message.QualityOfService == MqttQualityOfService.AtMostOnce
            ? PublishAtMostOnceAsync(connection, message)
            : PublishAcknowledgedAsync(message, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<MqttPublishResult> PublishAtMostOnceAsync(Connection connection, MqttMessage message)
    {
        try
        {
            await connection.Adapter.SendPublishAsync(message, 0, false, connection.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (IsConnectionFailure(e))
        {
            CloseConnection(connection, MqttDisconnectReason.ConnectionLost, null, "Connection lost while publishing.", e);
            throw new MqttConnectionLostException("The connection was lost while publishing.", e);
        }

        return new MqttPublishResult(MqttReasonCode.Success, 0);
    }

    private async ValueTask<MqttPublishResult> PublishAcknowledgedAsync(MqttMessage message, CancellationToken cancellationToken)
    {
        await _quota.WaitAsync(cancellationToken).ConfigureAwait(false);
        OutboundFlight flight;
        Connection connection;
        lock (_gate)
        {
            if (_connection is not { } c)
            {
                _quota.Release();
                throw NotConnected();
            }

            connection = c;
            ushort id;
            try
            {
                id = _ids.Allocate();
            }
            catch
            {
                _quota.Release();
                throw;
            }

            flight = new OutboundFlight(message, id, ++_sequence);
            _flights.Add(id, flight);
        }

        try
        {
            await connection.Adapter.SendPublishAsync(message, flight.PacketId, false, connection.Token).ConfigureAwait(false);
        }
        catch (MqttPacketTooLargeException)
        {
            // Too large for the server: never sent, so not part of the session.
            CompleteFlight(flight.PacketId, null);
            throw;
        }
        catch (Exception e) when (IsConnectionFailure(e))
        {
            CloseConnection(connection, MqttDisconnectReason.ConnectionLost, null, "Connection lost while publishing.", e);
            if (!Options.SessionOutlivesConnection)
            {
                // The close may have discarded the session before this flight joined it.
                FailFlight(flight.PacketId, new MqttConnectionLostException("The connection was lost while publishing.", e));
            }
        }

        return await flight.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes a flight from the session and completes (or, with null, abandons) it.</summary>
    private void CompleteFlight(ushort packetId, MqttPublishResult? result)
    {
        OutboundFlight? flight;
        lock (_gate)
        {
            if (!_flights.Remove(packetId, out flight))
            {
                return;
            }

            _ids.Release(packetId);
        }

        _quota.Release();
        if (result is { } r)
        {
            flight.Completion.TrySetResult(r);
        }
        else
        {
            flight.Completion.TrySetCanceled();
        }
    }

    private void FailFlight(ushort packetId, Exception error)
    {
        OutboundFlight? flight;
        lock (_gate)
        {
            if (!_flights.Remove(packetId, out flight))
            {
                return;
            }

            _ids.Release(packetId);
        }

        _quota.Release();
        flight.Completion.TrySetException(error);
    }

    // ------------------------------------------------------------------------------------------------ subscribe

    /// <summary>Subscribes to one topic filter.</summary>
    /// <param name="topicFilter">Filter.</param>
    /// <param name="qualityOfService">Maximum QoS requested.</param>
    /// <param name="cancellationToken">Cancels the wait for SUBACK.</param>
    /// <returns>The SUBACK result.</returns>
    public Task<MqttSubscribeResult> SubscribeAsync(string topicFilter,
        MqttQualityOfService qualityOfService = MqttQualityOfService.AtLeastOnce, CancellationToken cancellationToken = default) =>
        SubscribeAsync([new MqttTopicSubscription(topicFilter, qualityOfService)], cancellationToken);

    /// <summary>Subscribes to several topic filters in one SUBSCRIBE.</summary>
    /// <param name="subscriptions">Filters and options.</param>
    /// <param name="cancellationToken">Cancels the wait for SUBACK.</param>
    /// <returns>The SUBACK result (one code per filter).</returns>
    public async Task<MqttSubscribeResult> SubscribeAsync(IReadOnlyList<MqttTopicSubscription> subscriptions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subscriptions);
        if (subscriptions.Count == 0)
        {
            throw new ArgumentException("At least one subscription is needed.", nameof(subscriptions));
        }

        foreach (var s in subscriptions)
        {
            if (MqttTopic.ValidateTopicFilter(s.TopicFilter) is { } why)
            {
                throw new ArgumentException($"'{s.TopicFilter}': {why}", nameof(subscriptions));
            }
        }

        var ack = await RequestAsync(id =>
        {
            var p = new MqttSubscribePacket { PacketId = id };
            foreach (var s in subscriptions)
            {
                p.Subscriptions.Add(new MqttSubscription(s.TopicFilter, s.QualityOfService, s.NoLocal, s.RetainAsPublished, (byte)s.RetainHandling));
            }

            return p;
        }, cancellationToken).ConfigureAwait(false);
        var subAck = ack as MqttSubAckPacket ?? throw new MqttClientException($"Expected SUBACK, received {ack}.");
        if (subAck.ReasonCodes.Count != subscriptions.Count)
        {
            throw new MqttClientException($"SUBACK has {subAck.ReasonCodes.Count} codes for {subscriptions.Count} filters.");
        }

        return new MqttSubscribeResult([.. subAck.ReasonCodes.Select(c => (MqttReasonCode)c)]);
    }

    /// <summary>Removes subscriptions.</summary>
    /// <param name="topicFilters">Filters exactly as subscribed.</param>
    /// <param name="cancellationToken">Cancels the wait for UNSUBACK.</param>
    /// <returns>MQTT 5.0 per-filter reason codes (all Success on 3.1.1).</returns>
    public async Task<IReadOnlyList<MqttReasonCode>> UnsubscribeAsync(IReadOnlyList<string> topicFilters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topicFilters);
        if (topicFilters.Count == 0)
        {
            throw new ArgumentException("At least one filter is needed.", nameof(topicFilters));
        }

        foreach (var f in topicFilters)
        {
            if (MqttTopic.ValidateTopicFilter(f) is { } why)
            {
                throw new ArgumentException($"'{f}': {why}", nameof(topicFilters));
            }
        }

        var ack = await RequestAsync(id =>
        {
            var p = new MqttUnsubscribePacket { PacketId = id };
            p.Filters.AddRange(topicFilters);
            return p;
        }, cancellationToken).ConfigureAwait(false);
        var unsubAck = ack as MqttUnsubAckPacket ?? throw new MqttClientException($"Expected UNSUBACK, received {ack}.");
        return unsubAck.ReasonCodes.Count == 0
            ? [.. topicFilters.Select(_ => MqttReasonCode.Success)]
            : [.. unsubAck.ReasonCodes.Select(c => (MqttReasonCode)c)];
    }

    private async Task<MqttPacket> RequestAsync(Func<ushort, MqttPacket> build, CancellationToken cancellationToken)
    {
        Connection connection;
        ushort id;
        var tcs = new TaskCompletionSource<MqttPacket>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            connection = _connection ?? throw NotConnected();
            id = _ids.Allocate();
            _pendingAcks[id] = tcs;
        }

        try
        {
            try
            {
                await connection.Adapter.SendAsync(build(id), connection.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (IsConnectionFailure(e))
            {
                CloseConnection(connection, MqttDisconnectReason.ConnectionLost, null, "Connection lost while sending.", e);
                throw new MqttConnectionLostException("The connection was lost.", e);
            }

            try
            {
                return await tcs.Task.WaitAsync(Options.CommunicationTimeout, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException e)
            {
                throw new MqttClientException($"No acknowledgement within {Options.CommunicationTimeout}.", e);
            }
        }
        finally
        {
            lock (_gate)
            {
                if (_pendingAcks.Remove(id))
                {
                    _ids.Release(id);
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ disconnect

    /// <summary>Sends DISCONNECT (the broker then discards the will) and closes the connection. Session state is kept
    /// for a later <see cref="ConnectAsync"/> when the session is persistent.</summary>
    /// <param name="reasonCode">MQTT 5.0 reason code (e.g. <see cref="MqttReasonCode.DisconnectWithWillMessage"/>).</param>
    /// <param name="cancellationToken">Cancels sending DISCONNECT.</param>
    /// <returns>A task that completes when the connection is closed.</returns>
    public async Task DisconnectAsync(MqttReasonCode reasonCode = MqttReasonCode.Success, CancellationToken cancellationToken = default)
    {
        var connection = Volatile.Read(ref _connection);
        if (connection is null)
        {
            return;
        }

        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, connection.Token);
            linked.CancelAfter(Options.CommunicationTimeout);
            await connection.Adapter.SendAsync(new MqttDisconnectPacket { ReasonCode = (byte)reasonCode }, linked.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (IsConnectionFailure(e) || e is OperationCanceledException)
        {
            // The connection is going away anyway.
        }

        CloseConnection(connection, MqttDisconnectReason.ClientRequested, reasonCode, "Disconnected by the client.", null);
        await connection.ReceiveTask.ConfigureAwait(false);
    }

    /// <summary>Disconnects, fails all pending operations and completes the observables.</summary>
    /// <returns>A task that completes when everything is released.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await DisconnectAsync().ConfigureAwait(false);
        lock (_gate)
        {
            DiscardSessionLocked("the client was disposed", out var dropped);
            FailFlights(dropped, "The client was disposed.");
        }

        _messages.OnCompleted();
        lock (_states)
        {
            _statesCompleted = true;
            _states.OnCompleted();
        }

        _messages.Dispose();
        _states.Dispose();
        _connectLock.Dispose();
    }

    // ------------------------------------------------------------------------------------------------ receive

    private async Task ReceiveLoopAsync(Connection connection)
    {
        try
        {
            while (!connection.Token.IsCancellationRequested)
            {
                var packet = await connection.Adapter.ReceiveAsync(connection.Token).ConfigureAwait(false);
                if (packet is null)
                {
                    CloseConnection(connection, MqttDisconnectReason.ConnectionLost, null, "The server closed the connection.", null);
                    break;
                }

                connection.MarkReceived(_time);
                await HandlePacketAsync(connection, packet).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (connection.Token.IsCancellationRequested)
        {
            // Closed by us.
        }
        catch (MqttProtocolException e)
        {
            LogProtocolViolation(_logger, connection.Adapter.Endpoint, e.ReasonCode, e.Message);
            if (Options.ProtocolVersion == MqttProtocolVersion.V500)
            {
                try
                {
                    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1), _time);
                    await connection.Adapter.SendAsync(new MqttDisconnectPacket { ReasonCode = (byte)e.ReasonCode }, cts.Token).ConfigureAwait(false);
                }
                catch (Exception sendError) when (IsConnectionFailure(sendError) || sendError is OperationCanceledException)
                {
                    // Best effort.
                }
            }

            CloseConnection(connection, MqttDisconnectReason.ProtocolViolation, e.ReasonCode, e.Message, e);
        }
        catch (Exception e) when (IsConnectionFailure(e))
        {
            CloseConnection(connection, MqttDisconnectReason.ConnectionLost, null, e.Message, e);
        }
        finally
        {
            CloseConnection(connection, MqttDisconnectReason.ConnectionLost, null, "Receive loop ended.", null);
            try
            {
                await connection.Adapter.DisposeAsync().ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Closing a broken transport must never fail the caller.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogCloseFailed(_logger, connection.Adapter.Endpoint, e);
            }

            await connection.KeepAliveTask.ConfigureAwait(false);
            connection.Dispose();
        }
    }

    private async ValueTask HandlePacketAsync(Connection c, MqttPacket packet)
    {
        var v5 = Options.ProtocolVersion == MqttProtocolVersion.V500;
        switch (packet)
        {
            case MqttPublishPacket publish:
                await HandleIncomingPublishAsync(c, publish).ConfigureAwait(false);
                break;
            case MqttPublishAckPacket { Type: MqttPacketType.PubAck } ack:
                CompleteAcknowledged(ack, MqttQualityOfService.AtLeastOnce);
                break;
            case MqttPublishAckPacket { Type: MqttPacketType.PubRec } rec:
                OutboundFlight? flight;
                lock (_gate)
                {
                    _flights.TryGetValue(rec.PacketId, out flight);
                }

                if (flight is null || flight.Message.QualityOfService != MqttQualityOfService.ExactlyOnce)
                {
                    LogUnexpectedAck(_logger, MqttPacketType.PubRec, rec.PacketId);
                    await c.Adapter.SendAsync(new MqttPublishAckPacket(MqttPacketType.PubRel, rec.PacketId, v5 ? (byte)0x92 : (byte)0), c.Token).ConfigureAwait(false);
                }
                else if (rec.ReasonCode >= 0x80)
                {
                    CompleteFlight(rec.PacketId, new MqttPublishResult((MqttReasonCode)rec.ReasonCode, rec.PacketId));
                }
                else
                {
                    flight.Released = true;
                    await c.Adapter.SendAsync(new MqttPublishAckPacket(MqttPacketType.PubRel, rec.PacketId), c.Token).ConfigureAwait(false);
                }

                break;
            case MqttPublishAckPacket { Type: MqttPacketType.PubRel } rel:
                bool known;
                lock (_gate)
                {
                    known = _inboundQos2.Remove(rel.PacketId);
                }

                await c.Adapter.SendAsync(new MqttPublishAckPacket(MqttPacketType.PubComp, rel.PacketId, !known && v5 ? (byte)0x92 : (byte)0), c.Token).ConfigureAwait(false);
                break;
            case MqttPublishAckPacket { Type: MqttPacketType.PubComp } comp:
                CompleteAcknowledged(comp, MqttQualityOfService.ExactlyOnce);
                break;
            case MqttSubAckPacket or MqttUnsubAckPacket:
                var id = packet is MqttSubAckPacket sa ? sa.PacketId : ((MqttUnsubAckPacket)packet).PacketId;
                TaskCompletionSource<MqttPacket>? pending;
                lock (_gate)
                {
                    _pendingAcks.TryGetValue(id, out pending);
                }

                if (pending is null)
                {
                    LogUnexpectedAck(_logger, packet.Type, id);
                }
                else
                {
                    pending.TrySetResult(packet);
                }

                break;
            case MqttPingRespPacket:
                c.PingResponse?.TrySetResult();
                break;
            case MqttDisconnectPacket disconnect:
                var code = (MqttReasonCode)disconnect.ReasonCode;
                LogServerDisconnect(_logger, c.Adapter.Endpoint, code, disconnect.Properties.ReasonString);
                CloseConnection(c, MqttDisconnectReason.ServerDisconnected, code,
                    $"The server disconnected: {code}{(disconnect.Properties.ReasonString is { } s ? " (" + s + ")" : "")}.", null);
                break;
            default:
                throw new MqttProtocolException(MqttReasonCode.ProtocolError, $"A server must not send {packet}.");
        }
    }

    private void CompleteAcknowledged(MqttPublishAckPacket ack, MqttQualityOfService expected)
    {
        bool matches;
        lock (_gate)
        {
            matches = _flights.TryGetValue(ack.PacketId, out var f) && f.Message.QualityOfService == expected &&
                      (expected == MqttQualityOfService.AtLeastOnce || f.Released);
        }

        if (!matches)
        {
            LogUnexpectedAck(_logger, ack.Type, ack.PacketId);
            return;
        }

        CompleteFlight(ack.PacketId, new MqttPublishResult((MqttReasonCode)ack.ReasonCode, ack.PacketId));
    }

    private async ValueTask HandleIncomingPublishAsync(Connection c, MqttPublishPacket publish)
    {
        if (publish.TopicAlias is not null)
        {
            throw new MqttProtocolException(MqttReasonCode.TopicAliasInvalid, "The server used a topic alias although Topic Alias Maximum is 0.");
        }

        var message = publish.Message;
        switch (message.QualityOfService)
        {
            case MqttQualityOfService.AtMostOnce:
                Deliver(message);
                break;
            case MqttQualityOfService.AtLeastOnce:
                await DeliverAndAcknowledgeAsync(c, message, MqttPacketType.PubAck, publish.PacketId).ConfigureAwait(false);
                break;
            default:
                bool isNew;
                lock (_gate)
                {
                    isNew = _inboundQos2.Add(publish.PacketId);
                    if (isNew && Options.ProtocolVersion == MqttProtocolVersion.V500 && _inboundQos2.Count > Options.ReceiveMaximum)
                    {
                        _inboundQos2.Remove(publish.PacketId);
                        throw new MqttProtocolException(MqttReasonCode.ReceiveMaximumExceeded, "The server exceeded our Receive Maximum.");
                    }
                }

                // Method B of §4.3.3: deliver on first receipt, remember the id until PUBREL.
                if (isNew)
                {
                    await DeliverAndAcknowledgeAsync(c, message, MqttPacketType.PubRec, publish.PacketId).ConfigureAwait(false);
                }
                else
                {
                    bool owed;
                    lock (_gate)
                    {
                        owed = _inboundAcks.Any(a => a.PacketId == publish.PacketId && a.Type == MqttPacketType.PubRec);
                    }

                    if (!owed)
                    {
                        // A retransmission of a message already delivered: answer it (in order) without delivering.
                        var ack = new MqttInboundAcknowledgement(this, c, MqttPacketType.PubRec, publish.PacketId);
                        ack.ReleaseIfNotDeferred();
                        lock (_gate)
                        {
                            _inboundAcks.Enqueue(ack);
                        }

                        await PumpAcknowledgementsAsync().ConfigureAwait(false);
                    }
                }

                break;
        }
    }

    /// <summary>
    /// Queues the acknowledgement a received QoS 1/2 PUBLISH is owed (in receive order), delivers the message, and
    /// sends the acknowledgement unless an observer deferred it (<see cref="MqttMessage.DeferAcknowledgement"/>).
    /// </summary>
    private async ValueTask DeliverAndAcknowledgeAsync(Connection c, MqttMessage message, MqttPacketType type, ushort packetId)
    {
        var ack = new MqttInboundAcknowledgement(this, c, type, packetId);
        message.InboundAcknowledgement = ack;
        lock (_gate)
        {
            _inboundAcks.Enqueue(ack);
        }

        Deliver(message);
        ack.ReleaseIfNotDeferred();
        await PumpAcknowledgementsAsync().ConfigureAwait(false);
    }

    /// <summary>Called when the application acknowledges a deferred message.</summary>
    internal void OnInboundAcknowledged() => _ = PumpAcknowledgementsAsync().AsTask();

    /// <summary>
    /// Sends the ready acknowledgements at the head of the receive-order queue (MQTT §4.6: acknowledgements in the
    /// order the PUBLISHes arrived). One pump at a time; a caller that finds one running leaves the work to it (the
    /// readiness flag is set before the check, under the same lock, so nothing is left behind). Acknowledgements owed
    /// on a connection that has closed are dropped: the broker redelivers those messages.
    /// </summary>
    private async ValueTask PumpAcknowledgementsAsync()
    {
        lock (_gate)
        {
            if (_ackPumpRunning)
            {
                return;
            }

            _ackPumpRunning = true;
        }

        while (true)
        {
            MqttInboundAcknowledgement next;
            Connection? current;
            lock (_gate)
            {
                if (_inboundAcks.Count == 0 || !_inboundAcks.Peek().IsReady)
                {
                    _ackPumpRunning = false;
                    return;
                }

                next = _inboundAcks.Dequeue();
                current = _connection;
            }

            if (current is null || !ReferenceEquals(next.Connection, current) || Volatile.Read(ref current.Closed) != 0)
            {
                continue;
            }

            try
            {
                await current.Adapter.SendAsync(new MqttPublishAckPacket(next.Type, next.PacketId), current.Token).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // A broken connection is reported by the receive loop; the broker redelivers.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogAcknowledgementFailed(_logger, next.Type, next.PacketId, e.Message);
            }
        }
    }

    private void Deliver(MqttMessage message)
    {
        try
        {
            _messages.OnNext(message);
        }
#pragma warning disable CA1031 // An observer's exception must not kill the connection.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogObserverFailed(_logger, message.Topic, e);
        }
    }

    // ------------------------------------------------------------------------------------------------ keep-alive

    private async Task KeepAliveLoopAsync(Connection c)
    {
        try
        {
            while (!c.Token.IsCancellationRequested)
            {
                var idle = c.Adapter.IdleSendTime;
                var idleReceive = c.IdleReceiveTime(_time);
                var wait = c.KeepAlive - (idle > idleReceive ? idle : idleReceive);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _time, c.Token).ConfigureAwait(false);
                    continue;
                }

                var pong = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                c.PingResponse = pong;
                var timeout = Task.Delay(c.PingTimeout, _time, c.Token);
                _ = SendPingAsync(c);
                var done = await Task.WhenAny(pong.Task, timeout).ConfigureAwait(false);
                if (done != pong.Task)
                {
                    if (!c.Token.IsCancellationRequested)
                    {
                        CloseConnection(c, MqttDisconnectReason.KeepAliveTimeout, MqttReasonCode.KeepAliveTimeout,
                            $"No PINGRESP within {c.PingTimeout.TotalSeconds} s.", null);
                    }

                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Connection closed.
        }
    }

    private async Task SendPingAsync(Connection c)
    {
        try
        {
            await c.Adapter.SendAsync(MqttPingReqPacket.Instance, c.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (IsConnectionFailure(e) || e is OperationCanceledException)
        {
            CloseConnection(c, MqttDisconnectReason.ConnectionLost, null, "Sending PINGREQ failed.", e);
        }
    }

    // ------------------------------------------------------------------------------------------------ state

    private void CloseConnection(Connection c, MqttDisconnectReason reason, MqttReasonCode? code, string message, Exception? exception)
    {
        if (Interlocked.Exchange(ref c.Closed, 1) != 0)
        {
            return;
        }

        if (reason == MqttDisconnectReason.ClientRequested)
        {
            LogDisconnected(_logger, c.Adapter.Endpoint, message);
        }
        else
        {
            LogConnectionLost(_logger, c.Adapter.Endpoint, reason, message, exception);
        }

        c.Cancel();
        List<TaskCompletionSource<MqttPacket>> acks;
        List<OutboundFlight> dropped = [];
        lock (_gate)
        {
            if (_connection == c)
            {
                Volatile.Write(ref _connection, null);
            }

            acks = [.. _pendingAcks.Values];
            foreach (var id in _pendingAcks.Keys)
            {
                _ids.Release(id);
            }

            _pendingAcks.Clear();
            if (!Options.SessionOutlivesConnection)
            {
                DiscardSessionLocked("the session ended with the connection", out dropped);
            }
        }

        var error = new MqttConnectionLostException($"The connection was closed: {message}", exception ?? new IOException(message));
        foreach (var a in acks)
        {
            a.TrySetException(error);
        }

        FailFlights(dropped, $"The connection was closed before the message was acknowledged: {message}");
        EmitState(new MqttConnectionStateChange(false, false, reason, code, message, exception));
    }

    /// <summary>Serialises state notifications: observers never see two at once.</summary>
    private void EmitState(MqttConnectionStateChange change)
    {
        lock (_states)
        {
            if (!_statesCompleted)
            {
                _states.OnNext(change);
            }
        }
    }

    private void DiscardSession(string why)
    {
        List<OutboundFlight> dropped;
        lock (_gate)
        {
            DiscardSessionLocked(why, out dropped);
        }

        FailFlights(dropped, "The session was discarded: " + why + ".");
    }

    private void DiscardSessionLocked(string why, out List<OutboundFlight> dropped)
    {
        dropped = [.. _flights.Values];
        foreach (var f in dropped)
        {
            _ids.Release(f.PacketId);
        }

        _flights.Clear();
        _inboundQos2.Clear();
        if (dropped.Count > 0)
        {
            LogSessionDiscarded(_logger, dropped.Count, why);
        }
    }

    private void FailFlights(List<OutboundFlight> dropped, string message)
    {
        foreach (var f in dropped)
        {
            _quota.Release();
            f.Completion.TrySetException(new MqttConnectionLostException(message));
        }
    }

    private static bool IsConnectionFailure(Exception e) =>
        e is IOException or SocketException or ObjectDisposedException or InvalidOperationException or MqttConnectionLostException
            or OperationCanceledException;

    private static MqttConnectionLostException NotConnected() => new("The client is not connected.");

    /// <summary>One network connection: its framing adapter, loops and cancellation.</summary>
    private sealed class Connection : IDisposable
    {
        private readonly CancellationTokenSource _cts = new();
        private long _lastReceived;

        public Connection(MqttChannelAdapter adapter, TimeSpan keepAlive, TimeSpan pingTimeout)
        {
            Adapter = adapter;
            KeepAlive = keepAlive;
            PingTimeout = pingTimeout;
            Token = _cts.Token;
            _lastReceived = long.MaxValue;
        }

#pragma warning disable SA1401, CA1051 // Interlocked target.
        public int Closed;
#pragma warning restore SA1401, CA1051

        public MqttChannelAdapter Adapter { get; }

        public TimeSpan KeepAlive { get; }

        public TimeSpan PingTimeout { get; }

        public CancellationToken Token { get; }

        public Task ReceiveTask { get; set; } = Task.CompletedTask;

        public Task KeepAliveTask { get; set; } = Task.CompletedTask;

        public TaskCompletionSource? PingResponse { get; set; }

        public void MarkReceived(TimeProvider time) => Volatile.Write(ref _lastReceived, time.GetTimestamp());

        public TimeSpan IdleReceiveTime(TimeProvider time)
        {
            var last = Volatile.Read(ref _lastReceived);
            return last == long.MaxValue ? TimeSpan.Zero : time.GetElapsedTime(last);
        }

        public void Dispose() => _cts.Dispose();

        public void Cancel()
        {
            try
            {
                _cts.Cancel();
            }
            catch (AggregateException)
            {
                // Callbacks failing must not stop the close.
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT connected to {Endpoint} (v{Version}), session present: {SessionPresent}, re-sending {Resend} in-flight messages")]
    private static partial void LogConnected(ILogger logger, string endpoint, int version, bool sessionPresent, int resend);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT connect to {Endpoint} failed: {Reason}")]
    private static partial void LogConnectFailed(ILogger logger, string endpoint, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "MQTT broker {Endpoint} refused the connection: {Code} {ReasonString}")]
    private static partial void LogConnectRefused(ILogger logger, string endpoint, MqttReasonCode code, string? reasonString);

    [LoggerMessage(Level = LogLevel.Error, Message = "MQTT protocol violation from {Endpoint} ({Code}): {Reason}; closing the connection")]
    private static partial void LogProtocolViolation(ILogger logger, string endpoint, MqttReasonCode code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT server {Endpoint} disconnected: {Code} {ReasonString}")]
    private static partial void LogServerDisconnect(ILogger logger, string endpoint, MqttReasonCode code, string? reasonString);

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT disconnected from {Endpoint}: {Reason}")]
    private static partial void LogDisconnected(ILogger logger, string endpoint, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT connection to {Endpoint} closed ({Reason}): {Detail}")]
    private static partial void LogConnectionLost(ILogger logger, string endpoint, MqttDisconnectReason reason, string detail, Exception? exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MQTT {Packet} for unknown packet identifier {PacketId} ignored")]
    private static partial void LogUnexpectedAck(ILogger logger, MqttPacketType packet, ushort packetId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT session state discarded ({Count} unacknowledged messages): {Why}")]
    private static partial void LogSessionDiscarded(ILogger logger, int count, string why);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MQTT closing the connection to {Endpoint} failed")]
    private static partial void LogCloseFailed(ILogger logger, string endpoint, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MQTT sending {Type} for packet {PacketId} failed (the broker will redeliver): {Why}")]
    private static partial void LogAcknowledgementFailed(ILogger logger, MqttPacketType type, ushort packetId, string why);

    [LoggerMessage(Level = LogLevel.Error, Message = "An observer of MQTT messages threw for topic {Topic}")]
    private static partial void LogObserverFailed(ILogger logger, string topic, Exception exception);
}
