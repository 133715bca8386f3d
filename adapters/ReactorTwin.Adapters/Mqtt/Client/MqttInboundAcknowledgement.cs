using ReactorTwin.Adapters.Mqtt.Packets;

namespace ReactorTwin.Adapters.Mqtt;

/// <summary>
/// The acknowledgement (PUBACK for QoS 1, PUBREC for QoS 2) owed for one received PUBLISH. It is queued in receive
/// order on its connection and sent when it is ready and every earlier one has been sent (MQTT §4.6): ready as soon
/// as delivery to the observers returns, unless an observer deferred it (<see cref="MqttMessage.DeferAcknowledgement"/>),
/// then when the application calls <see cref="MqttMessage.Acknowledge"/>.
/// </summary>
internal sealed class MqttInboundAcknowledgement
{
    private const int Pending = 0;
    private const int Deferred = 1;
    private const int Ready = 2;

    private readonly MqttClient _owner;
    private int _state;

    public MqttInboundAcknowledgement(MqttClient owner, object connection, MqttPacketType type, ushort packetId)
    {
        _owner = owner;
        Connection = connection;
        Type = type;
        PacketId = packetId;
    }

    /// <summary>The connection the PUBLISH arrived on (the acknowledgement is only valid there).</summary>
    public object Connection { get; }

    /// <summary>PUBACK or PUBREC.</summary>
    public MqttPacketType Type { get; }

    /// <summary>Packet identifier of the PUBLISH.</summary>
    public ushort PacketId { get; }

    /// <summary>Whether the acknowledgement may be sent.</summary>
    public bool IsReady => Volatile.Read(ref _state) == Ready;

    /// <summary>Defers the acknowledgement; false once it is ready.</summary>
    public bool Defer()
    {
        var previous = Interlocked.CompareExchange(ref _state, Deferred, Pending);
        return previous != Ready;
    }

    /// <summary>Called by the client after delivery: ready unless deferred.</summary>
    /// <returns>Whether it became ready.</returns>
    public bool ReleaseIfNotDeferred() => Interlocked.CompareExchange(ref _state, Ready, Pending) == Pending;

    /// <summary>The application's acknowledgement of a deferred message.</summary>
    public void Complete()
    {
        if (Interlocked.CompareExchange(ref _state, Ready, Deferred) == Deferred)
        {
            _owner.OnInboundAcknowledged();
        }
    }
}
