using System.Text.Json;

namespace ReactorTwin.Host.Tests.Dashboard;

/// <summary>
/// What an open dashboard page holds, kept as dashboard.js keeps it: one <c>/api/events</c> stream read in the
/// background; the <c>snapshot</c> event sets everything, a <c>measurement</c> event appends its reading (so a repeated
/// event would be a repeated dot on the chart), a <c>batch</c> event adds or updates a batch, a <c>status</c> event
/// replaces the host's state and the counters. The stream ending is recorded, not retried: the browser would reconnect
/// and start again from a new snapshot, which a test of "the page stays up" must see as a failure.
/// </summary>
internal sealed class LivePage : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _cts = new();
    private readonly object _gate = new();
    private readonly List<Reading> _readings = [];
    private readonly HashSet<string> _batches = new(StringComparer.Ordinal);
    private readonly string _reactor;
    private JsonElement _host;
    private JsonElement _counts;
    private int _snapshots;
    private bool _ended;
    private Task _reader = Task.CompletedTask;

    private LivePage(Uri address, string reactor)
    {
        // No timeout: the stream is meant to stay open for the whole test; DisposeAsync cancels it.
        _http = new HttpClient { BaseAddress = address, Timeout = Timeout.InfiniteTimeSpan };
        _reactor = reactor;
    }

    /// <summary>A reading the page shows as a dot: batch, component, culture time (h) and value.</summary>
    public readonly record struct Reading(string Batch, string Component, double T, double Value);

    /// <summary>Opens the page's live feed of <paramref name="address"/> and follows <paramref name="reactor"/>.</summary>
    public static async Task<LivePage> OpenAsync(Uri address, string reactor)
    {
        var page = new LivePage(address, reactor);
        var response = await page._http.GetAsync("/api/events", HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        page._reader = page.ReadAsync(response);
        return page;
    }

    /// <summary>The readings shown, in the order they arrived.</summary>
    public IReadOnlyList<Reading> Readings
    {
        get
        {
            lock (_gate)
            {
                return [.. _readings];
            }
        }
    }

    /// <summary>The batches in the page's Batch list.</summary>
    public IReadOnlyCollection<string> Batches
    {
        get
        {
            lock (_gate)
            {
                return [.. _batches];
            }
        }
    }

    /// <summary>How many snapshots the page was given (1 while its feed stays up).</summary>
    public int Snapshots
    {
        get
        {
            lock (_gate)
            {
                return _snapshots;
            }
        }
    }

    /// <summary>True once the feed ended (the server closed it or the connection failed).</summary>
    public bool Ended
    {
        get
        {
            lock (_gate)
            {
                return _ended;
            }
        }
    }

    /// <summary>The host's state in the top bar (<c>twin:</c>), or "" before the snapshot.</summary>
    public string HostState => HostField("state");

    /// <summary>The host's connection to the broker in the top bar (<c>broker:</c>), or "" before the snapshot.</summary>
    public string Broker => HostField("broker");

    /// <summary>When the broker connection last changed, as the top bar says, or "".</summary>
    public string BrokerSince => HostField("brokerSince");

    /// <summary>The followed reactor's counter <paramref name="name"/> (accepted, duplicates, journaled, …), or -1.</summary>
    public long Count(string name)
    {
        lock (_gate)
        {
            return _counts.ValueKind == JsonValueKind.Object && _counts.TryGetProperty(name, out var v) ? v.GetInt64() : -1;
        }
    }

    /// <summary>What the page shows, in words (for failure messages).</summary>
    public string Describe() =>
        $"twin '{HostState}', broker '{Broker}', {Readings.Count} readings shown, accepted {Count("accepted")}, duplicates {Count("duplicates")}, snapshots {Snapshots}, ended {Ended}";

    private string HostField(string name)
    {
        lock (_gate)
        {
            return _host.ValueKind == JsonValueKind.Object && _host.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
        }
    }

    private async Task ReadAsync(HttpResponseMessage response)
    {
        try
        {
            using (response)
            {
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(_cts.Token));
                while (await ServerSentEvents.NextAsync(reader, _cts.Token) is { } e)
                {
                    lock (_gate)
                    {
                        Apply(e.Name, e.Data);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
        {
            // cancelled by DisposeAsync, or the connection failed: either way the feed is over
        }

        lock (_gate)
        {
            _ended = true;
        }
    }

    private void Apply(string name, JsonElement data)
    {
        switch (name)
        {
            case "snapshot":
                _snapshots++;
                _host = data.GetProperty("host");
                _readings.Clear();
                _batches.Clear();
                foreach (var r in data.GetProperty("reactors").EnumerateArray().Where(r => r.GetProperty("id").GetString() == _reactor))
                {
                    _counts = r.GetProperty("counts");
                    foreach (var b in r.GetProperty("batches").EnumerateArray())
                    {
                        string batch = b.GetProperty("batch").GetString()!;
                        _batches.Add(batch);
                        if (b.TryGetProperty("measured", out var measured) && measured.ValueKind == JsonValueKind.Object)
                        {
                            foreach (var c in measured.EnumerateObject())
                            {
                                _readings.AddRange(c.Value.EnumerateArray().Select(p => new Reading(batch, c.Name, p.GetProperty("t").GetDouble(), p.GetProperty("value").GetDouble())));
                            }
                        }
                    }
                }

                break;
            case "measurement" when data.GetProperty("reactor").GetString() == _reactor:
                var point = data.GetProperty("point");
                string b2 = data.GetProperty("batch").GetString()!;
                _batches.Add(b2);
                _readings.Add(new Reading(b2, data.GetProperty("component").GetString()!, point.GetProperty("t").GetDouble(), point.GetProperty("value").GetDouble()));
                break;
            case "batch" when data.GetProperty("reactor").GetString() == _reactor:
                _batches.Add(data.GetProperty("batch").GetProperty("batch").GetString()!);
                break;
            case "status":
                _host = data.GetProperty("host");
                if (data.GetProperty("counts").TryGetProperty(_reactor, out var counts))
                {
                    _counts = counts;
                }

                break;
            default:
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync();
        await _reader;
        _cts.Dispose();
        _http.Dispose();
    }
}
