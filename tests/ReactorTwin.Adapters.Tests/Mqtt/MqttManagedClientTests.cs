using System.Text;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Adapters.Mqtt.Managed;
using ReactorTwin.Adapters.Mqtt.Packets;

namespace ReactorTwin.Adapters.Tests.Mqtt;

public sealed class MqttManagedClientTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "rt-mqtt-queue-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static MqttMessage Msg(string topic, MqttQualityOfService qos = MqttQualityOfService.AtLeastOnce) =>
        new(topic, Encoding.UTF8.GetBytes(topic), qos);

    [Fact]
    public void ExponentialBackoff_SeededRandom_GrowsWithinJitterAndCaps()
    {
        var backoff = new ExponentialBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 2, 0.5, new Random(42));
        double[] nominal = [1, 2, 4, 8, 16, 30, 30, 30];
        foreach (var n in nominal)
        {
            var d = backoff.Next().TotalSeconds;
            Assert.InRange(d, n * 0.5, n);
        }

        backoff.Reset();
        Assert.InRange(backoff.Next().TotalSeconds, 0.5, 1);

        // Same seed, same sequence (deterministic jitter).
        var a = new ExponentialBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 2, 0.5, new Random(7));
        var b = new ExponentialBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 2, 0.5, new Random(7));
        Assert.Equal(Enumerable.Range(0, 5).Select(_ => a.Next()), Enumerable.Range(0, 5).Select(_ => b.Next()));
    }

    [Fact]
    public async Task ConnectLoop_BrokerRefusesThenAccepts_RetriesWithBackoffAndPublishesQueue()
    {
        var time = new ManualTimeProvider();
        var server = new FakeServer(MqttProtocolVersion.V311);
        var options = new MqttManagedClientOptions(server.Options(o => o with { KeepAlivePeriod = TimeSpan.Zero }))
        {
            InitialReconnectDelay = TimeSpan.FromSeconds(2),
        };
        await using var managed = new MqttManagedClient(options, timeProvider: time, random: new Random(1));
        await managed.SubscribeAsync(new MqttTopicSubscription("cmd/#"));
        await managed.StartAsync();
        await managed.EnqueueAsync(Msg("a"));

        // Attempt 1 refused: no reconnect before the (jittered, ≥ 1 s) delay elapses.
        await server.AcceptAndAckAsync(ack: new MqttConnAckPacket { ReasonCode = 3 });
        var second = server.AcceptAsync();
        time.Advance(TimeSpan.FromMilliseconds(900));
        await Task.Delay(50);
        Assert.False(second.IsCompleted);
        while (!second.IsCompleted)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.WhenAny(second, Task.Delay(10));
        }

        var s = await second;
        await s.ExpectAsync<MqttConnectPacket>();
        await s.SendAsync(new MqttConnAckPacket());

        // No session: the subscription is restored, then the queue drains.
        var sub = await s.ExpectAsync<MqttSubscribePacket>();
        Assert.Equal("cmd/#", sub.Subscriptions[0].Filter);
        var suback = new MqttSubAckPacket { PacketId = sub.PacketId };
        suback.ReasonCodes.Add(1);
        await s.SendAsync(suback);
        var pub = await s.ExpectAsync<MqttPublishPacket>();
        Assert.Equal("a", pub.Message.Topic);
        await s.SendAsync(new MqttPublishAckPacket(MqttPacketType.PubAck, pub.PacketId));
        await MqttClientTests.WaitUntilAsync(() => managed.PendingMessageCount == 0);
        Assert.Equal(1, managed.PublishedMessageCount);
    }

    [Fact]
    public async Task PublishLoop_ConnectionDropsBeforeAck_RepublishesAfterReconnect()
    {
        var time = new ManualTimeProvider();
        var server = new FakeServer(MqttProtocolVersion.V311);
        var options = new MqttManagedClientOptions(server.Options(o => o with { KeepAlivePeriod = TimeSpan.Zero }));
        await using var managed = new MqttManagedClient(options, timeProvider: time, random: new Random(1));
        await managed.StartAsync();
        await managed.EnqueueAsync(Msg("x"));
        var (s1, _) = await server.AcceptAndAckAsync();
        await s1.ExpectAsync<MqttPublishPacket>();
        await s1.CloseAsync();

        var next = server.AcceptAsync();
        while (!next.IsCompleted)
        {
            time.Advance(TimeSpan.FromMilliseconds(250));
            await Task.WhenAny(next, Task.Delay(10));
        }

        var s2 = await next;
        await s2.ExpectAsync<MqttConnectPacket>();
        await s2.SendAsync(new MqttConnAckPacket());
        var again = await s2.ExpectAsync<MqttPublishPacket>();
        Assert.Equal("x", again.Message.Topic);
        await s2.SendAsync(new MqttPublishAckPacket(MqttPacketType.PubAck, again.PacketId));
        await MqttClientTests.WaitUntilAsync(() => managed.PendingMessageCount == 0);
    }

    [Theory]
    [InlineData(MqttQueueOverflowPolicy.DropOldest)]
    [InlineData(MqttQueueOverflowPolicy.DropNewest)]
    [InlineData(MqttQueueOverflowPolicy.Reject)]
    public async Task EnqueueAsync_QueueFull_AppliesPolicyAndReportsIt(MqttQueueOverflowPolicy policy)
    {
        var server = new FakeServer(MqttProtocolVersion.V311);
        var options = new MqttManagedClientOptions(server.Options()) { MaxPendingMessages = 2, OverflowPolicy = policy };
        await using var managed = new MqttManagedClient(options, timeProvider: new ManualTimeProvider());
        var dropped = new List<string>();
        using var sub = managed.DroppedMessages.Subscribe(m => dropped.Add(m.Topic));
        await managed.StartAsync();
        Assert.Equal(MqttEnqueueResult.Enqueued, await managed.EnqueueAsync(Msg("1")));
        Assert.Equal(MqttEnqueueResult.Enqueued, await managed.EnqueueAsync(Msg("2")));
        switch (policy)
        {
            case MqttQueueOverflowPolicy.DropOldest:
                Assert.Equal(MqttEnqueueResult.EnqueuedDroppedOldest, await managed.EnqueueAsync(Msg("3")));
                Assert.Equal(["1"], dropped);
                break;
            case MqttQueueOverflowPolicy.DropNewest:
                Assert.Equal(MqttEnqueueResult.DroppedNewest, await managed.EnqueueAsync(Msg("3")));
                Assert.Equal(["3"], dropped);
                break;
            default:
                await Assert.ThrowsAsync<MqttQueueFullException>(() => managed.EnqueueAsync(Msg("3")).AsTask());
                break;
        }

        Assert.Equal(1, managed.DroppedMessageCount);
        Assert.Equal(2, managed.PendingMessageCount);
    }

    [Fact]
    public async Task StopAsync_Connected_PublishesEveryQueuedMessageBeforeDisconnecting()
    {
        // A graceful shutdown queues its last words ("sleeping") and stops at once: they must reach the broker.
        var server = new FakeServer(MqttProtocolVersion.V500);
        var options = new MqttManagedClientOptions(server.Options(o => o with { KeepAlivePeriod = TimeSpan.Zero }));
        await using var managed = new MqttManagedClient(options, timeProvider: new ManualTimeProvider());
        await managed.StartAsync();
        var (s, _) = await server.AcceptAndAckAsync();
        await MqttClientTests.WaitUntilAsync(() => managed.IsConnected);
        for (int i = 1; i <= 3; i++)
        {
            await managed.EnqueueAsync(Msg($"state/{i}"));
        }

        var stop = managed.StopAsync();
        for (int i = 1; i <= 3; i++)
        {
            var pub = await s.ExpectAsync<MqttPublishPacket>();
            Assert.Equal($"state/{i}", pub.Message.Topic);
            Assert.False(stop.IsCompleted, "stopped before the queue was drained");
            await s.SendAsync(new MqttPublishAckPacket(MqttPacketType.PubAck, pub.PacketId));
        }

        await s.ExpectAsync<MqttDisconnectPacket>();
        await stop.Within();
        Assert.Equal(3, managed.PublishedMessageCount);
        Assert.Equal(0, managed.PendingMessageCount);
    }

    [Fact]
    public async Task StopAsync_BrokerNeverAcknowledges_GivesUpAfterTheDrainTimeoutAndKeepsTheMessage()
    {
        var time = new ManualTimeProvider();
        var server = new FakeServer(MqttProtocolVersion.V500);
        var options = new MqttManagedClientOptions(server.Options(o => o with { KeepAlivePeriod = TimeSpan.Zero })) { DrainTimeout = TimeSpan.FromSeconds(5), QueueDirectory = _dir };
        await using var managed = new MqttManagedClient(options, timeProvider: time);
        await managed.StartAsync();
        var (s, _) = await server.AcceptAndAckAsync();
        await MqttClientTests.WaitUntilAsync(() => managed.IsConnected);
        await managed.EnqueueAsync(Msg("state"));
        await s.ExpectAsync<MqttPublishPacket>(); // never acknowledged
        var stop = managed.StopAsync();
        time.Advance(TimeSpan.FromSeconds(4));
        await Task.Delay(50);
        Assert.False(stop.IsCompleted, "gave up before the drain timeout");
        time.Advance(TimeSpan.FromSeconds(1));
        await stop.Within();
        Assert.Equal(1, managed.PendingMessageCount); // still in the durable log for the next start
    }

    [Fact]
    public async Task DurableQueue_ProcessRestart_ReplaysUnpublishedMessagesInOrder()
    {
        var server = new FakeServer(MqttProtocolVersion.V500);
        var time = new ManualTimeProvider();
        var options = new MqttManagedClientOptions(server.Options(o => o with { KeepAlivePeriod = TimeSpan.Zero })) { QueueDirectory = _dir };
        await using (var first = new MqttManagedClient(options, timeProvider: time))
        {
            await first.StartAsync();
            await first.EnqueueAsync(new MqttMessage("m/1", new byte[] { 1 }, MqttQualityOfService.AtLeastOnce)
            {
                UserProperties = [new MqttUserProperty("k", "v")],
                MessageExpiryIntervalSeconds = 60,
                CorrelationData = new byte[] { 7 },
            });
            await first.EnqueueAsync(Msg("m/2"));
            await first.EnqueueAsync(Msg("m/3", MqttQualityOfService.AtMostOnce));
            await server.AcceptAsync(); // connection attempt never answered
        }

        await using var second = new MqttManagedClient(options, timeProvider: time);
        await second.StartAsync();
        Assert.Equal(3, second.RecoveredMessageCount);
        var (s, _) = await server.AcceptAndAckAsync();
        var p1 = await s.ExpectAsync<MqttPublishPacket>();
        Assert.Equal("m/1", p1.Message.Topic);
        Assert.Equal([new MqttUserProperty("k", "v")], p1.Message.UserProperties);
        Assert.Equal(60u, p1.Message.MessageExpiryIntervalSeconds);
        await s.SendAsync(new MqttPublishAckPacket(MqttPacketType.PubAck, p1.PacketId));
        var p2 = await s.ExpectAsync<MqttPublishPacket>();
        Assert.Equal("m/2", p2.Message.Topic);
        await s.SendAsync(new MqttPublishAckPacket(MqttPacketType.PubAck, p2.PacketId));
        Assert.Equal("m/3", (await s.ExpectAsync<MqttPublishPacket>()).Message.Topic);
        await MqttClientTests.WaitUntilAsync(() => second.PendingMessageCount == 0);
        Assert.Equal(0, new FileInfo(Path.Combine(_dir, "mqtt-queue.log")).Length);
    }

    [Fact]
    public void DurableQueueLog_TornLastRecord_DiscardedAndRestKept()
    {
        using (var log = MqttDurableQueueLog.Open(_dir, out var none))
        {
            Assert.Empty(none);
            log.AppendEnqueue(1, Msg("a"));
            log.AppendEnqueue(2, Msg("b"));
            log.AppendEnqueue(3, Msg("c"));
            log.AppendRemove(2);
        }

        // Simulate a crash in the middle of an append: half a record at the end.
        var path = Path.Combine(_dir, "mqtt-queue.log");
        var full = File.ReadAllBytes(path);
        using (var log = MqttDurableQueueLog.Open(_dir, out _))
        {
            log.AppendEnqueue(4, Msg("d"));
        }

        var withFourth = File.ReadAllBytes(path);
        File.WriteAllBytes(path, withFourth[..^5]);

        using (var log = MqttDurableQueueLog.Open(_dir, out var pending))
        {
            Assert.Equal(["a", "c"], pending.Select(p => p.Message.Topic));
            Assert.Equal([1L, 3L], pending.Select(p => p.Sequence));
            Assert.True(log.CorruptBytesDiscarded > 0);
        }

        // A flipped bit in a record is detected by the CRC.
        var bytes = File.ReadAllBytes(path);
        bytes[^3] ^= 0x40;
        File.WriteAllBytes(path, bytes);
        using (var log = MqttDurableQueueLog.Open(_dir, out var pending))
        {
            Assert.Equal(["a"], pending.Select(p => p.Message.Topic));
        }

        Assert.True(full.Length > 0);
    }
}
