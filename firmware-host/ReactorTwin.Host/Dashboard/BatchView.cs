using ReactorTwin.Runtime.Contracts;

namespace ReactorTwin.Host.Dashboard;

/// <summary>What the dashboard keeps of one batch: its announcement, accepted readings, the twin's filtered state at
/// each reading, its latest end-of-batch predictions and forecast. Every change is idempotent (a message seen again,
/// e.g. a retained one after a reconnect, changes nothing and reports no change). Not thread-safe: the store's lock
/// guards it.</summary>
internal sealed class BatchView(string batch)
{
    private readonly Dictionary<string, List<MeasuredDto>> _measured = new(StringComparer.Ordinal);
    private readonly HashSet<(string Component, double T, double Value)> _seen = [];
    private readonly Dictionary<string, SortedList<double, FilteredDto>> _filtered = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PredictionPayload> _atEnd = new(StringComparer.Ordinal);

    public string Batch { get; } = batch;

    public DateTimeOffset? Start { get; private set; }

    public double? Hours { get; private set; }

    public string? End { get; private set; }

    public Dictionary<string, double> Setpoints { get; private set; } = [];

    public ForecastPayload? Forecast { get; private set; }

    /// <summary>Order of first sight, for batches without a start.</summary>
    public long Order { get; init; }

    /// <summary>Takes an announcement (start, or end); false if it changes nothing.</summary>
    public bool Announce(BatchAnnouncement a, DateTimeOffset start)
    {
        if (Start == start && Hours == a.Hours && End == a.End && Setpoints.Count == a.Setpoints.Count && !a.Setpoints.Except(Setpoints).Any())
        {
            return false;
        }

        Start = start;
        Hours = a.Hours;
        // The end announcement repeats the start's; an end once known stays known.
        End = a.End ?? End;
        Setpoints = new Dictionary<string, double>(a.Setpoints, StringComparer.Ordinal);
        return true;
    }

    /// <summary>Adds an accepted reading; false if the same reading is known.</summary>
    public bool Measure(string component, double t, double value)
    {
        if (!_seen.Add((component, t, value)))
        {
            return false;
        }

        if (!_measured.TryGetValue(component, out var list))
        {
            _measured[component] = list = [];
        }

        list.Add(new MeasuredDto(t, value));
        return true;
    }

    /// <summary>Sets the filtered state of a component at a reading's time (a later prediction for the same time, which
    /// has absorbed more readings, replaces the earlier); false if it is the one known.</summary>
    public bool Filter(string component, FilteredDto point)
    {
        if (!_filtered.TryGetValue(component, out var series))
        {
            _filtered[component] = series = [];
        }

        if (series.TryGetValue(point.T, out var known) && known == point)
        {
            return false;
        }

        series[point.T] = point;
        return true;
    }

    /// <summary>Sets the latest prediction at the batch's end; false if it is the one known.</summary>
    public bool PredictEnd(string component, PredictionPayload prediction)
    {
        if (_atEnd.TryGetValue(component, out var known) && known == prediction)
        {
            return false;
        }

        _atEnd[component] = prediction;
        return true;
    }

    /// <summary>Sets the latest forecast (an older one, from an earlier reading, is ignored); false if nothing changes.</summary>
    public bool SetForecast(ForecastPayload forecast)
    {
        if (Forecast is { } known && (known.FromHours > forecast.FromHours || Same(known, forecast)))
        {
            return false;
        }

        Forecast = forecast;
        return true;
    }

    /// <summary>The accepted readings of a component, in arrival order.</summary>
    public IReadOnlyList<MeasuredDto> Measured(string component) => _measured.TryGetValue(component, out var l) ? l : [];

    /// <summary>The filtered state of a component, in time order.</summary>
    public IEnumerable<FilteredDto> Filtered(string component) => _filtered.TryGetValue(component, out var s) ? s.Values : [];

    /// <summary>Every component with readings or predictions.</summary>
    public IEnumerable<string> Components => _measured.Keys.Concat(_filtered.Keys).Concat(Forecast?.Components.Keys ?? Enumerable.Empty<string>()).Distinct(StringComparer.Ordinal);

    /// <summary>The batch as sent to the page, with its data or without (<paramref name="withData"/>).</summary>
    public BatchDto ToDto(bool withData) => new(
        Batch,
        Start is { } s ? ContractCodec.FormatTime(s) : null,
        Hours,
        End,
        new Dictionary<string, double>(Setpoints, StringComparer.Ordinal),
        withData ? _measured.ToDictionary(kv => kv.Key, kv => kv.Value.ToList(), StringComparer.Ordinal) : null,
        withData ? _filtered.ToDictionary(kv => kv.Key, kv => kv.Value.Values.ToList(), StringComparer.Ordinal) : null,
        withData ? new Dictionary<string, PredictionPayload>(_atEnd, StringComparer.Ordinal) : null,
        withData ? Forecast : null);

    private static bool Same(ForecastPayload a, ForecastPayload b) =>
        a.FromHours == b.FromHours && a.Band == b.Band && a.Components.Count == b.Components.Count
        && a.Components.All(kv => b.Components.TryGetValue(kv.Key, out var s) && s.Points.SequenceEqual(kv.Value.Points));
}
