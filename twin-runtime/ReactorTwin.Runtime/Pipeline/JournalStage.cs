using ReactorTwin.Runtime.Contracts;
using ReactorTwin.Runtime.Journal;
using ReactorTwin.Runtime.Twin;

namespace ReactorTwin.Runtime.Pipeline;

/// <summary>Journal: every accepted measurement, every new batch announcement and the end of the running batch are
/// committed to the journal before the twin sees them, with one sequence number across both; a reading the journal
/// holds already is a duplicate. Without a journal (demo, tests) nothing is stored. While replaying at start the
/// entries are in the journal already.</summary>
internal sealed class JournalStage(MeasurementJournal? journal, string reactor, DigitalTwin twin) : IPipelineStage
{
    public string Name => "journal";

    /// <summary>The last journal position handled.</summary>
    public long LastSeq { get; set; }

    public void Apply(PipelineItem item)
    {
        item.SeqBefore = LastSeq;
        if (item.Replaying)
        {
            LastSeq = Math.Max(LastSeq, item.Seq);
            return;
        }

        if (journal is null)
        {
            return;
        }

        long seq = -1;
        if (item.Kind == ItemKind.Reading && item.Measurement is { } m)
        {
            seq = journal.Append(reactor, m);
            if (seq < 0)
            {
                item.Measurement = null;
                item.Duplicate = true;
            }
        }
        else if (item.Kind == ItemKind.Batch && item.Announcement is { } a)
        {
            bool starts = item.End is null && !twin.Knows(a.Batch);
            bool ends = item.End is not null && twin.RunningBatch == a.Batch;
            if (starts || ends)
            {
                seq = journal.AppendAnnouncement(reactor, a.Batch, item.End ?? item.Start, ContractCodec.Encode(a, ContractJson.Wire.BatchAnnouncement) is var bytes ? System.Text.Encoding.UTF8.GetString(bytes) : "");
            }
        }

        item.Seq = seq;
        LastSeq = Math.Max(LastSeq, seq);
    }
}
