using Microsoft.Extensions.Logging;

namespace ReactorTwin.Adapters.Mqtt;

/// <summary>The subscriptions of <see cref="MqttManagedClient"/>: recorded, sent when connected, restored after CONNACK.</summary>
public sealed partial class MqttManagedClient
{
    /// <summary>Adds a subscription; it is sent now if connected, else on connecting (also into a session the broker
    /// kept, where a retained message is then only sent if the subscription is new to the broker), and again whenever
    /// the broker lost the session.</summary>
    /// <param name="subscription">Filter and options.</param>
    /// <returns>A task that completes when recorded (and acknowledged, if connected).</returns>
    public async Task SubscribeAsync(MqttTopicSubscription subscription)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        if (MqttTopic.ValidateTopicFilter(subscription.TopicFilter) is { } why)
        {
            throw new ArgumentException($"topic filter '{subscription.TopicFilter}': {why}", nameof(subscription));
        }

        lock (_subscriptions)
        {
            _subscriptions[subscription.TopicFilter] = subscription;
        }

        if (_client.IsConnected)
        {
            await SendSubscriptionsAsync([subscription], _stop.Token).ConfigureAwait(false);
        }
    }

    /// <summary>Whether the broker has granted <paramref name="topicFilter"/> in its current session (messages
    /// published to it from now on reach this client).</summary>
    /// <param name="topicFilter">Filter as subscribed.</param>
    public bool IsSubscribed(string topicFilter)
    {
        lock (_subscriptions)
        {
            return _confirmed.Contains(topicFilter);
        }
    }

    /// <summary>Removes a subscription.</summary>
    /// <param name="topicFilter">Filter as subscribed.</param>
    /// <returns>A task that completes when removed (and acknowledged, if connected).</returns>
    public async Task UnsubscribeAsync(string topicFilter)
    {
        lock (_subscriptions)
        {
            _subscriptions.Remove(topicFilter);
            _confirmed.Remove(topicFilter);
        }

        if (_client.IsConnected)
        {
            try
            {
                await _client.UnsubscribeAsync([topicFilter], _stop.Token).ConfigureAwait(false);
            }
            catch (MqttClientException e)
            {
                LogSubscribeDeferred(_logger, topicFilter, e.Message);
            }
        }
    }

    /// <summary>After CONNACK: every subscription when the broker has no session for us; into a kept session only
    /// those it has not granted yet (added while disconnected, or before this process started), asking for retained
    /// messages only where the subscription is new to the broker.</summary>
    private async Task RestoreSubscriptionsAsync(bool sessionPresent, CancellationToken stop)
    {
        MqttTopicSubscription[] subs;
        lock (_subscriptions)
        {
            if (!sessionPresent)
            {
                _confirmed.Clear();
            }

            subs = [.. _subscriptions.Values.Where(s => !_confirmed.Contains(s.TopicFilter)).Select(s =>
                sessionPresent && s.RetainHandling == MqttRetainHandling.SendAtSubscribe ? s with { RetainHandling = MqttRetainHandling.SendAtSubscribeIfNew } : s)];
        }

        if (subs.Length > 0)
        {
            await SendSubscriptionsAsync(subs, stop).ConfigureAwait(false);
        }
    }

    private async Task SendSubscriptionsAsync(MqttTopicSubscription[] subs, CancellationToken stop)
    {
        try
        {
            var codes = await _client.SubscribeAsync(subs, stop).ConfigureAwait(false);
            for (var i = 0; i < subs.Length && i < codes.Count; i++)
            {
                if ((int)codes[i] >= 0x80)
                {
                    LogSubscribeRefused(_logger, subs[i].TopicFilter, codes[i].ToString());
                    continue;
                }

                if ((int)codes[i] < (int)subs[i].QualityOfService)
                {
                    LogSubscribeDowngraded(_logger, subs[i].TopicFilter, (int)subs[i].QualityOfService, (int)codes[i]);
                }

                lock (_subscriptions)
                {
                    _confirmed.Add(subs[i].TopicFilter);
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Sent again with the next connection (the subscription is not confirmed).
            LogSubscribeDeferred(_logger, string.Join(", ", subs.Select(s => s.TopicFilter)), e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "MQTT broker refused the subscription {Filter}: {Reason}")]
    private static partial void LogSubscribeRefused(ILogger logger, string filter, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT broker granted {Filter} at QoS {Granted} instead of {Requested}")]
    private static partial void LogSubscribeDowngraded(ILogger logger, string filter, int requested, int granted);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT subscription change for {Filter} deferred: {Reason}")]
    private static partial void LogSubscribeDeferred(ILogger logger, string filter, string reason);
}
