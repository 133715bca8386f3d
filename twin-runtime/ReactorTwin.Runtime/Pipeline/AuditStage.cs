using ReactorTwin.Runtime.Journal;
using ReactorTwin.Runtime.Twin;

namespace ReactorTwin.Runtime.Pipeline;

/// <summary>Audit: every command is journaled with who sent it and what came of it (applied, or refused and why), and
/// every rejected message goes to the journal's dead-letter table with its topic, payload and reason.</summary>
internal sealed class AuditStage(MeasurementJournal? journal, string reactor, TimeProvider time) : IPipelineStage
{
    public string Name => "audit";

    public void Apply(PipelineItem item)
    {
        if (journal is null || item.Replaying)
        {
            return;
        }

        if (item.Rejection is { } r)
        {
            journal.AppendDeadLetter(reactor, time.GetUtcNow(), r.Topic, r.Payload, r.Reason);
        }
        else if (item.Kind == ItemKind.Accept)
        {
            string outcome = item.Outputs.OfType<SetpointsOutput>().FirstOrDefault() is { } s
                ? $"applied proposal {s.ProposalId}: {string.Join(", ", s.Setpoints.Select(kv => $"{kv.Key} = {kv.Value:G6}"))}"
                : $"refused: {item.Outputs.OfType<TwinError>().FirstOrDefault()?.Reason ?? "no effect"}";
            journal.AppendCommand(reactor, time.GetUtcNow(), item.Topic, item.Payload, item.Origin, outcome);
        }
    }
}
