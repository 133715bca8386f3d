using System.Text.Json;
using ReactorTwin.Runtime.Journal;
using ReactorTwin.Runtime.Twin;

namespace ReactorTwin.Runtime.Pipeline;

/// <summary>Checkpoint: the twin's state after a refit is saved with the journal position it covers, so that a restart
/// restores it and replays only the later entries.</summary>
internal sealed class CheckpointStage(MeasurementJournal? journal, string reactor) : IPipelineStage
{
    public string Name => "checkpoint";

    public void Apply(PipelineItem item)
    {
        if (journal is null)
        {
            return;
        }

        foreach (var (state, seq) in item.Checkpoints)
        {
            journal.SaveCheckpoint(reactor, seq, JsonSerializer.Serialize(state, CheckpointJson.Default.TwinCheckpoint));
        }
    }
}
