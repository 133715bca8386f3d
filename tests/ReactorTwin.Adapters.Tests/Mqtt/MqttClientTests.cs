using System.Text;
using Microsoft.Extensions.Logging;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Adapters.Mqtt.Packets;

namespace ReactorTwin.Adapters.Tests.Mqtt;

/// <summary>Client behaviour against a scripted in-memory server.</summary>
public sealed class MqttClientTests
{
    private static MqttMessage Msg(string topic, MqttQualityOfService qos, string payload = "p") =>
        new(topic, Encoding.UTF8.GetBytes(payload), qos);

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task ConnectAsync_Accepted_SendsOptionsAndReportsConnected(MqttProtocolVersion v)
    {
        var server = new FakeServer(v);
        await using var client = new MqttClient(server.Options(o => o with
        {
            Username = "u",
            Password = new byte[] { 1, 2 },
            KeepAlivePeriod = TimeSpan.FromSeconds(30),
            Will = new MqttMessage("will/t", new byte[] { 9 }, MqttQualityOfService.AtLeastOnce, true),
            SessionExpiryIntervalSeconds = 60,
        }));
        var connected = client.ConnectionStateChanges.FirstAsync(s => s.IsConnected);
        var connecting = client.ConnectAsync();
        var (_, connect) = await server.AcceptAndAckAsync();
        var result = await connecting.Within();
        await connected.Within();

        Assert.True(client.IsConnected);
        Assert.False(result.SessionPresent);
        Assert.Equal("test-client", connect.ClientId);
        Assert.Equal("u", connect.Username);
        Assert.Equal((ushort)30, connect.KeepAliveSeconds);
        Assert.Equal("will/t", connect.Will!.Topic);
        Assert.True(connect.Will.Retain);
        Assert.Equal(v == MqttProtocolVersion.V500 ? 60u : null, connect.Properties.SessionExpiryInterval);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311, 4, MqttReasonCode.BadUserNameOrPassword)]
    [InlineData(MqttProtocolVersion.V311, 5, MqttReasonCode.NotAuthorized)]
    [InlineData(MqttProtocolVersion.V500, 0x86, MqttReasonCode.BadUserNameOrPassword)]
    public async Task ConnectAsync_Refused_ThrowsWithMappedReason(MqttProtocolVersion v, byte code, MqttReasonCode expected)
    {
        var server = new FakeServer(v);
        await using var client = new MqttClient(server.Options());
        var connecting = client.ConnectAsync();
        await server.AcceptAndAckAsync(ack: new MqttConnAckPacket { ReasonCode = code });
        var e = await Assert.ThrowsAsync<MqttConnectingFailedException>(() => connecting.Within());
        Assert.Equal(expected, e.ReasonCode);
        Assert.False(client.IsConnected);
    }

    [Fact]
    public async Task PublishAsync_Qos1And2_CompleteOnlyAfterHandshake()
    {
        var server = new FakeServer(MqttProtocolVersion.V311);
        await using var client = new MqttClient(server.Options());
        var connecting = client.ConnectAsync();
        var (s, _) = await server.AcceptAndAckAsync();
        await connecting.Within();

        var q1 = client.PublishAsync(Msg("a", MqttQualityOfService.AtLeastOnce)).AsTask();
        var p1 = await s.ExpectAsync<MqttPublishPacket>();
        Assert.False(q1.IsCompleted);
        await s.SendAsync(new MqttPublishAckPacket(MqttPacketType.PubAck, p1.PacketId));
        Assert.Equal(p1.PacketId, (await q1.Within()).PacketId);

        var q2 = client.PublishAsync(Msg("b", MqttQualityOfService.ExactlyOnce)).AsTask();
        var p2 = await s.ExpectAsync<MqttPublishPacket>();
        await s.SendAsync(new MqttPublishAckPacket(MqttPacketType.PubRec, p2.PacketId));
        var rel = await s.ExpectAsync<MqttPublishAckPacket>();
        Assert.Equal(MqttPacketType.PubRel, rel.Type);
        Assert.Equal(p2.PacketId, rel.PacketId);
        Assert.False(q2.IsCompleted);
        await s.SendAsync(new MqttPublishAckPacket(MqttPacketType.PubComp, p2.PacketId));
        Assert.True((await q2.Within()).IsSuccess);
        Assert.Equal(0, client.InFlightCount);
    }

    [Fact]
    public async Task PublishAsync_ManyInFlight_NeverReusesAPacketIdInFlight()
    {
        var server = new FakeServer(MqttProtocolVersion.V311);
        await using var client = new MqttClient(server.Options());
        var connecting = client.ConnectAsync();
        var (s, _) = await server.AcceptAndAckAsync();
        await connecting.Within();

        var tasks = Enumerable.Range(0, 50).Select(i => client.PublishAsync(Msg("t", MqttQualityOfService.AtLeastOnce)).AsTask()).ToList();
        var ids = new List<ushort>();
        for (var i = 0; i < 50; i++)
        {
            ids.Add((await s.ExpectAsync<MqttPublishPacket>()).PacketId);
        }

        Assert.Equal(50, ids.Distinct().Count());
        await s.SendAsync(new MqttPublishAckPacket(MqttPacketType.PubAck, ids[10]));
        await tasks[10].Within();
        var next = client.PublishAsync(Msg("t", MqttQualityOfService.AtLeastOnce)).AsTask();
        var nextId = (await s.ExpectAsync<MqttPublishPacket>()).PacketId;
        Assert.DoesNotContain(nextId, ids.Where((_, i) => i != 10));
        Assert.Equal(50, client.InFlightCount);
    }

    [Fact]
    public void PacketIdentifierAllocator_Wraparound_SkipsIdsInUse()
    {
        var ids = new PacketIdentifierAllocator();
        var first = ids.Allocate();
        for (var i = 1; i < 65535; i++)
        {
            ids.Release(ids.Allocate());
        }

        // Wrapped around: 'first' is still in use and must be skipped.
        var next = ids.Allocate();
        Assert.NotEqual(first, next);
        Assert.Equal(2, ids.InUseCount);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task ConnectAsync_SessionPresentAfterDrop_ResendsPublishWithDupAndPubRelWithOriginalIds(MqttProtocolVersion v)
    {
        var server = new FakeServer(v);
        await using var client = new MqttClient(server.Options(o => o with { CleanSession = false, SessionExpiryIntervalSeconds = 300 }));
        var connecting = client.ConnectAsync();
        var (s, _) = await server.AcceptAndAckAsync();
        await connecting.Within();

        var a = client.PublishAsync(Msg("a", MqttQualityOfService.AtLeastOnce)).AsTask();
        var b = client.PublishAsync(Msg("b", MqttQualityOfService.ExactlyOnce)).AsTask();
        var pa = await s.ExpectAsync<MqttPublishPacket>();
        var pb = await s.ExpectAsync<MqttPublishPacket>();
        await s.SendAsync(new MqttPublishAckPacket(MqttPacketType.PubRec, pb.PacketId));
        await s.ExpectAsync<MqttPublishAckPacket>(); // PUBREL
        var lost = client.ConnectionStateChanges.FirstAsync(c => !c.IsConnected);
        await s.CloseAsync();
        Assert.Equal(MqttDisconnectReason.ConnectionLost, (await lost.Within()).Reason);
        Assert.False(a.IsCompleted);

        var reconnecting = client.ConnectAsync();
        var (s2, connect2) = await server.AcceptAndAckAsync(sessionPresent: true);
        Assert.False(connect2.CleanSession);
        Assert.True((await reconnecting.Within()).SessionPresent);
        var again = await s2.ExpectAsync<MqttPublishPacket>();
        Assert.True(again.Dup);
        Assert.Equal(pa.PacketId, again.PacketId);
        Assert.Equal("a", again.Message.Topic);
        var rel = await s2.ExpectAsync<MqttPublishAckPacket>();
        Assert.Equal((MqttPacketType.PubRel, pb.PacketId), (rel.Type, rel.PacketId));
        await s2.SendAsync(new MqttPublishAckPacket(MqttPacketType.PubAck, pa.PacketId));
        await s2.SendAsync(new MqttPublishAckPacket(MqttPacketType.PubComp, pb.PacketId));
        await Task.WhenAll(a, b).Within();
    }

    [Fact]
    public async Task ConnectAsync_NoSessionAfterDrop_DiscardsInFlightAndFailsTheirTasks()
    {
        var server = new FakeServer(MqttProtocolVersion.V311);
        await using var client = new MqttClient(server.Options(o => o with { CleanSession = false }));
        var connecting = client.ConnectAsync();
        var (s, _) = await server.AcceptAndAckAsync();
        await connecting.Within();
        var a = client.PublishAsync(Msg("a", MqttQualityOfService.AtLeastOnce)).AsTask();
        await s.ExpectAsync<MqttPublishPacket>();
        await s.CloseAsync();

        await WaitUntilAsync(() => !client.IsConnected);
        var reconnecting = client.ConnectAsync();
        await server.AcceptAndAckAsync(sessionPresent: false);
        await reconnecting.Within();
        await Assert.ThrowsAsync<MqttConnectionLostException>(() => a.Within());
        Assert.Equal(0, client.InFlightCount);
    }

    [Fact]
    public async Task Receive_Qos2DuplicatePublish_DeliveredExactlyOnceAndAcknowledged()
    {
        var server = new FakeServer(MqttProtocolVersion.V311);
        await using var client = new MqttClient(server.Options());
        var received = new List<MqttMessage>();
        using var sub = client.Messages.Subscribe(received.Add);
        var connecting = client.ConnectAsync();
        var (s, _) = await server.AcceptAndAckAsync();
        await connecting.Within();

        var m = Msg("q2", MqttQualityOfService.ExactlyOnce);
        await s.SendAsync(new MqttPublishPacket(m) { PacketId = 7 });
        Assert.Equal(MqttPacketType.PubRec, (await s.ExpectAsync<MqttPublishAckPacket>()).Type);
        await s.SendAsync(new MqttPublishPacket(m) { PacketId = 7, Dup = true });
        Assert.Equal(MqttPacketType.PubRec, (await s.ExpectAsync<MqttPublishAckPacket>()).Type);
        await s.SendAsync(new MqttPublishAckPacket(MqttPacketType.PubRel, 7));
        var comp = await s.ExpectAsync<MqttPublishAckPacket>();
        Assert.Equal((MqttPacketType.PubComp, (ushort)7), (comp.Type, comp.PacketId));

        // After PUBREL the id is free again: a new message with id 7 is a new message.
        await s.SendAsync(new MqttPublishPacket(Msg("q2", MqttQualityOfService.ExactlyOnce, "second")) { PacketId = 7 });
        await s.ExpectAsync<MqttPublishAckPacket>();
        Assert.Equal(["p", "second"], received.Select(r => r.PayloadAsString()));
    }

    [Fact]
    public async Task Receive_Qos1Publish_DeliveredAndPubAcked()
    {
        var server = new FakeServer(MqttProtocolVersion.V500);
        await using var client = new MqttClient(server.Options());
        var got = client.Observe("s/+").FirstAsync(_ => true);
        var connecting = client.ConnectAsync();
        var (s, _) = await server.AcceptAndAckAsync();
        await connecting.Within();
        await s.SendAsync(new MqttPublishPacket(Msg("other", MqttQualityOfService.AtLeastOnce)) { PacketId = 1 });
        await s.SendAsync(new MqttPublishPacket(Msg("s/1", MqttQualityOfService.AtLeastOnce)) { PacketId = 2 });
        Assert.Equal(1, (await s.ExpectAsync<MqttPublishAckPacket>()).PacketId);
        Assert.Equal(2, (await s.ExpectAsync<MqttPublishAckPacket>()).PacketId);
        Assert.Equal("s/1", (await got.Within()).Topic);
    }

    [Fact]
    public async Task Receive_DeferredQos1Acknowledgements_SentOnlyWhenAcknowledgedAndInReceiveOrder()
    {
        var server = new FakeServer(MqttProtocolVersion.V311);
        await using var client = new MqttClient(server.Options());
        var received = new System.Collections.Concurrent.ConcurrentQueue<MqttMessage>();
        using var sub = client.Messages.Subscribe(m =>
        {
            Assert.True(m.DeferAcknowledgement());
            received.Enqueue(m);
        });
        var connecting = client.ConnectAsync();
        var (s, _) = await server.AcceptAndAckAsync();
        await connecting.Within();

        await s.SendAsync(new MqttPublishPacket(Msg("a", MqttQualityOfService.AtLeastOnce)) { PacketId = 11 });
        await s.SendAsync(new MqttPublishPacket(Msg("b", MqttQualityOfService.AtLeastOnce)) { PacketId = 12 });
        await WaitUntilAsync(() => received.Count == 2);
        var m = received.ToArray();

        // Acknowledging the second first sends nothing: PUBACKs leave in receive order (§4.6).
        m[1].Acknowledge();
        await client.PublishAsync(Msg("marker", MqttQualityOfService.AtMostOnce));
        Assert.Equal("marker", (await s.ExpectAsync<MqttPublishPacket>()).Message.Topic);

        m[0].Acknowledge();
        Assert.Equal((ushort)11, (await s.ExpectAsync<MqttPublishAckPacket>()).PacketId);
        Assert.Equal((ushort)12, (await s.ExpectAsync<MqttPublishAckPacket>()).PacketId);

        // Idempotent, and a sent acknowledgement can no longer be deferred.
        m[0].Acknowledge();
        Assert.False(m[0].DeferAcknowledgement());
        await client.PublishAsync(Msg("marker2", MqttQualityOfService.AtMostOnce));
        Assert.Equal("marker2", (await s.ExpectAsync<MqttPublishPacket>()).Message.Topic);
        Assert.False(Msg("local", MqttQualityOfService.AtLeastOnce).DeferAcknowledgement());
    }

    [Fact]
    public async Task Receive_DeferredQos2_PubRecWaitsForAcknowledgeAndARetransmissionIsNotDeliveredTwice()
    {
        var server = new FakeServer(MqttProtocolVersion.V500);
        await using var client = new MqttClient(server.Options());
        var received = new System.Collections.Concurrent.ConcurrentQueue<MqttMessage>();
        using var sub = client.Messages.Subscribe(m =>
        {
            m.DeferAcknowledgement();
            received.Enqueue(m);
        });
        var connecting = client.ConnectAsync();
        var (s, _) = await server.AcceptAndAckAsync();
        await connecting.Within();

        var q2 = Msg("q2", MqttQualityOfService.ExactlyOnce);
        await s.SendAsync(new MqttPublishPacket(q2) { PacketId = 5 });
        await s.SendAsync(new MqttPublishPacket(q2) { PacketId = 5, Dup = true });
        await WaitUntilAsync(() => !received.IsEmpty);
        await client.PublishAsync(Msg("marker", MqttQualityOfService.AtMostOnce));
        Assert.Equal("marker", (await s.ExpectAsync<MqttPublishPacket>()).Message.Topic);

        Assert.True(received.TryPeek(out var first));
        first.Acknowledge();
        var rec = await s.ExpectAsync<MqttPublishAckPacket>();
        Assert.Equal((MqttPacketType.PubRec, (ushort)5), (rec.Type, rec.PacketId));
        await s.SendAsync(new MqttPublishAckPacket(MqttPacketType.PubRel, 5));
        Assert.Equal(MqttPacketType.PubComp, (await s.ExpectAsync<MqttPublishAckPacket>()).Type);
        Assert.Single(received);
    }

    [Fact]
    public async Task Receive_DeferredAcknowledgementAfterReconnect_IsDroppedAndTheRedeliveryAnswered()
    {
        var server = new FakeServer(MqttProtocolVersion.V311);
        await using var client = new MqttClient(server.Options(o => o with { CleanSession = false }));
        var received = new System.Collections.Concurrent.ConcurrentQueue<MqttMessage>();
        using var sub = client.Messages.Subscribe(m =>
        {
            if (!m.Topic.StartsWith("auto", StringComparison.Ordinal))
            {
                m.DeferAcknowledgement();
            }

            received.Enqueue(m);
        });
        var connecting = client.ConnectAsync();
        var (s, _) = await server.AcceptAndAckAsync();
        await connecting.Within();
        await s.SendAsync(new MqttPublishPacket(Msg("journaled", MqttQualityOfService.AtLeastOnce)) { PacketId = 3 });
        await WaitUntilAsync(() => received.Count == 1);
        await s.CloseAsync();
        await WaitUntilAsync(() => !client.IsConnected);

        connecting = client.ConnectAsync();
        var (s2, _) = await server.AcceptAndAckAsync(sessionPresent: true);
        await connecting.Within();
        Assert.True(received.TryPeek(out var old));
        old.Acknowledge(); // owed on the closed connection: not sent on the new one
        await s2.SendAsync(new MqttPublishPacket(Msg("auto", MqttQualityOfService.AtLeastOnce)) { PacketId = 3, Dup = true });
        var ack = await s2.ExpectAsync<MqttPublishAckPacket>();
        Assert.Equal((MqttPacketType.PubAck, (ushort)3), (ack.Type, ack.PacketId));
        await client.PublishAsync(Msg("marker", MqttQualityOfService.AtMostOnce));
        Assert.Equal("marker", (await s2.ExpectAsync<MqttPublishPacket>()).Message.Topic);
    }

    [Theory]
    [InlineData("30 03 0001 2B", MqttReasonCode.TopicNameInvalid)]
    [InlineData("20 02 00 00", MqttReasonCode.ProtocolError)]
    [InlineData("30 FF FF FF FF 7F", MqttReasonCode.MalformedPacket)]
    [InlineData("30 05 0003 FF FE 41", MqttReasonCode.MalformedPacket)]
    [InlineData("F0 00", MqttReasonCode.MalformedPacket)]
    public async Task Receive_MalformedOrIllegalPacket_ClosesWithProtocolViolationAndLogs(string hex, MqttReasonCode expected)
    {
        var server = new FakeServer(MqttProtocolVersion.V311);
        var logger = new ListLogger();
        await using var client = new MqttClient(server.Options(), logger);
        await using var bystander = new MqttClient(server.Options(o => o with { ClientId = "bystander" }));
        var connecting = client.ConnectAsync();
        var (s, _) = await server.AcceptAndAckAsync();
        await connecting.Within();
        var c2 = bystander.ConnectAsync();
        var (s2, _) = await server.AcceptAndAckAsync();
        await c2.Within();

        var closed = client.ConnectionStateChanges.FirstAsync(c => !c.IsConnected);
        await s.SendRawAsync(Codec.Hex(hex));
        var change = await closed.Within();
        Assert.Equal(MqttDisconnectReason.ProtocolViolation, change.Reason);
        Assert.Equal(expected, change.ReasonCode);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("protocol violation", StringComparison.Ordinal));
        Assert.Null(await s.ReceiveAsync()); // the client closed the connection

        // The other client on the same process is unaffected.
        var p = bystander.PublishAsync(Msg("ok", MqttQualityOfService.AtLeastOnce)).AsTask();
        var pub = await s2.ExpectAsync<MqttPublishPacket>();
        await s2.SendAsync(new MqttPublishAckPacket(MqttPacketType.PubAck, pub.PacketId));
        await p.Within();
    }

    [Fact]
    public async Task Receive500_ProtocolViolation_SendsDisconnectWithReasonCode()
    {
        var server = new FakeServer(MqttProtocolVersion.V500);
        await using var client = new MqttClient(server.Options());
        var connecting = client.ConnectAsync();
        var (s, _) = await server.AcceptAndAckAsync();
        await connecting.Within();

        // PUBLISH with a topic alias although we allowed none (Topic Alias Maximum 0).
        var aliased = new MqttPublishPacket(Msg("t", MqttQualityOfService.AtMostOnce)) { TopicAlias = 3 };
        await s.SendAsync(aliased);
        var disconnect = await s.ExpectAsync<MqttDisconnectPacket>();
        Assert.Equal((byte)MqttReasonCode.TopicAliasInvalid, disconnect.ReasonCode);
        Assert.Null(await s.ReceiveAsync());
        Assert.False(client.IsConnected);
    }

    [Fact]
    public async Task Receive500_ServerExceedsOurReceiveMaximum_ClosesWithReceiveMaximumExceeded()
    {
        var server = new FakeServer(MqttProtocolVersion.V500);
        await using var client = new MqttClient(server.Options(o => o with { ReceiveMaximum = 2 }));
        var connecting = client.ConnectAsync();
        var (s, connect) = await server.AcceptAndAckAsync();
        await connecting.Within();
        Assert.Equal((ushort)2, connect.Properties.ReceiveMaximum);
        var closed = client.ConnectionStateChanges.FirstAsync(c => !c.IsConnected);
        for (ushort id = 1; id <= 3; id++)
        {
            await s.SendAsync(new MqttPublishPacket(Msg("q2", MqttQualityOfService.ExactlyOnce)) { PacketId = id });
        }

        var change = await closed.Within();
        Assert.Equal(MqttReasonCode.ReceiveMaximumExceeded, change.ReasonCode);
    }

    [Fact]
    public async Task Receive_ConnectionClosedMidPacket_ReportsTruncation()
    {
        var server = new FakeServer(MqttProtocolVersion.V311);
        await using var client = new MqttClient(server.Options());
        var connecting = client.ConnectAsync();
        var (s, _) = await server.AcceptAndAckAsync();
        await connecting.Within();
        var closed = client.ConnectionStateChanges.FirstAsync(c => !c.IsConnected);
        await s.SendRawAsync(Codec.Hex("30 0A 0003 61"));
        await s.CloseAsync();
        var change = await closed.Within();
        Assert.Equal(MqttDisconnectReason.ProtocolViolation, change.Reason);
        Assert.Contains("middle of a packet", change.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeepAlive_IdleThenNoPingResp_SendsPingReqThenTimesOut()
    {
        var time = new ManualTimeProvider();
        var server = new FakeServer(MqttProtocolVersion.V311);
        await using var client = new MqttClient(server.Options(o => o with { KeepAlivePeriod = TimeSpan.FromSeconds(10) }), timeProvider: time);
        var connecting = client.ConnectAsync();
        var (s, _) = await server.AcceptAndAckAsync();
        await connecting.Within();

        var next = s.ReceiveAsync();
        time.Advance(TimeSpan.FromSeconds(9));
        await Task.Delay(50);
        Assert.False(next.IsCompleted, "PINGREQ before the keep-alive period elapsed");
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.IsType<MqttPingReqPacket>(await next);
        await s.SendAsync(MqttPingRespPacket.Instance);

        // Answered: the next ping comes one period later; this one stays unanswered.
        var second = s.ExpectAsync<MqttPingReqPacket>();
        var closed = client.ConnectionStateChanges.FirstAsync(c => !c.IsConnected);
        while (!second.IsCompleted)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(second, Task.Delay(20));
        }

        Assert.True(client.IsConnected);
        for (var i = 0; i < 10 && !closed.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(closed, Task.Delay(20));
        }

        var change = await closed.Within();
        Assert.Equal(MqttDisconnectReason.KeepAliveTimeout, change.Reason);
    }

    [Fact]
    public async Task Publish_ServerReceiveMaximumOne_SecondWaitsForFirstAck()
    {
        var server = new FakeServer(MqttProtocolVersion.V500);
        await using var client = new MqttClient(server.Options());
        var connecting = client.ConnectAsync();
        var ack = new MqttConnAckPacket();
        ack.Properties.ReceiveMaximum = 1;
        var (s, _) = await server.AcceptAndAckAsync(ack: ack);
        await connecting.Within();

        var first = client.PublishAsync(Msg("a", MqttQualityOfService.AtLeastOnce)).AsTask();
        var second = client.PublishAsync(Msg("b", MqttQualityOfService.AtLeastOnce)).AsTask();
        var p1 = await s.ExpectAsync<MqttPublishPacket>();
        var pending = s.ReceiveAsync();
        await Task.Delay(100);
        Assert.False(pending.IsCompleted, "second PUBLISH sent beyond Receive Maximum");
        await s.SendAsync(new MqttPublishAckPacket(MqttPacketType.PubAck, p1.PacketId));
        var p2 = Assert.IsType<MqttPublishPacket>(await pending);
        Assert.Equal("b", p2.Message.Topic);
        await s.SendAsync(new MqttPublishAckPacket(MqttPacketType.PubAck, p2.PacketId, 0x10));
        Assert.Equal(MqttReasonCode.NoMatchingSubscribers, (await second.Within()).ReasonCode);
        await first.Within();
    }

    [Fact]
    public async Task Publish_LargerThanServerMaximumPacketSize_ThrowsAndStaysConnected()
    {
        var server = new FakeServer(MqttProtocolVersion.V500);
        await using var client = new MqttClient(server.Options());
        var connecting = client.ConnectAsync();
        var ack = new MqttConnAckPacket();
        ack.Properties.MaximumPacketSize = 100;
        ack.Properties.ServerKeepAlive = 5;
        var (s, _) = await server.AcceptAndAckAsync(ack: ack);
        var result = await connecting.Within();
        Assert.Equal(TimeSpan.FromSeconds(5), result.KeepAlivePeriod);

        var big = new MqttMessage("t", new byte[200], MqttQualityOfService.AtLeastOnce);
        await Assert.ThrowsAsync<MqttPacketTooLargeException>(() => client.PublishAsync(big).AsTask());
        Assert.True(client.IsConnected);
        Assert.Equal(0, client.InFlightCount);
        var ok = client.PublishAsync(new MqttMessage("t", new byte[50])).AsTask();
        Assert.Equal(50, (await s.ExpectAsync<MqttPublishPacket>()).Message.Payload.Length);
        await ok.Within();
    }

    [Fact]
    public async Task SubscribeAsync_SubAck_ReturnsGrantedCodes()
    {
        var server = new FakeServer(MqttProtocolVersion.V311);
        await using var client = new MqttClient(server.Options());
        var connecting = client.ConnectAsync();
        var (s, _) = await server.AcceptAndAckAsync();
        await connecting.Within();
        var subscribing = client.SubscribeAsync([new MqttTopicSubscription("a/#", MqttQualityOfService.ExactlyOnce), new MqttTopicSubscription("b")]);
        var sub = await s.ExpectAsync<MqttSubscribePacket>();
        Assert.Equal(["a/#", "b"], sub.Subscriptions.Select(x => x.Filter));
        var suback = new MqttSubAckPacket { PacketId = sub.PacketId };
        suback.ReasonCodes.AddRange([0x02, 0x80]);
        await s.SendAsync(suback);
        var result = await subscribing.Within();
        Assert.Equal([MqttReasonCode.GrantedQoS2, MqttReasonCode.UnspecifiedError], result.ReasonCodes);
        Assert.False(result.IsSuccess);

        var unsubscribing = client.UnsubscribeAsync(["a/#"]);
        var unsub = await s.ExpectAsync<MqttUnsubscribePacket>();
        await s.SendAsync(new MqttUnsubAckPacket { PacketId = unsub.PacketId });
        Assert.Equal([MqttReasonCode.Success], await unsubscribing.Within());
    }

    [Fact]
    public async Task Receive_ServerDisconnectV5_ReportsServerReason()
    {
        var server = new FakeServer(MqttProtocolVersion.V500);
        await using var client = new MqttClient(server.Options());
        var connecting = client.ConnectAsync();
        var (s, _) = await server.AcceptAndAckAsync();
        await connecting.Within();
        var closed = client.ConnectionStateChanges.FirstAsync(c => !c.IsConnected);
        await s.SendAsync(new MqttDisconnectPacket { ReasonCode = (byte)MqttReasonCode.SessionTakenOver });
        var change = await closed.Within();
        Assert.Equal(MqttDisconnectReason.ServerDisconnected, change.Reason);
        Assert.Equal(MqttReasonCode.SessionTakenOver, change.ReasonCode);
    }

    [Fact]
    public async Task DisconnectAsync_Connected_SendsDisconnectAndFailsCleanSessionFlights()
    {
        var server = new FakeServer(MqttProtocolVersion.V311);
        await using var client = new MqttClient(server.Options());
        var connecting = client.ConnectAsync();
        var (s, _) = await server.AcceptAndAckAsync();
        await connecting.Within();
        var pending = client.PublishAsync(Msg("a", MqttQualityOfService.AtLeastOnce)).AsTask();
        await s.ExpectAsync<MqttPublishPacket>();
        await client.DisconnectAsync().Within();
        await s.ExpectAsync<MqttDisconnectPacket>();
        await Assert.ThrowsAsync<MqttConnectionLostException>(() => pending.Within());
        await Assert.ThrowsAsync<MqttConnectionLostException>(() => client.PublishAsync(Msg("a", MqttQualityOfService.AtMostOnce)).AsTask());
    }

    [Fact]
    public void Options_Invalid_RejectedByValidator()
    {
        Assert.Throws<ArgumentException>(() => new MqttClientOptionsBuilder().WithClientId("").WithCleanSession(false).Build());
        Assert.Throws<ArgumentException>(() => new MqttClientOptionsBuilder().WithTcpServer("h", 0).Build());
        Assert.Throws<ArgumentException>(() => new MqttClientOptionsBuilder().WithWill(new MqttMessage("a/#", default)).Build());
        Assert.Throws<ArgumentException>(() => new MqttClientOptionsBuilder().WithKeepAlivePeriod(TimeSpan.FromDays(2)).Build());
        var ok = new MqttClientOptionsBuilder().WithTcpServer("broker", 1884).WithCredentials("u", "p").WithClientId("c").Build();
        Assert.Equal(1884, ok.Port);
        Assert.DoesNotContain("p }", ok.ToString(), StringComparison.Ordinal);
    }

    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = TimeProvider.System.GetTimestamp();
        while (!condition())
        {
            if (TimeProvider.System.GetElapsedTime(deadline) > FakeServer.Patience)
            {
                throw new TimeoutException("condition not met");
            }

            await Task.Delay(10);
        }
    }
}
