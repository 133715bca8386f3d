using MQTTnet;

namespace ReactorTwin.Adapters.Mqtt;

/// <summary>Exception for a failed client operation: not connected, connection lost, broker refusal, timeout.</summary>
public class MqttClientException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MqttClientException() { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    public MqttClientException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The cause.</param>
    public MqttClientException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>The broker refused the connection (CONNACK with a non-zero return/reason code), or the TLS handshake or
/// the CONNECT exchange failed.</summary>
public sealed class MqttConnectingFailedException : MqttClientException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="resultCode">The refusal as MQTTnet reports it (3.1.1 return codes are mapped onto the 5.0 reason codes).</param>
    /// <param name="message">Description.</param>
    public MqttConnectingFailedException(MqttClientConnectResultCode resultCode, string message) : base(message) => ResultCode = resultCode;

    /// <summary>Creates the exception.</summary>
    public MqttConnectingFailedException() : this(MqttClientConnectResultCode.UnspecifiedError, "Connection refused.") { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Description.</param>
    public MqttConnectingFailedException(string message) : this(MqttClientConnectResultCode.UnspecifiedError, message) { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Description.</param>
    /// <param name="innerException">Cause.</param>
    public MqttConnectingFailedException(string message, Exception innerException) : base(message, innerException) =>
        ResultCode = MqttClientConnectResultCode.UnspecifiedError;

    /// <summary>Why the broker refused (e.g. <see cref="MqttClientConnectResultCode.BadUserNameOrPassword"/>);
    /// <see cref="MqttClientConnectResultCode.UnspecifiedError"/> when no CONNACK arrived (TLS or network failure).</summary>
    public MqttClientConnectResultCode ResultCode { get; }
}

/// <summary>The client is not connected, or the connection was lost before the operation completed. Transient:
/// retrying after a reconnect may succeed.</summary>
public sealed class MqttConnectionLostException : MqttClientException
{
    /// <summary>Creates the exception.</summary>
    public MqttConnectionLostException() : base("The MQTT client is not connected.") { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Description.</param>
    public MqttConnectionLostException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Description.</param>
    /// <param name="innerException">Cause.</param>
    public MqttConnectionLostException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>A PUBLISH would exceed the Maximum Packet Size the broker announced (MQTT 5.0) or the protocol limit of
/// 268 435 455 bytes; nothing was sent. Permanent for this message.</summary>
public sealed class MqttPacketTooLargeException : MqttClientException
{
    /// <summary>Creates the exception.</summary>
    public MqttPacketTooLargeException() : base("The packet is too large.") { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Description.</param>
    public MqttPacketTooLargeException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Description.</param>
    /// <param name="innerException">Cause.</param>
    public MqttPacketTooLargeException(string message, Exception innerException) : base(message, innerException) { }
}
