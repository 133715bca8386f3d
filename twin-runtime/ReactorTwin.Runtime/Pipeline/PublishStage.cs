using ReactorTwin.Adapters.Messaging;

namespace ReactorTwin.Runtime.Pipeline;

/// <summary>Publish: the item's messages go to the bus in order (for MQTT, into the client's durable queue), then the
/// inbound message is acknowledged — after it was journaled or rejected, never before.</summary>
internal sealed class PublishStage(IMessageBus bus) : IPipelineStage
{
    public string Name => "publish";

    public void Apply(PipelineItem item)
    {
        foreach (var m in item.Outbound)
        {
            bus.PublishAsync(m).GetAwaiter().GetResult();
        }

        if (item.Inbound is BusMessage { Message: var message } && item.Acknowledge)
        {
            message.Acknowledge();
        }
    }
}
