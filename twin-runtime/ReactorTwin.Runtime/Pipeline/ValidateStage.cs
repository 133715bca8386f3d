using ReactorTwin.Runtime.Ingest;

namespace ReactorTwin.Runtime.Pipeline;

/// <summary>Validate: readings against the channels, units, ranges and the announced batches
/// (<see cref="ReadingValidator"/>); a reading equal to one accepted already (a broker's redelivery, or the mirror of an
/// attached sensor's reading) is marked a duplicate and dropped without an error. New batch announcements register the
/// batch with the validator.</summary>
internal sealed class ValidateStage(ReadingValidator validator) : IPipelineStage
{
    public string Name => "validate";

    public void Apply(PipelineItem item)
    {
        if (item.Kind == ItemKind.Reading)
        {
            if (validator.TryAccept(item.Topic, item.Reading!, out var m, out var rejection, item.Inbound is BusMessage ? item.Payload : null))
            {
                item.Measurement = m;
            }
            else if (rejection!.Reason == ReadingValidator.SameReadingAgain)
            {
                item.Duplicate = true;
            }
            else
            {
                item.Rejection = rejection;
            }
        }
        else if (item.Kind == ItemKind.Batch && item.End is null)
        {
            validator.BeginBatch(item.Announcement!.Batch, item.Start, item.Announcement.Hours);
        }
    }
}
