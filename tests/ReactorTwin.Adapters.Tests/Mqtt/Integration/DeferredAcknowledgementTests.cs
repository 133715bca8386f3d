using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using ReactorTwin.Adapters.Mqtt;

namespace ReactorTwin.Adapters.Tests.Mqtt.Integration;

/// <summary>
/// PUBACK/PUBREC only after the application's commit, in receive order, over MQTTnet's <c>AutoAcknowledge = false</c>:
/// what the broker redelivers after a lost connection shows which acknowledgements it received.
/// </summary>
[Collection("Mosquitto")]
public sealed class DeferredAcknowledgementTests(SharedMosquitto shared)
{
    private static MqttMessage Numbered(string topic, int i, MqttQualityOfService qos) =>
        new(topic, Encoding.UTF8.GetBytes(i.ToString(CultureInfo.InvariantCulture)), qos);

    private static int Number(MqttMessage m) => int.Parse(m.PayloadAsString(), CultureInfo.InvariantCulture);

    [Theory]
    [InlineData(MqttProtocolVersion.V311, MqttQualityOfService.AtLeastOnce)]
    [InlineData(MqttProtocolVersion.V500, MqttQualityOfService.AtLeastOnce)]
    [InlineData(MqttProtocolVersion.V500, MqttQualityOfService.ExactlyOnce)]
    public async Task Deferred_AcknowledgedOutOfOrder_SentInReceiveOrderAndUnacknowledgedRedelivered(MqttProtocolVersion v, MqttQualityOfService qos)
    {
        var topic = TestClients.Unique("rt/ack");
        await using var proxy = new TcpProxy(shared.Broker.Port);
        var options = TestClients.Options(proxy.Port, v, TestClients.Unique("ack-sub")) with { CleanSession = false, SessionExpiryIntervalSeconds = 300 };
        var log = new ListLogger();
        await using var subscriber = await TestClients.ConnectedAsync(options, log, new MqttTopicSubscription(topic, qos));
        var received = new ConcurrentQueue<MqttMessage>();
        using var s = subscriber.Observe(topic).Subscribe(m =>
        {
            Assert.True(m.DeferAcknowledgement(), "a QoS 1/2 message can be deferred");
            received.Enqueue(m);
        });

        await using var publisher = await TestClients.ConnectedAsync(TestClients.Options(shared.Broker.Port, v));
        for (var i = 1; i <= 4; i++)
        {
            await publisher.PublishAsync(Numbered(topic, i, qos));
        }

        await Eventually.WaitUntilAsync(() => received.Count == 4, "4 delivered");
        var first = received.ToArray();
        Assert.Equal([1, 2, 3, 4], first.Select(Number));
        Assert.Equal(4, subscriber.OwedAcknowledgementCount);

        // "Commit" 3 before 1 and 2: nothing may leave yet, 1 is owed first.
        first[2].Acknowledge();
        await Task.Delay(100);
        Assert.Equal(4, subscriber.OwedAcknowledgementCount);

        // Now 1 and 2: 1, 2 and 3 leave in that order; 4 stays owed (never committed).
        first[0].Acknowledge();
        first[1].Acknowledge();
        first[1].Acknowledge(); // idempotent
        await Eventually.WaitUntilAsync(() => subscriber.OwedAcknowledgementCount == 1, "1, 2, 3 acknowledged");

        // A publish round trip on the same connection: the broker handles a connection's packets in order, so once its
        // PUBACK is back, the three acknowledgements have been processed too.
        await subscriber.PublishAsync(new MqttMessage(topic + "/sync", ReadOnlyMemory<byte>.Empty, MqttQualityOfService.AtLeastOnce));

        // The connection dies (no DISCONNECT): the broker still owns 4 and redelivers it, with DUP, and only it.
        proxy.DropAll();
        await Eventually.WaitUntilAsync(() => received.Count == 5, "redelivery after the reconnect");
        await Task.Delay(300);
        var again = Assert.Single(received.Skip(4));
        Assert.Equal(4, Number(again));
        Assert.True(again.IsDuplicate, "a redelivered QoS 1/2 message carries DUP");

        // The old acknowledgement of 4 is void on the new connection; the new one goes out.
        first[3].Acknowledge();
        again.Acknowledge();
        await Eventually.WaitUntilAsync(() => subscriber.OwedAcknowledgementCount == 0, "redelivery acknowledged");
        await subscriber.PublishAsync(new MqttMessage(topic + "/sync", ReadOnlyMemory<byte>.Empty, MqttQualityOfService.AtLeastOnce));
        proxy.DropAll();
        await Eventually.WaitUntilAsync(() => subscriber.IsConnected, "reconnected");
        await subscriber.PublishAsync(new MqttMessage(topic + "/marker", ReadOnlyMemory<byte>.Empty, MqttQualityOfService.AtLeastOnce));
        await Task.Delay(300);
        Assert.Equal(5, received.Count);
    }

