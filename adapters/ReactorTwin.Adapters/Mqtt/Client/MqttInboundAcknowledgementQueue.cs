using Microsoft.Extensions.Logging;
using MQTTnet;

namespace ReactorTwin.Adapters.Mqtt.Client;

/// <summary>
/// The acknowledgements owed to the broker, in the order the PUBLISHes arrived (MQTT 3.1.1 and 5.0 §4.6: a client
/// acknowledges in receive order). MQTTnet sends whatever <c>AcknowledgeAsync</c> is called for, at once; this queue
/// holds back one that is ready until every earlier one has been sent, and drops those of a connection that has ended
/// (the broker redelivers them on the next one). Sending and connecting share one gate, so an acknowledgement of an
/// old connection can never reach a new one with a packet identifier the broker has reassigned.
/// </summary>
internal sealed partial class MqttInboundAcknowledgementQueue(ILogger logger, Func<bool> isConnected, TimeSpan timeout) : IDisposable
{
    private readonly object _gate = new();
    private readonly Queue<MqttInboundAcknowledgement> _owed = new();
    private readonly SemaphoreSlim _sendOrConnect = new(1, 1);
    private long _connection;
    private bool _pumping;
    private int _sending;

    /// <summary>Acknowledgements not yet handed to the socket (owed, ready or not, and the one being sent).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _owed.Count + _sending;
            }
        }
    }

    /// <summary>Registers the acknowledgement owed for a PUBLISH, at the back of the queue (receive order).</summary>
    public MqttInboundAcknowledgement Add(MqttApplicationMessageReceivedEventArgs received)
    {
        lock (_gate)
        {
            var ack = new MqttInboundAcknowledgement(this, received, _connection);
            _owed.Enqueue(ack);
            return ack;
        }
    }

    /// <summary>Takes the gate for a connection attempt and forgets what was owed on the previous connection. Dispose the
    /// result when CONNACK has been received (or the attempt failed).</summary>
    public async Task<IDisposable> BeginConnectionAsync(CancellationToken cancellationToken)
    {
        await _sendOrConnect.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _connection++;
            if (_owed.Count > 0)
            {
                LogDropped(logger, _owed.Count);
            }

            _owed.Clear();
        }

        return new Releaser(this);
    }

    /// <summary>Sends the ready acknowledgements at the head of the queue (one sender at a time, in order).</summary>
    public void Pump()
    {
        lock (_gate)
        {
            if (_pumping || _owed.Count == 0 || !_owed.Peek().IsReady)
            {
                return;
            }

            _pumping = true;
        }

        _ = PumpAsync();
    }

    private async Task PumpAsync()
    {
        while (true)
        {
            await _sendOrConnect.WaitAsync().ConfigureAwait(false);
            try
            {
                MqttInboundAcknowledgement next;
                lock (_gate)
                {
                    if (_owed.Count == 0 || !_owed.Peek().IsReady)
                    {
                        _pumping = false;
                        return;
                    }

                    next = _owed.Dequeue();
                    if (next.Connection != _connection || !isConnected())
                    {
                        continue; // that connection ended: the broker redelivers the message
                    }

                    _sending = 1;
                }

                using var cts = new CancellationTokenSource(timeout);
                await next.Received.AcknowledgeAsync(cts.Token).ConfigureAwait(false);

            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The connection dropped while sending: the broker redelivers the message on the next one.
                LogAckFailed(logger, e.Message);
            }
            finally
            {
                lock (_gate)
                {
                    _sending = 0;
                }

                _sendOrConnect.Release();
            }
        }
    }

    public void Dispose() => _sendOrConnect.Dispose();

    [LoggerMessage(Level = LogLevel.Debug, Message = "MQTT: {Count} acknowledgement(s) of an ended connection dropped; the broker redelivers those messages")]
    private static partial void LogDropped(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MQTT: acknowledgement not sent ({Reason}); the broker redelivers the message")]
    private static partial void LogAckFailed(ILogger logger, string reason);

    private sealed class Releaser(MqttInboundAcknowledgementQueue owner) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner._sendOrConnect.Release();
                owner.Pump();
            }
        }
    }
}
