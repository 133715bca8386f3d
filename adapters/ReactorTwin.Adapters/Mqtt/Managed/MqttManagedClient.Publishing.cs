using MQTTnet;

namespace ReactorTwin.Adapters.Mqtt;

/// <summary>The publish loop of <see cref="MqttManagedClient"/>.</summary>
public sealed partial class MqttManagedClient
{
    /// <summary>
    /// Sends queued messages in queue order with up to min(<see cref="MqttManagedClientOptions.MaxInFlightMessages"/>,
    /// the broker's Receive Maximum) in flight, and removes each from the queue when its handshake completed. When the
    /// connection drops, what was in flight stays queued and is sent again, from the head, after the reconnect.
    /// </summary>
    private async Task PublishLoopAsync(CancellationToken stop)
    {
        var queue = _queue!;
        var inFlight = new Queue<(long Sequence, MqttMessage Message, Task<MqttClientPublishReasonCode> Handshake)>();
        long sent = 0; // highest sequence number sent on this connection
        while (!stop.IsCancellationRequested)
        {
            try
            {
                Task gate;
                lock (_stateLock)
                {
                    gate = _connected.Task;
                }

                var window = Math.Min(_options.MaxInFlightMessages, _client.Limits.ReceiveMaximum);
                if (gate.IsCompleted && inFlight.Count < window && queue.TryPeekAfter(sent, out var next))
                {
                    inFlight.Enqueue((next.Sequence, next.Message, _client.PublishAsync(next.Message, stop)));
                    sent = next.Sequence;
                    continue;
                }

                if (inFlight.Count == 0)
                {
                    await (gate.IsCompleted ? queue.WaitForAfterAsync(sent, stop) : gate.WaitAsync(stop)).ConfigureAwait(false);
                    continue;
                }

                var oldest = inFlight.Peek().Handshake;
                if (gate.IsCompleted && inFlight.Count < window)
                {
                    await Task.WhenAny(oldest, queue.WaitForAfterAsync(sent, stop)).ConfigureAwait(false);
                }
                else
                {
                    await Task.WhenAny(oldest).ConfigureAwait(false);
                }

                var lost = false;
                while (inFlight.Count > 0 && (inFlight.Peek().Handshake.IsCompleted || lost))
                {
                    var (sequence, message, handshake) = inFlight.Dequeue();
                    lost |= await CompleteAsync(queue, sequence, message, handshake).ConfigureAwait(false);
                }

                if (lost)
                {
                    sent = 0; // resend what is left from the head once reconnected
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>Settles one publish; returns true when the connection was lost before its handshake completed (the
    /// message stays queued).</summary>
    private async Task<bool> CompleteAsync(Managed.MqttOfflineQueue queue, long sequence, MqttMessage message, Task<MqttClientPublishReasonCode> handshake)
    {
        try
        {
            var reason = await handshake.ConfigureAwait(false);
            if ((int)reason >= 0x80)
            {
                LogPublishRejected(_logger, message.Topic, $"the broker answered {reason}");
            }

            queue.Remove(sequence);
            Interlocked.Increment(ref _publishedCount);
            return false;
        }
        catch (MqttConnectionLostException)
        {
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not a connection problem (larger than the broker accepts, or refused by MQTTnet's own checks): it would
            // never succeed.
            LogPublishRejected(_logger, message.Topic, e.Message);
            queue.Remove(sequence);
            Interlocked.Increment(ref _droppedCount);
            _dropped.OnNext(message);
            return false;
        }
    }
}
