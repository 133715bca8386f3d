using System.Globalization;
using System.Reactive.Linq;

namespace ReactorTwin.Runtime.Pipeline;

/// <summary>One stage of a reactor's pipeline: it reads what earlier stages wrote on the item and adds its part. Stages
/// run on the pipeline's thread, one item at a time.</summary>
internal interface IPipelineStage
{
    /// <summary>Name for error reports.</summary>
    string Name { get; }

    /// <summary>Processes one item (it may leave it untouched).</summary>
    void Apply(PipelineItem item);
}

/// <summary>The stages as Rx operators, each guarded: an exception in a stage rejects that item with the stage's name
/// and the reason (the item is still published and acknowledged, so a poison message can neither crash the reactor
/// nor come back at every reconnect) — except in the journal stage, where a failure leaves the message
/// unacknowledged for the broker to redeliver.</summary>
internal static class PipelineOperators
{
    /// <summary>Applies <paramref name="stage"/> to every item that is not rejected yet (rejected items pass through
    /// to be reported).</summary>
    public static IObservable<PipelineItem> Through(this IObservable<PipelineItem> items, IPipelineStage stage, bool evenIfRejected = false) =>
        items.Select(item =>
        {
            if (item.Rejected && !evenIfRejected)
            {
                return item;
            }

            try
            {
                stage.Apply(item);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                item.Rejection = new Ingest.Rejection(item.Topic, string.Create(CultureInfo.InvariantCulture, $"{stage.Name} failed: {ex.GetType().Name}: {ex.Message}"), item.Payload);
                if (stage is JournalStage)
                {
                    item.Acknowledge = false;
                }
            }

            return item;
        });
}
