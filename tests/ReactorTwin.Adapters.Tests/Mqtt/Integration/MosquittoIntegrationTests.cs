using System.Collections.Concurrent;
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

/// <summary>Against a real mosquitto broker (Debian package); real time, generous timeouts.</summary>
[Collection("Mosquitto")]
public sealed class MosquittoIntegrationTests(SharedMosquitto shared)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static int _counter;

    private static string Unique(string prefix) => $"{prefix}-{Environment.ProcessId}-{Interlocked.Increment(ref _counter)}";

    private static MqttClientOptions Options(int port, MqttProtocolVersion v = MqttProtocolVersion.V311, string? clientId = null) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        ProtocolVersion = v,
        ClientId = clientId ?? Unique("c"),
        KeepAlivePeriod = TimeSpan.FromSeconds(30),
    };

    private static async Task<MqttClient> ConnectAsync(MqttClientOptions options)
    {
        var client = new MqttClient(options);
        await client.ConnectAsync().WaitAsync(Patience);
        return client;
    }

    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    [Theory]
    [InlineData(MqttProtocolVersion.V311, MqttQualityOfService.AtMostOnce)]
    [InlineData(MqttProtocolVersion.V311, MqttQualityOfService.AtLeastOnce)]
    [InlineData(MqttProtocolVersion.V311, MqttQualityOfService.ExactlyOnce)]
    [InlineData(MqttProtocolVersion.V500, MqttQualityOfService.AtMostOnce)]
    [InlineData(MqttProtocolVersion.V500, MqttQualityOfService.AtLeastOnce)]
    [InlineData(MqttProtocolVersion.V500, MqttQualityOfService.ExactlyOnce)]
    public async Task PublishSubscribe_EachQos_RoundTripsThroughBroker(MqttProtocolVersion v, MqttQualityOfService qos)
    {
        var topic = Unique("rt/qos");
        await using var sub = await ConnectAsync(Options(shared.Broker.Port, v));
        await using var pub = await ConnectAsync(Options(shared.Broker.Port, v));
        var received = sub.Observe(topic).FirstAsync(_ => true);
        var granted = await sub.SubscribeAsync(topic, qos);
        Assert.Equal((MqttReasonCode)(int)qos, granted.ReasonCodes[0]);

        var message = new MqttMessage(topic, Bytes("payload-" + qos), qos)
        {
            UserProperties = v == MqttProtocolVersion.V500 ? [new MqttUserProperty("unit", "degC")] : [],
            ContentType = v == MqttProtocolVersion.V500 ? "text/plain" : null,
        };
        var result = await pub.PublishAsync(message).AsTask().WaitAsync(Patience);
        Assert.True(result.IsSuccess);
        var got = await received.WaitAsync(Patience);
        Assert.Equal("payload-" + qos, got.PayloadAsString());
        Assert.Equal(qos, got.QualityOfService);
        if (v == MqttProtocolVersion.V500)
        {
            Assert.Equal([new MqttUserProperty("unit", "degC")], got.UserProperties);
            Assert.Equal("text/plain", got.ContentType);
        }
    }

    [Fact]
    public async Task Retain_NewSubscriber_ReceivesRetainedMessageWithFlag()
    {
        var topic = Unique("rt/retained");
        await using var pub = await ConnectAsync(Options(shared.Broker.Port));
        await pub.PublishAsync(new MqttMessage(topic, Bytes("last"), MqttQualityOfService.AtLeastOnce, retain: true)).AsTask().WaitAsync(Patience);
        await using var sub = await ConnectAsync(Options(shared.Broker.Port));
        var received = sub.Observe(topic).FirstAsync(_ => true);
        await sub.SubscribeAsync(topic);
        var got = await received.WaitAsync(Patience);
        Assert.True(got.Retain);
        Assert.Equal("last", got.PayloadAsString());
        await pub.PublishAsync(new MqttMessage(topic, ReadOnlyMemory<byte>.Empty, MqttQualityOfService.AtLeastOnce, retain: true)).AsTask().WaitAsync(Patience);
    }

    [Fact]
    public async Task Will_ConnectionDroppedWithoutDisconnect_BrokerPublishesWill()
    {
        var topic = Unique("rt/will");
        await using var proxy = new TcpProxy(shared.Broker.Port);
        await using var watcher = await ConnectAsync(Options(shared.Broker.Port));
        var will = watcher.Observe(topic).FirstAsync(_ => true);
        await watcher.SubscribeAsync(topic);
        var options = Options(proxy.Port) with { Will = new MqttMessage(topic, Bytes("offline"), MqttQualityOfService.AtLeastOnce) };
        await using var dying = await ConnectAsync(options);
        proxy.DropAll();
        Assert.Equal("offline", (await will.WaitAsync(Patience)).PayloadAsString());
    }

    [Fact]
    public async Task Will_GracefulDisconnect_NoWillPublished()
    {
        var topic = Unique("rt/nowill");
        await using var watcher = await ConnectAsync(Options(shared.Broker.Port));
        var messages = new ConcurrentQueue<MqttMessage>();
        using var s = watcher.Observe(topic).Subscribe(messages.Enqueue);
        await watcher.SubscribeAsync(topic);
        var options = Options(shared.Broker.Port) with { Will = new MqttMessage(topic, Bytes("offline"), MqttQualityOfService.AtLeastOnce) };
        var client = await ConnectAsync(options);
        await client.DisconnectAsync().WaitAsync(Patience);
        await client.DisposeAsync();

        // A marker published after the disconnect arrives; no will before it.
        var marker = watcher.Observe(topic).FirstAsync(m => m.PayloadAsString() == "marker");
        await watcher.PublishAsync(new MqttMessage(topic, Bytes("marker"), MqttQualityOfService.AtLeastOnce)).AsTask().WaitAsync(Patience);
        await marker.WaitAsync(Patience);
        Assert.DoesNotContain(messages, m => m.PayloadAsString() == "offline");
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task PersistentSession_SubscriberOffline_ReceivesQueuedMessagesOnReconnect(MqttProtocolVersion v)
    {
        var topic = Unique("rt/persist");
        var id = Unique("persistent-sub");
        var subOptions = Options(shared.Broker.Port, v, id) with { CleanSession = false, SessionExpiryIntervalSeconds = 300 };
        await using (var first = await ConnectAsync(subOptions with { CleanSession = true }))
        {
            // Start from no session, then subscribe in a persistent one.
        }

        var sub = await ConnectAsync(subOptions);
        await sub.SubscribeAsync(topic, MqttQualityOfService.ExactlyOnce);
        await sub.DisconnectAsync();
        await sub.DisposeAsync();

        await using var pub = await ConnectAsync(Options(shared.Broker.Port, v));
        for (var i = 0; i < 10; i++)
        {
            await pub.PublishAsync(new MqttMessage(topic, Bytes(i.ToString()), i % 2 == 0 ? MqttQualityOfService.AtLeastOnce : MqttQualityOfService.ExactlyOnce)).AsTask().WaitAsync(Patience);
        }

        await using var again = new MqttClient(subOptions);
        var received = new ConcurrentQueue<string>();
        using var s = again.Messages.Subscribe(m => received.Enqueue(m.PayloadAsString()));
        var result = await again.ConnectAsync().WaitAsync(Patience);
        Assert.True(result.SessionPresent);
        await MqttClientTests.WaitUntilAsync(() => received.Count >= 10);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i.ToString()), received.OrderBy(int.Parse));
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311, MqttQualityOfService.AtLeastOnce)]
    [InlineData(MqttProtocolVersion.V311, MqttQualityOfService.ExactlyOnce)]
    [InlineData(MqttProtocolVersion.V500, MqttQualityOfService.ExactlyOnce)]
    public async Task PersistentSession_PublishLostWithConnection_RedeliveredWithDupAfterReconnect(MqttProtocolVersion v, MqttQualityOfService qos)
    {
        var topic = Unique("rt/redeliver");
        await using var watcher = await ConnectAsync(Options(shared.Broker.Port, v));
        var received = new ConcurrentQueue<MqttMessage>();
        using var s = watcher.Observe(topic).Subscribe(received.Enqueue);
        await watcher.SubscribeAsync(topic, MqttQualityOfService.ExactlyOnce);

        await using var proxy = new TcpProxy(shared.Broker.Port);
        var options = Options(proxy.Port, v, Unique("redeliver-pub")) with { CleanSession = false, SessionExpiryIntervalSeconds = 300 };
        await using var publisher = await ConnectAsync(options);

        // The PUBLISH disappears on the way; then the connection breaks.
        proxy.Blackhole();
        var publish = publisher.PublishAsync(new MqttMessage(topic, Bytes("once"), qos)).AsTask();
        Assert.Equal(1, publisher.InFlightCount);
        await Task.Delay(200);
        proxy.DropAll();
        proxy.Restore();
        await MqttClientTests.WaitUntilAsync(() => !publisher.IsConnected);
        Assert.False(publish.IsCompleted);
        Assert.Empty(received);

        // Reconnect into the session: the client re-sends it (DUP) and the publish completes.
        var result = await publisher.ConnectAsync().WaitAsync(Patience);
        Assert.True(result.SessionPresent);
        Assert.True((await publish.WaitAsync(Patience)).IsSuccess);
        await MqttClientTests.WaitUntilAsync(() => !received.IsEmpty);
        Assert.Equal("once", Assert.Single(received).PayloadAsString());
        Assert.Equal(0, publisher.InFlightCount);
    }

    [Fact]
    public async Task Publish500_ManyConcurrentQos1_ObeysServerReceiveMaximumAndAllComplete()
    {
        var topic = Unique("rt/flow");
        await using var client = new MqttClient(Options(shared.Broker.Port, MqttProtocolVersion.V500));
        var result = await client.ConnectAsync().WaitAsync(Patience);
        Assert.Equal(100, result.ServerReceiveMaximum); // max_inflight_messages in the fixture's config
        var maxInFlight = 0;
        var tasks = new List<Task<MqttPublishResult>>();
        for (var i = 0; i < 1000; i++)
        {
            tasks.Add(client.PublishAsync(new MqttMessage(topic, Bytes(i.ToString()), MqttQualityOfService.AtLeastOnce)).AsTask());
            maxInFlight = Math.Max(maxInFlight, client.InFlightCount);
        }

        await Task.WhenAll(tasks).WaitAsync(Patience);
        Assert.InRange(maxInFlight, 1, 100);
        Assert.All(tasks, t => Assert.True(t.Result.IsSuccess));
    }

    [Fact]
    public async Task Publish500_MessageExpiredWhileSubscriberOffline_NotDelivered()
    {
        var topic = Unique("rt/expiry");
        var id = Unique("expiry-sub");
        var subOptions = Options(shared.Broker.Port, MqttProtocolVersion.V500, id) with { CleanSession = true, SessionExpiryIntervalSeconds = 300 };
        var sub = await ConnectAsync(subOptions);
        await sub.SubscribeAsync(topic);
        await sub.DisconnectAsync();
        await sub.DisposeAsync();

        await using var pub = await ConnectAsync(Options(shared.Broker.Port, MqttProtocolVersion.V500));
        await pub.PublishAsync(new MqttMessage(topic, Bytes("short-lived"), MqttQualityOfService.AtLeastOnce) { MessageExpiryIntervalSeconds = 1 }).AsTask().WaitAsync(Patience);
        await pub.PublishAsync(new MqttMessage(topic, Bytes("long-lived"), MqttQualityOfService.AtLeastOnce) { MessageExpiryIntervalSeconds = 600 }).AsTask().WaitAsync(Patience);
        await Task.Delay(TimeSpan.FromSeconds(2.2));

        await using var again = new MqttClient(subOptions with { CleanSession = false });
        var received = new ConcurrentQueue<MqttMessage>();
        using var s = again.Messages.Subscribe(received.Enqueue);
        Assert.True((await again.ConnectAsync().WaitAsync(Patience)).SessionPresent);
        await MqttClientTests.WaitUntilAsync(() => !received.IsEmpty);
        var got = Assert.Single(received);
        Assert.Equal("long-lived", got.PayloadAsString());
        Assert.InRange(got.MessageExpiryIntervalSeconds ?? 0, 590u, 600u);
    }

    [Fact]
    public async Task KeepAlive_RouteBlackholed_ClosesWithKeepAliveTimeout()
    {
        await using var proxy = new TcpProxy(shared.Broker.Port);
        var options = Options(proxy.Port) with { KeepAlivePeriod = TimeSpan.FromSeconds(1), PingResponseTimeout = TimeSpan.FromSeconds(1) };
        await using var client = await ConnectAsync(options);
        var closed = client.ConnectionStateChanges.FirstAsync(c => !c.IsConnected);

        // Pings are answered while the route works.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        if (closed.IsCompleted)
        {
            Assert.Fail("closed before the blackhole: " + await closed);
        }
        proxy.Blackhole();
        var change = await closed.WaitAsync(Patience);
        Assert.True(change.Reason == MqttDisconnectReason.KeepAliveTimeout, change.ToString());
    }

    [Fact]
    public async Task Interop_MosquittoSub_ReceivesOurPublish()
    {
        var topic = Unique("rt/interop-out");
        var sub = MosquittoBroker.RunToolAsync("mosquitto_sub", Patience, "-h", "127.0.0.1", "-p", shared.Broker.Port.ToString(), "-t", topic, "-q", "1", "-C", "1", "-v");
        await using var pub = await ConnectAsync(Options(shared.Broker.Port));

        // mosquitto_sub needs a moment to subscribe: publish retained so timing does not matter, then clear.
        await pub.PublishAsync(new MqttMessage(topic, Bytes("hello from ReactorTwin"), MqttQualityOfService.AtLeastOnce, retain: true)).AsTask().WaitAsync(Patience);
        var (code, output) = await sub;
        Assert.Equal(0, code);
        Assert.Equal($"{topic} hello from ReactorTwin", output.Trim());
        await pub.PublishAsync(new MqttMessage(topic, ReadOnlyMemory<byte>.Empty, MqttQualityOfService.AtLeastOnce, retain: true)).AsTask().WaitAsync(Patience);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311, "mqttv311")]
    [InlineData(MqttProtocolVersion.V500, "mqttv5")]
    public async Task Interop_MosquittoPub_OurSubscriberReceives(MqttProtocolVersion v, string toolVersion)
    {
        var topic = Unique("rt/interop-in");
        await using var sub = await ConnectAsync(Options(shared.Broker.Port, v));
        var received = sub.Observe(topic).FirstAsync(_ => true);
        await sub.SubscribeAsync(topic, MqttQualityOfService.ExactlyOnce);
        var (code, output) = await MosquittoBroker.RunToolAsync("mosquitto_pub", Patience, "-h", "127.0.0.1", "-p", shared.Broker.Port.ToString(),
            "-V", toolVersion, "-t", topic, "-m", "hello from mosquitto_pub", "-q", "2");
        Assert.True(code == 0, output);
        var got = await received.WaitAsync(Patience);
        Assert.Equal("hello from mosquitto_pub", got.PayloadAsString());
        Assert.Equal(MqttQualityOfService.ExactlyOnce, got.QualityOfService);
    }
}
