using System.Collections.Concurrent;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Text;
using ReactorTwin.Adapters.Mqtt;

namespace ReactorTwin.Adapters.Tests.Mqtt.Integration;

[CollectionDefinition("Mosquitto", DisableParallelization = true)]
public sealed class MosquittoGroup : ICollectionFixture<SharedMosquitto>;

public sealed class SharedMosquitto : IAsyncLifetime
{
    internal MosquittoBroker Broker { get; private set; } = null!;

    public async Task InitializeAsync() => Broker = await MosquittoBroker.StartAsync();

    public async Task DisposeAsync() => await Broker.DisposeAsync();
}

/// <summary>Our options and message mapping on MQTTnet against a real mosquitto broker (Debian package); real time,
/// generous bounds (<see cref="Eventually.Patience"/>).</summary>
[Collection("Mosquitto")]
public sealed class MosquittoIntegrationTests(SharedMosquitto shared)
{
    private static readonly TimeSpan Patience = Eventually.Patience;

    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    private MqttClientOptions Options(MqttProtocolVersion v = MqttProtocolVersion.V311, string? clientId = null) => TestClients.Options(shared.Broker.Port, v, clientId);

    [Theory]
    [InlineData(MqttProtocolVersion.V311, MqttQualityOfService.AtMostOnce)]
    [InlineData(MqttProtocolVersion.V311, MqttQualityOfService.AtLeastOnce)]
    [InlineData(MqttProtocolVersion.V311, MqttQualityOfService.ExactlyOnce)]
    [InlineData(MqttProtocolVersion.V500, MqttQualityOfService.AtMostOnce)]
    [InlineData(MqttProtocolVersion.V500, MqttQualityOfService.AtLeastOnce)]
    [InlineData(MqttProtocolVersion.V500, MqttQualityOfService.ExactlyOnce)]
    public async Task PublishSubscribe_EachQos_RoundTripsThroughBroker(MqttProtocolVersion v, MqttQualityOfService qos)
    {
        var topic = TestClients.Unique("rt/qos");
        await using var sub = await TestClients.ConnectedAsync(Options(v), null, new MqttTopicSubscription(topic, qos));
        var received = sub.Observe(topic).FirstAsync().ToTask();
        await using var pub = await TestClients.ConnectedAsync(Options(v));
        var message = new MqttMessage(topic, Bytes("payload-" + qos), qos)
        {
            UserProperties = v == MqttProtocolVersion.V500 ? [new MqttUserProperty("unit", "degC")] : [],
            ContentType = v == MqttProtocolVersion.V500 ? "text/plain" : null,
            PayloadIsUtf8 = v == MqttProtocolVersion.V500 ? true : null,
        };
        await pub.PublishAsync(message);
        var got = await received.WaitAsync(Patience);
        Assert.Equal("payload-" + qos, got.PayloadAsString());
        Assert.Equal(qos, got.QualityOfService);
        if (v == MqttProtocolVersion.V500)
        {
            Assert.Equal([new MqttUserProperty("unit", "degC")], got.UserProperties);
            Assert.Equal("text/plain", got.ContentType);
            Assert.True(got.PayloadIsUtf8);
        }
    }

