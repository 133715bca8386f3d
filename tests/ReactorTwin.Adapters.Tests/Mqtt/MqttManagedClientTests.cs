using System.Collections.Concurrent;
using System.Text;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Adapters.Mqtt.Managed;
using ReactorTwin.Adapters.Tests.Mqtt.Integration;

namespace ReactorTwin.Adapters.Tests.Mqtt;

/// <summary>The managed client's own behaviour (queue, backoff, drain, durability) on MQTTnet against a real mosquitto.</summary>
[Collection("Mosquitto")]
public sealed class MqttManagedClientTests(SharedMosquitto shared) : IDisposable
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
    public async Task ConnectLoop_NoBrokerThenBroker_BacksOffInVirtualTimeAndPublishesQueueOnceConnected()
    {
        // Nothing listens on the port yet: every attempt is refused at once, so attempts are paced by the backoff
        // alone, on the manual clock.
        var port = MosquittoBroker.FreePort();
        var time = new ManualTimeProvider();
        var topic = TestClients.Unique("rt/backoff");
        var options = new MqttManagedClientOptions(TestClients.Options(port)) { InitialReconnectDelay = TimeSpan.FromSeconds(1), MaxReconnectDelay = TimeSpan.FromSeconds(8) };
        await using var managed = new MqttManagedClient(options, timeProvider: time, random: new Random(3));
        await managed.StartAsync();
        await managed.EnqueueAsync(Msg(topic));
        await Eventually.WaitUntilAsync(() => managed.ConnectAttemptCount == 1, "first attempt");

        // Without time passing there is no second attempt: the retry waits on the injected clock.
        await Task.Delay(200);
        Assert.Equal(1, managed.ConnectAttemptCount);

        // Each refused attempt leaves one timer on the manual clock, Polly's retry delay: advancing by exactly that much
        // makes the next attempt, whatever the real time an attempt takes. The delays grow and stay under the cap.
        var delays = new List<TimeSpan>();
        for (var attempt = 1; attempt <= 8; attempt++)
        {
            await Eventually.WaitUntilAsync(() => managed.ConnectAttemptCount == attempt && time.NextDueIn is not null, $"attempt {attempt} waiting for its retry");
            delays.Add(time.NextDueIn!.Value);
            time.Advance(delays[^1]);
        }

        Assert.All(delays, d => Assert.InRange(d, TimeSpan.Zero, TimeSpan.FromSeconds(8)));
        Assert.True(delays.Skip(5).Average(d => d.TotalSeconds) > delays.Take(2).Average(d => d.TotalSeconds), string.Join(", ", delays));

        // The broker appears (after the ninth attempt has failed): the tenth connects and the queued message goes out.
        await Eventually.WaitUntilAsync(() => managed.ConnectAttemptCount == 9 && time.NextDueIn is not null, "attempt 9 waiting for its retry");
        await using var broker = await MosquittoBroker.StartAsync(port: port);
        await using var watcher = await TestClients.ConnectedAsync(TestClients.Options(port), null, new MqttTopicSubscription(topic));
        var got = new ConcurrentQueue<string>();
        using var s = watcher.Observe(topic).Subscribe(m => got.Enqueue(m.PayloadAsString()));
        time.Advance(time.NextDueIn!.Value);
        await Eventually.WaitUntilAsync(() => managed.PendingMessageCount == 0 && got.Count == 1, "queued message delivered");
        Assert.Equal(1, managed.PublishedMessageCount);
    }

    [Fact]
    public async Task Backoff_SeededJitter_DelaysGrowUpToTheCapAndRepeatForTheSameSeed()
    {
        // Each refused attempt leaves exactly one timer on the manual clock: Polly's retry delay. Reading it and
        // advancing the clock by exactly that much gives the delay sequence without any dependence on real time.
        async Task<List<TimeSpan>> Delays(int seed)
        {
            var time = new ManualTimeProvider();
            var options = new MqttManagedClientOptions(TestClients.Options(MosquittoBroker.FreePort())) { InitialReconnectDelay = TimeSpan.FromSeconds(1), MaxReconnectDelay = TimeSpan.FromSeconds(30) };
            await using var managed = new MqttManagedClient(options, timeProvider: time, random: new Random(seed));
            await managed.StartAsync();
            var delays = new List<TimeSpan>();
            for (var attempt = 1; attempt <= 12; attempt++)
            {
                await Eventually.WaitUntilAsync(() => managed.ConnectAttemptCount == attempt && time.NextDueIn is not null, $"attempt {attempt} waiting for its retry");
                var delay = time.NextDueIn!.Value;
                delays.Add(delay);
                time.Advance(delay);
            }

            return delays;
        }

        var a = await Delays(7);
        Assert.Equal(a, await Delays(7));
        Assert.NotEqual(a, await Delays(8));
        Assert.All(a, d => Assert.InRange(d, TimeSpan.Zero, TimeSpan.FromSeconds(30)));
        Assert.True(a.Skip(6).Average(d => d.TotalSeconds) > 3 * a.Take(3).Average(d => d.TotalSeconds), string.Join(", ", a));
    }

    [Theory]
    [InlineData(MqttQueueOverflowPolicy.DropOldest)]
    [InlineData(MqttQueueOverflowPolicy.DropNewest)]
    [InlineData(MqttQueueOverflowPolicy.Reject)]
    public async Task EnqueueAsync_QueueFull_AppliesPolicyAndReportsIt(MqttQueueOverflowPolicy policy)
    {
        var options = new MqttManagedClientOptions(TestClients.Options(MosquittoBroker.FreePort())) { MaxPendingMessages = 2, OverflowPolicy = policy };
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
    public async Task PublishLoop_ConnectionDropsBeforeAck_RepublishesAfterReconnect()
    {
        var topic = TestClients.Unique("rt/republish");
        await using var watcher = await TestClients.ConnectedAsync(TestClients.Options(shared.Broker.Port), null, new MqttTopicSubscription(topic));
        var got = new ConcurrentQueue<string>();
        using var s = watcher.Observe(topic).Subscribe(m => got.Enqueue(m.PayloadAsString()));
        await using var proxy = new TcpProxy(shared.Broker.Port);
        await using var managed = await TestClients.ConnectedAsync(TestClients.Options(proxy.Port));

        // The PUBLISH vanishes on a dead route; the connection then breaks. The message must stay queued.
        proxy.Blackhole();
        await managed.EnqueueAsync(Msg(topic));
        await Task.Delay(200);
        Assert.Equal(1, managed.PendingMessageCount);
        proxy.DropAll();
        proxy.Restore();
        await Eventually.WaitUntilAsync(() => got.Count == 1 && managed.PendingMessageCount == 0, "republished after reconnect");
        Assert.Equal([topic], got);
    }

    [Fact]
    public async Task PublishLoop_ThousandsQueued_LeaveInQueueOrderWithPipelining()
    {
        var topic = TestClients.Unique("rt/order");
        await using var watcher = await TestClients.ConnectedAsync(TestClients.Options(shared.Broker.Port, MqttProtocolVersion.V500), null, new MqttTopicSubscription(topic));
        var got = new ConcurrentQueue<int>();
        using var s = watcher.Observe(topic).Subscribe(m => got.Enqueue(int.Parse(m.PayloadAsString(), System.Globalization.CultureInfo.InvariantCulture)));
        var options = TestClients.Managed(TestClients.Options(shared.Broker.Port, MqttProtocolVersion.V500)) with { MaxInFlightMessages = 16 };
        await using var managed = await TestClients.ConnectedAsync(options);
        for (var i = 0; i < 3000; i++)
        {
            await managed.EnqueueAsync(new MqttMessage(topic, Encoding.UTF8.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), MqttQualityOfService.AtLeastOnce));
        }

        await Eventually.WaitUntilAsync(() => got.Count == 3000 && managed.PendingMessageCount == 0, "all 3000 received and acknowledged");
        Assert.Equal(Enumerable.Range(0, 3000), got);
        Assert.Equal(3001, managed.PublishedMessageCount); // and the probe
    }

    [Fact]
    public async Task StopAsync_Connected_PublishesEveryQueuedMessageBeforeDisconnecting()
    {
        // A graceful shutdown queues its last words ("sleeping") and stops at once: they must reach the broker.
        var topic = TestClients.Unique("rt/drain");
        await using var watcher = await TestClients.ConnectedAsync(TestClients.Options(shared.Broker.Port), null, new MqttTopicSubscription(topic + "/#"));
        var got = new ConcurrentQueue<string>();
        using var s = watcher.Observe(topic + "/#").Subscribe(m => got.Enqueue(m.Topic));
        await using var managed = await TestClients.ConnectedAsync(TestClients.Options(shared.Broker.Port, MqttProtocolVersion.V500));
        for (int i = 1; i <= 200; i++)
        {
            await managed.EnqueueAsync(Msg($"{topic}/{i}"));
        }

        await managed.StopAsync();
        Assert.Equal(0, managed.PendingMessageCount);
        Assert.Equal(201, managed.PublishedMessageCount); // and the probe
        await Eventually.WaitUntilAsync(() => got.Count == 200, "all 200 delivered");
        Assert.Equal(Enumerable.Range(1, 200).Select(i => $"{topic}/{i}"), got);
    }

    [Fact]
    public async Task StopAsync_BrokerNeverAcknowledges_GivesUpAfterTheDrainTimeoutAndKeepsTheMessage()
    {
        var time = new ManualTimeProvider();
        await using var proxy = new TcpProxy(shared.Broker.Port);
        var options = TestClients.Managed(TestClients.Options(proxy.Port, MqttProtocolVersion.V500)) with { DrainTimeout = TimeSpan.FromSeconds(5), QueueDirectory = _dir };
        await using var managed = new MqttManagedClient(options, timeProvider: time);
        await managed.StartAsync();
        await Eventually.WaitUntilAsync(() => managed.IsConnected, "connected");
        proxy.Blackhole(); // the PUBLISH goes nowhere, no PUBACK comes back
        await managed.EnqueueAsync(Msg("rt/never-acked"));
        var stop = managed.StopAsync();
        time.Advance(TimeSpan.FromSeconds(4));
        await Task.Delay(200);
        Assert.False(stop.IsCompleted, "gave up before the drain timeout");
        time.Advance(TimeSpan.FromSeconds(1));
        await stop.WaitAsync(Eventually.Patience);
        Assert.Equal(1, managed.PendingMessageCount); // still in the durable log for the next start
    }

    [Fact]
    public async Task DurableQueue_ProcessRestart_ReplaysUnpublishedMessagesInOrder()
    {
        // First "process": no broker reachable; three messages queued on disk.
        var port = MosquittoBroker.FreePort();
        var options = TestClients.Managed(TestClients.Options(port, MqttProtocolVersion.V500)) with { QueueDirectory = _dir, DrainTimeout = TimeSpan.Zero };
        var topic = TestClients.Unique("rt/durable");
        await using (var first = new MqttManagedClient(options))
        {
            await first.StartAsync();
            await first.EnqueueAsync(new MqttMessage(topic + "/1", new byte[] { 1 }, MqttQualityOfService.AtLeastOnce)
            {
                UserProperties = [new MqttUserProperty("k", "v")],
                MessageExpiryIntervalSeconds = 60,
                CorrelationData = new byte[] { 7 },
            });
            await first.EnqueueAsync(Msg(topic + "/2"));
            await first.EnqueueAsync(Msg(topic + "/3", MqttQualityOfService.AtMostOnce));
        }

        // Second process: the broker is there now; the messages go out in their original order with their properties.
        await using var broker = await MosquittoBroker.StartAsync(port: port);
        await using var watcher = await TestClients.ConnectedAsync(TestClients.Options(port, MqttProtocolVersion.V500), null, new MqttTopicSubscription(topic + "/#"));
        var got = new ConcurrentQueue<MqttMessage>();
        using var s = watcher.Observe(topic + "/#").Subscribe(got.Enqueue);
        await using var second = new MqttManagedClient(options);
        await second.StartAsync();
        Assert.Equal(3, second.RecoveredMessageCount);
        await Eventually.WaitUntilAsync(() => got.Count == 3 && second.PendingMessageCount == 0, "replayed");
        Assert.Equal([topic + "/1", topic + "/2", topic + "/3"], got.Select(m => m.Topic));
        var m1 = got.First();
        Assert.Equal([new MqttUserProperty("k", "v")], m1.UserProperties);
        Assert.InRange(m1.MessageExpiryIntervalSeconds ?? 0, 55u, 60u);
        Assert.Equal(new byte[] { 7 }, m1.CorrelationData?.ToArray());
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
    }

    [Fact]
    public void DurableQueueLog_RecordLayout_UnchangedFromEarlierReleases()
    {
        // A queue written by the earlier client must replay after an upgrade: the record layout is fixed.
        // [len u32][crc u32][kind 1][seq u64][flags][topic u16+bytes][expiry u32][has 1][utf8 1][ct u16][has][rt u16][has][cd u16][has][props u16][payload u32+bytes]
        using (var log = MqttDurableQueueLog.Open(_dir, out _))
        {
            log.AppendEnqueue(5, new MqttMessage("t", new byte[] { 0xAB }, MqttQualityOfService.AtLeastOnce, retain: true));
        }

        var record = File.ReadAllBytes(Path.Combine(_dir, "mqtt-queue.log"));
        var body = Convert.ToHexString(record.AsSpan(8));
        Assert.Equal("01" + "0000000000000005" + "05" + "000174" + "FFFFFFFF00" + "02" + "000000" + "000000" + "000000" + "0000" + "00000001AB", body);
    }
}
