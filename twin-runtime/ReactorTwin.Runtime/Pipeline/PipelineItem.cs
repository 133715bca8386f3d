using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Runtime.Contracts;
using ReactorTwin.Runtime.Ingest;
using ReactorTwin.Runtime.Twin;

namespace ReactorTwin.Runtime.Pipeline;

/// <summary>What an inbox item is, once decoded.</summary>
internal enum ItemKind
{
    /// <summary>Not decoded yet, or not for this reactor.</summary>
    Unknown,

    /// <summary>A sensor reading (from the bus or an attached sensor).</summary>
    Reading,

    /// <summary>A batch announcement (start or end).</summary>
    Batch,

    /// <summary>A command accepting the waiting proposal.</summary>
    Accept,

    /// <summary>A background refit's outcome.</summary>
    Refit,

    /// <summary>Complete the running batch.</summary>
    Complete,
}

/// <summary>One inbox item on its way through the stages: each stage reads what the earlier ones wrote and adds its
/// part. Lives on the pipeline's thread only.</summary>
internal sealed class PipelineItem(InboxItem inbound, bool replaying = false)
{
    public InboxItem Inbound { get; } = inbound;

    /// <summary>True while the journal is replayed at start: nothing is published.</summary>
    public bool Replaying { get; } = replaying;

    public ItemKind Kind { get; set; }

    /// <summary>The topic the item arrived on (or belongs to).</summary>
    public string Topic { get; set; } = "";

    /// <summary>The payload excerpt, for error reports.</summary>
    public string Payload { get; set; } = "";

    public SensorReadingPayload? Reading { get; set; }

    public BatchAnnouncement? Announcement { get; set; }

    public DateTimeOffset Start { get; set; }

    public DateTimeOffset? End { get; set; }

    public int? AcceptId { get; set; }

    /// <summary>Who sent a command, as far as known.</summary>
    public string Origin { get; set; } = "";

    /// <summary>The accepted measurement (after validation).</summary>
    public Measurement? Measurement { get; set; }

    /// <summary>Why the item was rejected; later stages pass it through.</summary>
    public Rejection? Rejection { get; set; }

    /// <summary>A reading equal to one accepted already (a redelivery or our own mirror): dropped without an error.</summary>
    public bool Duplicate { get; set; }

    /// <summary>The journal's sequence number of this item (−1 when not journaled).</summary>
    public long Seq { get; set; } = -1;

    /// <summary>The last journal position before this item.</summary>
    public long SeqBefore { get; set; }

    public List<TwinOutput> Outputs { get; } = [];

    /// <summary>Checkpoints to save, with the journal position each covers.</summary>
    public List<(TwinCheckpoint State, long Seq)> Checkpoints { get; } = [];

    public List<MqttMessage> Outbound { get; } = [];

    public List<TwinEvent> Events { get; } = [];

    /// <summary>Whether the inbound message may be acknowledged (false when the journal failed: the broker redelivers).</summary>
    public bool Acknowledge { get; set; } = true;

    public bool Rejected => Rejection is not null;
}
