using System.Text;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Adapters.Mqtt;

namespace ReactorTwin.Adapters.Tests.Messaging;

public class InMemoryMessageBusTests
{
    private static MqttMessage Msg(string topic, string payload, bool retain = false) => new(topic, Encoding.UTF8.GetBytes(payload), MqttQualityOfService.AtLeastOnce, retain);

    [Fact]
    public async Task Publish_DeliversToMatchingFiltersOnly()
    {
        var bus = new InMemoryMessageBus();
        var plus = new List<string>();
        var hash = new List<string>();
        var dollar = new List<string>();
        using var a = bus.Subscribe("reactortwin/r1/+/sensors/GLC").Subscribe(m => plus.Add(m.Topic));
        using var b = bus.Subscribe("reactortwin/#").Subscribe(m => hash.Add(m.Topic));
        using var c = bus.Subscribe("#").Subscribe(m => dollar.Add(m.Topic));
        await bus.PublishAsync(Msg("reactortwin/r1/b1/sensors/GLC", "1"));
        await bus.PublishAsync(Msg("reactortwin/r1/b1/sensors/LAC", "2"));
        await bus.PublishAsync(Msg("$SYS/broker/uptime", "3"));
        Assert.Equal(["reactortwin/r1/b1/sensors/GLC"], plus);
        Assert.Equal(2, hash.Count);
        Assert.DoesNotContain("$SYS/broker/uptime", dollar);
    }

    [Fact]
    public async Task Retained_IsReplayedToNewSubscribersAndClearedByEmptyPayload()
    {
        var bus = new InMemoryMessageBus();
        await bus.PublishAsync(Msg("reactortwin/r1/b1/batch", "{\"a\":1}", retain: true));
        await bus.PublishAsync(Msg("reactortwin/r1/b2/batch", "{\"a\":2}", retain: true));
        var seen = new List<string>();
        using (bus.Subscribe("reactortwin/r1/+/batch").Subscribe(m => seen.Add(Encoding.UTF8.GetString(m.Payload.Span))))
        {
            Assert.Equal(2, seen.Count);
        }

        await bus.PublishAsync(new MqttMessage("reactortwin/r1/b1/batch", ReadOnlyMemory<byte>.Empty, MqttQualityOfService.AtLeastOnce, retain: true));
        seen.Clear();
        using (bus.Subscribe("reactortwin/r1/+/batch").Subscribe(m => seen.Add(Encoding.UTF8.GetString(m.Payload.Span))))
        {
            Assert.Equal(["{\"a\":2}"], seen);
        }
    }

    [Fact]
    public async Task InvalidTopicsAndFilters_AreRejectedWithTheRule()
    {
        var bus = new InMemoryMessageBus();
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => bus.PublishAsync(Msg("reactortwin/+/x", "1")));
        Assert.Contains("wildcard", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Throws<ArgumentException>(() => bus.Subscribe("a/#/b"));
    }

    [Fact]
    public async Task Dispose_StopsDelivery()
    {
        var bus = new InMemoryMessageBus();
        int count = 0;
        var sub = bus.Subscribe("t").Subscribe(_ => count++);
        await bus.PublishAsync(Msg("t", "1"));
        sub.Dispose();
        await bus.PublishAsync(Msg("t", "2"));
        Assert.Equal(1, count);
    }
}
