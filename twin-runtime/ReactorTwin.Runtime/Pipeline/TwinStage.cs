using ReactorTwin.Runtime.Twin;

namespace ReactorTwin.Runtime.Pipeline;

/// <summary>Twin: the item goes into the <see cref="DigitalTwin"/>; its outputs are collected on the item. A refit the
/// twin asks for runs inline (and its outputs join this item's) or is handed to the <see cref="RefitRunner"/>, whose
/// outcome comes back later as a <see cref="RefitDone"/> item. Each refit's checkpoint covers the journal up to the
/// entry that completed its batch.</summary>
internal sealed class TwinStage(DigitalTwin twin, RefitRunner refits, JournalStage journal) : IPipelineStage
{
    public string Name => "twin";

    public void Apply(PipelineItem item)
    {
        var outputs = item.Outputs;
        switch (item.Kind)
        {
            case ItemKind.Reading when item.Measurement is { } m:
                twin.Absorb(m, predict: !item.Replaying, outputs);
                break;
            case ItemKind.Batch when item.End is null:
                twin.BeginBatch(item.Announcement!, item.Start, outputs);
                break;
            case ItemKind.Batch:
                twin.EndBatch(item.Announcement!.Batch, outputs);
                break;
            case ItemKind.Accept:
                twin.Accept(item.AcceptId, item.Topic, item.Payload, outputs);
                break;
            case ItemKind.Complete:
                twin.CompleteRunningBatch(outputs);
                break;
            case ItemKind.Refit when item.Inbound is RefitDone done:
                twin.ApplyRefit(done.Request, done.Outcome, outputs);
                Checkpoints(item, done.BoundarySeq);
                return;
        }

        // A new batch's announcement completes the previous batch before it is itself handled: that checkpoint ends
        // just before it. An end announcement (or a command) completes the batch with the entry itself.
        long boundary = item.Kind == ItemKind.Batch && item.End is null ? item.SeqBefore : Math.Max(journal.LastSeq, item.Seq);
        for (int k = 0; k < outputs.Count; k++)
        {
            if (outputs[k] is not RefitRequest request)
            {
                continue;
            }

            if (refits.Background && !item.Replaying)
            {
                refits.Enqueue(request, boundary);
            }
            else
            {
                twin.ApplyRefit(request, refits.RunNow(request), outputs);
            }
        }

        Checkpoints(item, boundary);
    }

    /// <summary>Moves the checkpoint outputs to the item's checkpoint list with their journal position.</summary>
    private static void Checkpoints(PipelineItem item, long seq)
    {
        foreach (var o in item.Outputs)
        {
            if (o is CheckpointOutput c)
            {
                item.Checkpoints.Add((c.State, seq));
            }
        }
    }
}
