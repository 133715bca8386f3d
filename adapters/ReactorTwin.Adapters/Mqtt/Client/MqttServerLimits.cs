using MQTTnet;

namespace ReactorTwin.Adapters.Mqtt.Client;

/// <summary>
/// What the broker announced in its MQTT 5.0 CONNACK (3.1.1 brokers announce nothing: no limits). MQTTnet reports
/// these values but does not act on them; <see cref="MqttClientAdapter"/> does: it lowers a publish's QoS to
/// <see cref="MaximumQoS"/>, clears the retain flag when <see cref="RetainAvailable"/> is false (both with a warning,
/// because the broker would otherwise close the connection), refuses a PUBLISH larger than <see cref="MaximumPacketSize"/>
/// before sending it, and the managed client keeps at most <see cref="ReceiveMaximum"/> QoS 1/2 publishes in flight.
/// </summary>
/// <param name="ReceiveMaximum">QoS 1/2 PUBLISHes the broker accepts in flight from us (1..65535).</param>
/// <param name="MaximumPacketSize">Largest packet the broker accepts, in bytes; <see langword="null"/> when not limited.</param>
/// <param name="MaximumQoS">Highest QoS the broker accepts on PUBLISH.</param>
/// <param name="RetainAvailable">Whether the broker accepts retained messages.</param>
/// <param name="SessionPresent">Whether the broker resumed a stored session.</param>
internal sealed record MqttServerLimits(ushort ReceiveMaximum, uint? MaximumPacketSize, MqttQualityOfService MaximumQoS, bool RetainAvailable, bool SessionPresent)
{
    /// <summary>No limits (before the first CONNACK, and on MQTT 3.1.1).</summary>
    public static MqttServerLimits None { get; } = new(ushort.MaxValue, null, MqttQualityOfService.ExactlyOnce, true, false);

    /// <summary>The limits of a CONNACK as MQTTnet decoded it.</summary>
    public static MqttServerLimits From(MqttClientConnectResult result, bool v5) => !v5
        ? None with { SessionPresent = result.IsSessionPresent }
        : new(
            result.ReceiveMaximum is > 0 and { } rm ? rm : ushort.MaxValue,
            result.MaximumPacketSize is > 0 and { } mps ? mps : null,
            (MqttQualityOfService)Math.Min((int)result.MaximumQoS, 2),
            result.RetainAvailable,
            result.IsSessionPresent);
}
