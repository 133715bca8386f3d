using System.Reactive.Linq;
using ReactorTwin.Adapters.Mqtt;

namespace ReactorTwin.Adapters.Messaging;

/// <summary>
/// <see cref="IMessageBus"/> over an <see cref="MqttManagedClient"/>: publishing enqueues into the managed client's
/// (optionally durable) offline queue, so messages survive a broker outage; subscribing observes the filter and
/// registers it with the client once (QoS 1), so it is restored whenever the broker lost the session.
/// </summary>
public sealed class MqttMessageBus : IMessageBus
{
    private readonly MqttManagedClient _client;
    private readonly HashSet<string> _filters = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    /// <summary>Wraps a managed client (started by the caller).</summary>
    public MqttMessageBus(MqttManagedClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
    }

    /// <inheritdoc/>
    public async Task PublishAsync(MqttMessage message, CancellationToken cancellationToken = default) =>
        await _client.EnqueueAsync(message).ConfigureAwait(false);

    /// <inheritdoc/>
    public IObservable<MqttMessage> Subscribe(string filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (MqttTopic.ValidateTopicFilter(filter) is { } reason)
        {
            throw new ArgumentException($"topic filter '{filter}': {reason}", nameof(filter));
        }

        return Observable.Create<MqttMessage>(observer =>
        {
            var subscription = _client.Observe(filter).Subscribe(observer);
            bool first;
            lock (_gate)
            {
                first = _filters.Add(filter);
            }

            if (first)
            {
                _client.SubscribeAsync(new MqttTopicSubscription(filter, MqttQualityOfService.AtLeastOnce)).GetAwaiter().GetResult();
            }

            return subscription;
        });
    }
}
