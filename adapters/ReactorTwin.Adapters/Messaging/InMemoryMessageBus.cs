using System.Reactive.Disposables;
using System.Reactive.Linq;
using ReactorTwin.Adapters.Mqtt;

namespace ReactorTwin.Adapters.Messaging;

/// <summary>
/// A topic-based publish/subscribe transport as the runtime sees it: MQTT semantics (topic names, filters with + and #,
/// retained messages) without saying whether a broker is involved. Implemented in memory here (demo, tests) and over
/// <see cref="MqttManagedClient"/> by the host (<see cref="MqttMessageBus"/>).
/// </summary>
public interface IMessageBus
{
    /// <summary>Publishes a message; completes when the transport has accepted it (for MQTT: when the QoS handshake
    /// completes).</summary>
    Task PublishAsync(MqttMessage message, CancellationToken cancellationToken = default);

    /// <summary>Messages on topics matching <paramref name="filter"/> (MQTT topic-filter rules), retained ones first.</summary>
    IObservable<MqttMessage> Subscribe(string filter);
}

/// <summary>
/// An in-process <see cref="IMessageBus"/>: delivery is synchronous on the publishing thread, in publication order, to
/// every matching subscriber; retained messages are kept per topic (an empty retained payload clears it, as in MQTT)
/// and replayed to new subscribers. Thread-safe. Topic names and filters are validated with the MQTT rules.
/// </summary>
public sealed class InMemoryMessageBus : IMessageBus
{
    private readonly object _gate = new();
    private readonly Dictionary<string, MqttMessage> _retained = new(StringComparer.Ordinal);
    private readonly List<(string Filter, IObserver<MqttMessage> Observer)> _subscribers = [];

    /// <summary>Messages published so far.</summary>
    public long Published { get; private set; }

    /// <inheritdoc/>
    public Task PublishAsync(MqttMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (MqttTopic.ValidateTopicName(message.Topic) is { } reason)
        {
            throw new ArgumentException($"topic '{message.Topic}': {reason}", nameof(message));
        }

        (string Filter, IObserver<MqttMessage> Observer)[] targets;
        lock (_gate)
        {
            Published++;
            if (message.Retain)
            {
                if (message.Payload.IsEmpty)
                {
                    _retained.Remove(message.Topic);
                }
                else
                {
                    _retained[message.Topic] = message;
                }
            }

            targets = [.. _subscribers];
        }

        foreach (var (filter, observer) in targets)
        {
            if (MqttTopic.Matches(filter, message.Topic))
            {
                observer.OnNext(message);
            }
        }

        return Task.CompletedTask;
    }

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
            MqttMessage[] retained;
            var entry = (filter, observer);
            lock (_gate)
            {
                retained = [.. _retained.Values.Where(m => MqttTopic.Matches(filter, m.Topic))];
                _subscribers.Add(entry);
            }

            foreach (var m in retained)
            {
                observer.OnNext(m);
            }

            return Disposable.Create(() =>
            {
                lock (_gate)
                {
                    _subscribers.Remove(entry);
                }
            });
        });
    }
}
