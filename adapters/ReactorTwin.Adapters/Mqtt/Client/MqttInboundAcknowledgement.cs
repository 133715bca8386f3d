using MQTTnet;

namespace ReactorTwin.Adapters.Mqtt.Client;

/// <summary>
/// The acknowledgement (PUBACK for QoS 1, PUBREC for QoS 2) owed for one PUBLISH received through MQTTnet with
/// <c>AutoAcknowledge = false</c>. It is ready as soon as delivery to the observers returns, unless an observer deferred
/// it (<see cref="MqttMessage.DeferAcknowledgement"/>), then when the application calls <see cref="MqttMessage.Acknowledge"/>.
/// <see cref="MqttInboundAcknowledgementQueue"/> sends it when it is ready and every earlier one has been sent.
/// </summary>
internal sealed class MqttInboundAcknowledgement
{
    private const int Pending = 0;
    private const int Deferred = 1;
    private const int Ready = 2;

    private readonly MqttInboundAcknowledgementQueue _owner;
    private int _state;

    public MqttInboundAcknowledgement(MqttInboundAcknowledgementQueue owner, MqttApplicationMessageReceivedEventArgs received, long connection)
    {
        _owner = owner;
        Received = received;
        Connection = connection;
    }

    /// <summary>MQTTnet's event arguments of the PUBLISH (its <c>AcknowledgeAsync</c> sends the packet).</summary>
    public MqttApplicationMessageReceivedEventArgs Received { get; }

    /// <summary>Number of the connection the PUBLISH arrived on: the acknowledgement is only valid there.</summary>
    public long Connection { get; }

    /// <summary>Whether the acknowledgement may be sent.</summary>
    public bool IsReady => Volatile.Read(ref _state) == Ready;

    /// <summary>Defers the acknowledgement; false once it is ready.</summary>
    public bool Defer()
    {
        var previous = Interlocked.CompareExchange(ref _state, Deferred, Pending);
        return previous != Ready;
    }

    /// <summary>Called after delivery: ready unless deferred.</summary>
    public void ReleaseIfNotDeferred()
    {
        if (Interlocked.CompareExchange(ref _state, Ready, Pending) == Pending)
        {
            _owner.Pump();
        }
    }

    /// <summary>The application's acknowledgement of a deferred message.</summary>
    public void Complete()
    {
        if (Interlocked.CompareExchange(ref _state, Ready, Deferred) == Deferred)
        {
            _owner.Pump();
        }
    }
}
