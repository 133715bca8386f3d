using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using ReactorTwin.Adapters.Mqtt;

namespace ReactorTwin.Adapters.Tests.Mqtt.Integration;

/// <summary>
/// A mosquitto with tight MQTT 5.0 limits: Receive Maximum 2, Maximum Packet Size 2 000 B, no topic aliases, Maximum
/// QoS 1, no retained messages. mosquitto disconnects a client that exceeds any of them; the managed client reads them
/// from the CONNACK and adapts (QoS lowered, retain cleared, both with a warning; an oversize message refused with an
/// error and reported as dropped; at most 2 QoS 1 publishes in flight), so the connection stays up and nothing else is lost.
/// </summary>
[Collection("Mosquitto")]
public sealed class TightBrokerLimitsTests : IAsyncLifetime
{
    private MosquittoBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await MosquittoBroker.StartAsync(
        listenerLines: "max_qos 1\nmax_topic_alias 0",
        globalLines: "max_inflight_messages 2\nmax_packet_size 2000\nretain_available false");

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private static MqttMessage Numbered(string topic, int i, MqttQualityOfService qos, bool retain = false) =>
        new(topic, Encoding.UTF8.GetBytes(i.ToString(CultureInfo.InvariantCulture)), qos, retain);

    [Fact]
    public async Task Publish_QosAboveTheBrokersMaximum_DowngradedWithOneWarningAndAllDeliveredInOrder()
    {
        var topic = TestClients.Unique("rt/tight/qos");
        await using var watcher = await TestClients.ConnectedAsync(TestClients.Options(_broker.Port, MqttProtocolVersion.V500), null, new MqttTopicSubscription(topic, MqttQualityOfService.ExactlyOnce));
        var got = new ConcurrentQueue<MqttMessage>();
        using var s = watcher.Observe(topic).Subscribe(got.Enqueue);
        var log = new ListLogger();
        await using var publisher = await TestClients.ConnectedAsync(TestClients.Options(_broker.Port, MqttProtocolVersion.V500), log);
        var disconnects = 0;
        using var d = publisher.ConnectionStateChanges.Subscribe(c => { if (!c.IsConnected) { Interlocked.Increment(ref disconnects); } });

        // 300 QoS 2 publishes with up to 32 allowed in flight by us, 2 by the broker's Receive Maximum.
        for (var i = 0; i < 300; i++)
        {
            await publisher.EnqueueAsync(Numbered(topic, i, MqttQualityOfService.ExactlyOnce));
        }

        await Eventually.WaitUntilAsync(() => got.Count == 300, "300 delivered");
        Assert.Equal(Enumerable.Range(0, 300), got.Select(m => int.Parse(m.PayloadAsString(), CultureInfo.InvariantCulture)));
        Assert.All(got, m => Assert.Equal(MqttQualityOfService.AtLeastOnce, m.QualityOfService));
        Assert.Equal(0, disconnects);
        Assert.Single(log.At(LogLevel.Warning), w => w.Contains("Maximum QoS is 1", StringComparison.Ordinal) && w.Contains(topic, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Publish_RetainedWhenTheBrokerKeepsNone_SentLiveWithoutRetainAndAWarning()
    {
        var topic = TestClients.Unique("rt/tight/retain");
        await using var watcher = await TestClients.ConnectedAsync(TestClients.Options(_broker.Port, MqttProtocolVersion.V500), null, new MqttTopicSubscription(topic));
        var got = new ConcurrentQueue<MqttMessage>();
        using var s = watcher.Observe(topic).Subscribe(got.Enqueue);
        var log = new ListLogger();
        await using var publisher = await TestClients.ConnectedAsync(TestClients.Options(_broker.Port, MqttProtocolVersion.V500), log);
        await publisher.PublishAsync(new MqttMessage(topic, Encoding.UTF8.GetBytes("ready"), MqttQualityOfService.AtLeastOnce, retain: true));
        await publisher.PublishAsync(new MqttMessage(topic, Encoding.UTF8.GetBytes("after"), MqttQualityOfService.AtLeastOnce));

        await Eventually.WaitUntilAsync(() => got.Count == 2, "both delivered live");
        Assert.Equal(["ready", "after"], got.Select(m => m.PayloadAsString()));
        Assert.True(publisher.IsConnected);
        Assert.Equal(0, publisher.DroppedMessageCount);
        var warning = Assert.Single(log.At(LogLevel.Warning), w => w.Contains("Retain Available = 0", StringComparison.Ordinal));
        Assert.Contains(topic, warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_LargerThanTheBrokersMaximumPacketSize_RefusedWithAnErrorAndTheRestStillFlows()
    {
        var topic = TestClients.Unique("rt/tight/size");
        await using var watcher = await TestClients.ConnectedAsync(TestClients.Options(_broker.Port, MqttProtocolVersion.V500), null, new MqttTopicSubscription(topic));
        var got = new ConcurrentQueue<MqttMessage>();
        using var s = watcher.Observe(topic).Subscribe(got.Enqueue);
        var log = new ListLogger();
        await using var publisher = await TestClients.ConnectedAsync(TestClients.Options(_broker.Port, MqttProtocolVersion.V500), log);
        var dropped = new ConcurrentQueue<MqttMessage>();
        using var dr = publisher.DroppedMessages.Subscribe(dropped.Enqueue);

        // A payload that fits once the PUBLISH header is added, one that does not, then a small one.
        var fits = new byte[2000 - 5 - topic.Length - 2 - 2 - 1];
        await publisher.EnqueueAsync(new MqttMessage(topic, fits, MqttQualityOfService.AtLeastOnce));
        await publisher.EnqueueAsync(new MqttMessage(topic, new byte[3000], MqttQualityOfService.AtLeastOnce));
        await publisher.EnqueueAsync(new MqttMessage(topic, Encoding.UTF8.GetBytes("small"), MqttQualityOfService.AtLeastOnce));

        await Eventually.WaitUntilAsync(() => got.Count == 2 && publisher.PendingMessageCount == 0, "the two that fit delivered");
        Assert.Equal(fits.Length, got.First().Payload.Length);
        Assert.Equal("small", got.Last().PayloadAsString());
        Assert.Equal(3000, Assert.Single(dropped).Payload.Length);
        Assert.Equal(1, publisher.DroppedMessageCount);
        Assert.True(publisher.IsConnected);
        var error = Assert.Single(log.At(LogLevel.Error));
        Assert.Contains("at most 2000 bytes", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_RetainedQos2Will_BrokerRefusesThenTheClientConnectsWithAnAdaptedWillAndWarns()
    {
        var topic = TestClients.Unique("rt/tight/will");
        var log = new ListLogger();
        var options = TestClients.Options(_broker.Port, MqttProtocolVersion.V500) with
        {
            Will = new MqttMessage(topic, Encoding.UTF8.GetBytes("lost"), MqttQualityOfService.ExactlyOnce, retain: true),
        };
        await using var client = await TestClients.ConnectedAsync(options, log);
        Assert.True(client.IsConnected);
        Assert.Contains(log.At(LogLevel.Warning), w => w.Contains("refused the will", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Subscribe_AtQos2_GrantedQos1WithAWarning()
    {
        var log = new ListLogger();

        await using var client = await TestClients.ConnectedAsync(TestClients.Options(_broker.Port, MqttProtocolVersion.V500), log,
            new MqttTopicSubscription(TestClients.Unique("rt/tight/sub"), MqttQualityOfService.ExactlyOnce));
        Assert.Contains(log.At(LogLevel.Warning), w => w.Contains("at QoS 1 instead of 2", StringComparison.Ordinal));
    }
}