    [Fact]
    public async Task Retain_NewSubscriber_ReceivesRetainedMessageWithFlag()
    {
        var topic = TestClients.Unique("rt/retained");
        await using var pub = await TestClients.ConnectedAsync(Options());
        await pub.PublishAsync(new MqttMessage(topic, Bytes("last"), MqttQualityOfService.AtLeastOnce, retain: true));
        await using var sub = new MqttManagedClient(TestClients.Managed(Options()));
        var received = sub.Observe(topic).FirstAsync().ToTask();
        await sub.SubscribeAsync(new MqttTopicSubscription(topic));
        await sub.StartAsync();
        var got = await received.WaitAsync(Patience);
        Assert.True(got.Retain);
        Assert.Equal("last", got.PayloadAsString());
        await pub.PublishAsync(new MqttMessage(topic, ReadOnlyMemory<byte>.Empty, MqttQualityOfService.AtLeastOnce, retain: true));
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Will_ConnectionDroppedWithoutDisconnect_BrokerPublishesWill(MqttProtocolVersion v)
    {
        var topic = TestClients.Unique("rt/will");
        await using var proxy = new TcpProxy(shared.Broker.Port);
        await using var watcher = await TestClients.ConnectedAsync(Options(), null, new MqttTopicSubscription(topic));
        var will = watcher.Observe(topic).FirstAsync().ToTask();
        var options = TestClients.Options(proxy.Port, v) with { Will = new MqttMessage(topic, Bytes("lost"), MqttQualityOfService.AtLeastOnce, retain: true) };
        await using var dying = await TestClients.ConnectedAsync(options);
        proxy.DropAll();
        var got = await will.WaitAsync(Patience);
        Assert.Equal("lost", got.PayloadAsString());
        await watcher.PublishAsync(new MqttMessage(topic, ReadOnlyMemory<byte>.Empty, MqttQualityOfService.AtLeastOnce, retain: true));
    }

    [Fact]
    public async Task Will_GracefulStop_NoWillPublished()
    {
        var topic = TestClients.Unique("rt/nowill");
        await using var watcher = await TestClients.ConnectedAsync(Options(), null, new MqttTopicSubscription(topic));
        var messages = new ConcurrentQueue<MqttMessage>();
        using var s = watcher.Observe(topic).Subscribe(messages.Enqueue);
        var client = await TestClients.ConnectedAsync(Options() with { Will = new MqttMessage(topic, Bytes("offline"), MqttQualityOfService.AtLeastOnce) });
        await client.DisposeAsync();

        // A marker published after the disconnect arrives; no will before it.
        var marker = watcher.Observe(topic).FirstAsync(m => m.PayloadAsString() == "marker").ToTask();
        await watcher.PublishAsync(new MqttMessage(topic, Bytes("marker"), MqttQualityOfService.AtLeastOnce));
        await marker.WaitAsync(Patience);
        Assert.DoesNotContain(messages, m => m.PayloadAsString() == "offline");
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task PersistentSession_SubscriberOffline_ReceivesQueuedMessagesOnReconnect(MqttProtocolVersion v)
    {
        var topic = TestClients.Unique("rt/persist");
        var id = TestClients.Unique("persistent-sub");
        var subOptions = Options(v, id) with { CleanSession = false, SessionExpiryIntervalSeconds = 300 };
        await (await TestClients.ConnectedAsync(subOptions with { CleanSession = true })).DisposeAsync(); // start from no session
        await (await TestClients.ConnectedAsync(subOptions, null, new MqttTopicSubscription(topic, MqttQualityOfService.ExactlyOnce))).DisposeAsync();

        await using var pub = await TestClients.ConnectedAsync(Options(v));
        for (var i = 0; i < 10; i++)
        {
            await pub.EnqueueAsync(new MqttMessage(topic, Bytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), i % 2 == 0 ? MqttQualityOfService.AtLeastOnce : MqttQualityOfService.ExactlyOnce));
        }

        await Eventually.WaitUntilAsync(() => pub.PublishedMessageCount == 11, "published (and the probe)");

        // The session is present: the queued messages arrive (the subscription is confirmed, without its retained messages).
        await using var again = new MqttManagedClient(TestClients.Managed(subOptions));
        var received = new ConcurrentQueue<string>();
        using var s = again.Messages.Subscribe(m => received.Enqueue(m.PayloadAsString()));
        var connected = again.ConnectionStateChanges.FirstAsync(c => c.IsConnected).ToTask();
        await again.StartAsync();
        Assert.True((await connected.WaitAsync(Patience)).SessionPresent);
        await Eventually.WaitUntilAsync(() => received.Count >= 10, "10 queued messages");
        // QoS 1 and QoS 2 messages are each in order; the broker may interleave the two levels differently.
        Assert.Equal(Enumerable.Range(0, 10), received.Select(r => int.Parse(r, System.Globalization.CultureInfo.InvariantCulture)).Order());
    }

    [Fact]
    public async Task Publish500_MessageExpiredWhileSubscriberOffline_NotDelivered()
    {
        var topic = TestClients.Unique("rt/expiry");
        var subOptions = Options(MqttProtocolVersion.V500, TestClients.Unique("expiry-sub")) with { CleanSession = true, SessionExpiryIntervalSeconds = 300 };
        await (await TestClients.ConnectedAsync(subOptions, null, new MqttTopicSubscription(topic))).DisposeAsync();

        await using var pub = await TestClients.ConnectedAsync(Options(MqttProtocolVersion.V500));
        await pub.PublishAsync(new MqttMessage(topic, Bytes("short-lived"), MqttQualityOfService.AtLeastOnce) { MessageExpiryIntervalSeconds = 1 });
        await pub.PublishAsync(new MqttMessage(topic, Bytes("long-lived"), MqttQualityOfService.AtLeastOnce) { MessageExpiryIntervalSeconds = 600 });
        await Task.Delay(TimeSpan.FromSeconds(2.2)); // the broker's clock must pass the 1 s expiry

        await using var again = new MqttManagedClient(TestClients.Managed(subOptions with { CleanSession = false }));
        var received = new ConcurrentQueue<MqttMessage>();
        using var s = again.Messages.Subscribe(received.Enqueue);
        await again.StartAsync();
        await Eventually.WaitUntilAsync(() => !received.IsEmpty, "the long-lived message");
        await Task.Delay(200);
        var got = Assert.Single(received);
        Assert.Equal("long-lived", got.PayloadAsString());
        Assert.InRange(got.MessageExpiryIntervalSeconds ?? 0, 590u, 600u);
    }

    [Fact]
    public async Task KeepAlive_RouteBlackholed_ReportsTheConnectionLost()
    {
        await using var proxy = new TcpProxy(shared.Broker.Port);
        var options = TestClients.Options(proxy.Port) with { KeepAlivePeriod = TimeSpan.FromSeconds(1), CommunicationTimeout = TimeSpan.FromSeconds(2) };
        await using var client = await TestClients.ConnectedAsync(options);
        var changes = new ConcurrentQueue<MqttConnectionStateChange>();
        using var s = client.ConnectionStateChanges.Subscribe(changes.Enqueue);

        // Pings are answered while the route works.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.Empty(changes);
        proxy.Blackhole();

        // MQTTnet sends PINGREQ after 1 s idle and gives up 2 s later; 30 s leaves room for two loaded cores.
        await Eventually.WaitUntilAsync(() => changes.Any(c => !c.IsConnected), "disconnect reported");
    }

    [Fact]
    public async Task Interop_MosquittoSub_ReceivesOurPublish()
    {
        var topic = TestClients.Unique("rt/interop-out");
        var sub = MosquittoBroker.RunToolAsync("mosquitto_sub", Patience, "-h", "127.0.0.1", "-p", shared.Broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-t", topic, "-q", "1", "-C", "1", "-v");
        await using var pub = await TestClients.ConnectedAsync(Options());

        // mosquitto_sub needs a moment to subscribe: publish retained so timing does not matter, then clear.
        await pub.PublishAsync(new MqttMessage(topic, Bytes("hello from ReactorTwin"), MqttQualityOfService.AtLeastOnce, retain: true));
        var (code, output) = await sub;
        Assert.Equal(0, code);
        Assert.Equal($"{topic} hello from ReactorTwin", output.Trim());
        await pub.PublishAsync(new MqttMessage(topic, ReadOnlyMemory<byte>.Empty, MqttQualityOfService.AtLeastOnce, retain: true));
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311, "mqttv311")]
    [InlineData(MqttProtocolVersion.V500, "mqttv5")]
    public async Task Interop_MosquittoPub_OurSubscriberReceives(MqttProtocolVersion v, string toolVersion)
    {
        var topic = TestClients.Unique("rt/interop-in");
        await using var sub = await TestClients.ConnectedAsync(Options(v), null, new MqttTopicSubscription(topic, MqttQualityOfService.ExactlyOnce));
        var received = sub.Observe(topic).FirstAsync().ToTask();
        var (code, output) = await MosquittoBroker.RunToolAsync("mosquitto_pub", Patience, "-h", "127.0.0.1", "-p", shared.Broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-V", toolVersion, "-t", topic, "-m", "hello from mosquitto_pub", "-q", "2");
        Assert.True(code == 0, output);
        var got = await received.WaitAsync(Patience);
        Assert.Equal("hello from mosquitto_pub", got.PayloadAsString());
        Assert.Equal(MqttQualityOfService.ExactlyOnce, got.QualityOfService);
    }
}