    [Fact]
    public async Task NotDeferred_AcknowledgedWhenObserversReturn()
    {
        var topic = TestClients.Unique("rt/autoack");
        var options = TestClients.Options(shared.Broker.Port, MqttProtocolVersion.V500, TestClients.Unique("autoack-sub")) with { CleanSession = false, SessionExpiryIntervalSeconds = 300 };
        var received = new ConcurrentQueue<int>();
        await using (var subscriber = await TestClients.ConnectedAsync(options, null, new MqttTopicSubscription(topic)))
        {
            using var s = subscriber.Observe(topic).Subscribe(m => received.Enqueue(Number(m)));
            await using var publisher = await TestClients.ConnectedAsync(TestClients.Options(shared.Broker.Port));
            for (var i = 1; i <= 20; i++)
            {
                await publisher.PublishAsync(Numbered(topic, i, MqttQualityOfService.AtLeastOnce));
            }

            await Eventually.WaitUntilAsync(() => received.Count == 20 && subscriber.OwedAcknowledgementCount == 0, "20 delivered and acknowledged");
        }

        // Reconnecting into the session brings nothing back: every PUBACK reached the broker.
        await using var again = new MqttManagedClient(TestClients.Managed(options));
        var redelivered = new ConcurrentQueue<MqttMessage>();
        using var r = again.Messages.Subscribe(redelivered.Enqueue);
        await again.StartAsync();
        await Eventually.WaitUntilAsync(() => again.IsConnected, "reconnected");
        await again.PublishAsync(new MqttMessage(topic + "/marker", ReadOnlyMemory<byte>.Empty, MqttQualityOfService.AtLeastOnce));
        await Task.Delay(300);
        Assert.DoesNotContain(redelivered, m => m.Topic == topic);
    }

    [Fact]
    public async Task AfterStopReceiving_NeitherDeliveredNorAcknowledged_RedeliveredToTheNextSession()
    {
        // Shutdown: the observers are gone but the client still publishes (its "sleeping" state). What arrives then must
        // stay with the broker, not be acknowledged on arrival for want of a deferral.
        var topic = TestClients.Unique("rt/stopped");
        var options = TestClients.Options(shared.Broker.Port, MqttProtocolVersion.V500, TestClients.Unique("stopped-sub")) with { CleanSession = false, SessionExpiryIntervalSeconds = 300 };
        var received = new ConcurrentQueue<int>();
        await using (var subscriber = await TestClients.ConnectedAsync(options, null, new MqttTopicSubscription(topic)))
        {
            using var s = subscriber.Observe(topic).Subscribe(m => received.Enqueue(Number(m)));
            await using var publisher = await TestClients.ConnectedAsync(TestClients.Options(shared.Broker.Port));
            await publisher.PublishAsync(Numbered(topic, 1, MqttQualityOfService.AtLeastOnce));
            await Eventually.WaitUntilAsync(() => received.Count == 1 && subscriber.OwedAcknowledgementCount == 0, "1 delivered and acknowledged");

            subscriber.StopReceiving();
            for (var i = 2; i <= 4; i++)
            {
                await publisher.PublishAsync(Numbered(topic, i, MqttQualityOfService.AtLeastOnce));
            }

            // The subscriber still publishes; a round trip on its connection shows the broker has sent it 2–4 by now
            // (the broker handles a connection's packets in order and forwarded 2–4 before this PUBACK returns).
            await subscriber.PublishAsync(new MqttMessage(topic + "/sync", ReadOnlyMemory<byte>.Empty, MqttQualityOfService.AtLeastOnce));
            await Task.Delay(300);
            Assert.Equal([1], received);
            Assert.Equal(0, subscriber.OwedAcknowledgementCount);
            await subscriber.StopAsync();
        }

        // The next session gets 2, 3 and 4, and only them.
        await using var again = new MqttManagedClient(TestClients.Managed(options));
        var redelivered = new ConcurrentQueue<int>();
        using var r = again.Observe(topic).Subscribe(m => redelivered.Enqueue(Number(m)));
        await again.StartAsync();
        await Eventually.WaitUntilAsync(() => redelivered.Count == 3, "2, 3 and 4 redelivered");
        await Task.Delay(300);
        Assert.Equal([2, 3, 4], redelivered);
    }
}
