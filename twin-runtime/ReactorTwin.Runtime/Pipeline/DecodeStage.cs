using ReactorTwin.Runtime.Contracts;
using ReactorTwin.Runtime.Ingest;

namespace ReactorTwin.Runtime.Pipeline;

/// <summary>Decode: what the item is and its typed payload (<see cref="ContractCodec"/>); a payload that does not decode
/// is rejected with the field that was wrong. Readings of attached sensors belong to the running batch (between
/// batches they are dropped, as there is nothing to filter).</summary>
internal sealed class DecodeStage(string reactor, Func<string?> runningBatch) : IPipelineStage
{
    public string Name => "decode";

    public void Apply(PipelineItem item)
    {
        switch (item.Inbound)
        {
            case BusMessage { Message: var m }:
                item.Topic = m.Topic;
                item.Payload = ContractCodec.Excerpt(m.Payload.Span);
                if (m.Payload.Length > ContractCodec.MaxPayloadBytes)
                {
                    item.Rejection = new Rejection(m.Topic, $"payload: {m.Payload.Length} bytes, more than the {ContractCodec.MaxPayloadBytes} a message may have", item.Payload);
                }
                else if (Topics.IsBatch(m.Topic, reactor))
                {
                    item.Kind = ItemKind.Batch;
                    item.Announcement = ContractCodec.DecodeBatch(m.Payload, out var start, out var end, out string? error);
                    (item.Start, item.End) = (start, end);
                    if (item.Announcement is null)
                    {
                        item.Rejection = new Rejection(m.Topic, error!, item.Payload);
                    }
                    else if (item.Announcement.Batch != m.Topic.Split('/')[2])
                    {
                        item.Rejection = new Rejection(m.Topic, $"batch announcement: it announces batch '{item.Announcement.Batch}' on the topic of batch '{m.Topic.Split('/')[2]}'", item.Payload);
                    }
                }
                else if (Topics.TryParseSensor(m.Topic, reactor, out _, out _))
                {
                    item.Kind = ItemKind.Reading;
                    item.Reading = ContractCodec.DecodeSensor(m.Payload, out string? error);
                    if (item.Reading is null)
                    {
                        item.Rejection = new Rejection(m.Topic, error!, item.Payload);
                    }
                }
                else if (m.Topic == Topics.ProposalAccept(reactor))
                {
                    item.Kind = ItemKind.Accept;
                    item.AcceptId = ContractCodec.DecodeAccept(m.Payload, out string? by, out _);
                    item.Origin = by is null ? "mqtt" : $"{by} (via MQTT)";
                }
                else
                {
                    item.Rejection = new Rejection(m.Topic, $"topic: not one reactor {reactor} takes ({Topics.SensorFilter(reactor)}, {Topics.BatchFilter(reactor)}, {Topics.ProposalAccept(reactor)})", item.Payload);
                }

                break;
            case LocalReading local:
                item.Kind = ItemKind.Reading;
                item.Reading = local.Reading;
                if (runningBatch() is { } batch)
                {
                    item.Topic = Topics.Sensor(reactor, batch, local.Component);
                }
                else
                {
                    item.Kind = ItemKind.Unknown; // no batch runs: nothing to filter, nothing to journal
                }

                break;
            case RefitDone:
                item.Kind = ItemKind.Refit;
                break;
            case CompleteBatchCommand:
                item.Kind = ItemKind.Complete;
                break;
        }
    }
}
