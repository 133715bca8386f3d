using ReactorTwin.Runtime.Contracts;

namespace ReactorTwin.Host.Dashboard;

/// <summary>What the dashboard keeps of one reactor: its configuration (channels, safety bounds), the latest batches,
/// parameter estimates, proposal and rejected messages. Not thread-safe: the store's lock guards it.</summary>
internal sealed class ReactorView(string id, string model, IReadOnlyList<ChannelDto> channels, IReadOnlyDictionary<string, (double Min, double Max)> safetyBounds, int keepBatches, int keepRejections)
{
    private readonly Dictionary<string, BatchView> _batches = new(StringComparer.Ordinal);
    private readonly Queue<RejectionDto> _rejections = new();
    private long _order;

    public string Id { get; } = id;

    public string Model { get; } = model;

    public IReadOnlyList<ChannelDto> Channels { get; } = channels;

    public IReadOnlyDictionary<string, (double Min, double Max)> SafetyBounds { get; } = safetyBounds;

    public ParameterEstimatesPayload? Parameters { get; set; }

    public ProposalPayload? Proposal { get; set; }

    /// <summary>The batches kept, oldest first (by start; batches only seen through readings by first sight).</summary>
    public IEnumerable<BatchView> Batches => _batches.Values.OrderBy(b => b.Start ?? DateTimeOffset.MaxValue).ThenBy(b => b.Order);

    /// <summary>The batch, or null if it is not kept.</summary>
    public BatchView? Find(string batch) => _batches.GetValueOrDefault(batch);

    /// <summary>The batch, created if new (the oldest batch beyond <c>keepBatches</c> is forgotten); null if it is
    /// older than every kept batch and the store is full.</summary>
    public BatchView? Batch(string batch, DateTimeOffset? start = null)
    {
        if (_batches.TryGetValue(batch, out var known))
        {
            return known;
        }

        if (_batches.Count >= keepBatches)
        {
            var oldest = Batches.First();
            if (start is { } s && oldest.Start is { } o && s < o)
            {
                return null; // a late message of a batch already forgotten
            }

            _batches.Remove(oldest.Batch);
        }

        var view = new BatchView(batch) { Order = _order++ };
        _batches[batch] = view;
        return view;
    }

    /// <summary>Adds a rejected message (the oldest beyond <c>keepRejections</c> is forgotten).</summary>
    public void Reject(RejectionDto rejection)
    {
        _rejections.Enqueue(rejection);
        while (_rejections.Count > keepRejections)
        {
            _rejections.Dequeue();
        }
    }

    /// <summary>The reactor as sent to the page: every batch's header, and the data of the latest.</summary>
    public ReactorDto ToDto(CountsDto counts)
    {
        var batches = Batches.ToList();
        return new ReactorDto(
            Id,
            Model,
            [.. Channels],
            SafetyBounds.ToDictionary(kv => kv.Key, kv => new[] { kv.Value.Min, kv.Value.Max }, StringComparer.Ordinal),
            [.. batches.Select((b, i) => b.ToDto(withData: i == batches.Count - 1))],
            Parameters,
            Proposal,
            [.. _rejections],
            counts);
    }
}
