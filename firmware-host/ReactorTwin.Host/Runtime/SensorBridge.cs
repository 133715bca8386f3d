using System.Globalization;
using System.Text;
using System.Text.Json;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Adapters.Sensors;

namespace ReactorTwin.Host.Runtime;

/// <summary>
/// Puts directly attached sensors (GPIO/I2C/1-Wire channels of a <see cref="SensorSource"/>, issue 7) on the same topics
/// as networked instruments, so the twin's pipeline treats them alike: each reading of a mapped channel is published as
/// <c>reactortwin/&lt;reactor&gt;/&lt;running batch&gt;/sensors/&lt;component&gt;</c> with <c>{value, unit, ts, quality}</c>.
/// Faults (and suspect readings, unless <paramref name="forwardSuspect"/>) go to <c>reactortwin/&lt;reactor&gt;/errors</c>
/// with the driver's reason instead; readings while no batch runs are dropped. The running batch is learned from the
/// retained batch announcements.
/// </summary>
/// <param name="bus">Transport.</param>
/// <param name="reactor">Reactor id.</param>
/// <param name="componentByChannel">Sensor channel name → model component it measures (e.g. "od600" → "X0").</param>
/// <param name="forwardSuspect">Also forward readings graded suspect (implausible values) as measurements.</param>
/// <param name="publishUnmapped">Publish the readings of channels that measure no model component (e.g. broth temperature)
/// on <c>reactortwin/&lt;reactor&gt;/instruments/&lt;channel&gt;</c> (retained, with quality and reason) instead of
/// reporting them as errors.</param>
public sealed class SensorBridge(IMessageBus bus, string reactor, IReadOnlyDictionary<string, string> componentByChannel, bool forwardSuspect = false, bool publishUnmapped = false) : IDisposable
{
    private readonly List<IDisposable> _subscriptions = [];
    private readonly object _gate = new();
    private string? _batch;

    /// <summary>Readings forwarded as measurements.</summary>
    public long Forwarded { get; private set; }

    /// <summary>Readings reported as errors (faults, suspect values, unmapped channels).</summary>
    public long Reported { get; private set; }

    /// <summary>Follows the batch announcements and forwards the source's readings.</summary>
    public void Start(IObservable<SensorReading> readings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        _subscriptions.Add(bus.Subscribe($"reactortwin/{reactor}/+/batch").Subscribe(OnBatch));
        _subscriptions.Add(readings.Subscribe(OnReading));
    }

    private void OnBatch(MqttMessage message)
    {
        try
        {
            using var doc = JsonDocument.Parse(message.Payload);
            var root = doc.RootElement;
            string? id = root.GetProperty("batch").GetString();
            bool ended = root.TryGetProperty("end", out var end) && end.ValueKind == JsonValueKind.String;
            lock (_gate)
            {
                if (ended && id == _batch)
                {
                    _batch = null;
                }
                else if (!ended)
                {
                    _batch = id;
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            Report($"batch announcement on {message.Topic} is malformed: {ex.Message}");
        }
    }

    /// <summary>Readings of unmapped channels published on the instruments topics.</summary>
    public long Instruments { get; private set; }

    private void OnReading(SensorReading r)
    {
        if (publishUnmapped && !componentByChannel.ContainsKey(r.Channel))
        {
            string value = r.Quality == ReadingQuality.Fault ? "null" : r.Value.ToString("R", CultureInfo.InvariantCulture);
            string reason = r.Reason is null ? "" : ",\"reason\":" + JsonSerializer.Serialize(r.Reason, BridgeJson.Default.String);
            string json = string.Create(CultureInfo.InvariantCulture, $"{{\"value\":{value},\"unit\":\"{r.Unit}\",\"ts\":\"{r.Timestamp.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}\",\"quality\":\"{r.Quality.ToString().ToLowerInvariant()}\"{reason}}}");
            bus.PublishAsync(new MqttMessage($"reactortwin/{reactor}/instruments/{r.Channel}", Encoding.UTF8.GetBytes(json), MqttQualityOfService.AtLeastOnce, retain: true)).GetAwaiter().GetResult();
            Instruments++;
            return;
        }

        string? batch;
        lock (_gate)
        {
            batch = _batch;
        }

        if (batch is null)
        {
            return;
        }

        if (!componentByChannel.TryGetValue(r.Channel, out var component))
        {
            Report($"sensor channel '{r.Channel}' is not mapped to a model component");
            return;
        }

        if (r.Quality == ReadingQuality.Fault || (r.Quality == ReadingQuality.Suspect && !forwardSuspect))
        {
            Report($"{r.Channel} ({component}) {r.Quality.ToString().ToLowerInvariant()}: {r.Reason}");
            return;
        }

        string payload = string.Create(CultureInfo.InvariantCulture, $"{{\"value\":{r.Value:R},\"unit\":\"{r.Unit}\",\"ts\":\"{r.Timestamp.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}\",\"quality\":\"{r.Quality.ToString().ToLowerInvariant()}\"}}");
        bus.PublishAsync(new MqttMessage($"reactortwin/{reactor}/{batch}/sensors/{component}", Encoding.UTF8.GetBytes(payload), MqttQualityOfService.AtLeastOnce)).GetAwaiter().GetResult();
        Forwarded++;
    }

    private void Report(string reason)
    {
        Reported++;
        bus.PublishAsync(new MqttMessage($"reactortwin/{reactor}/errors", Encoding.UTF8.GetBytes(JsonSerializer.Serialize(reason, BridgeJson.Default.String)), MqttQualityOfService.AtLeastOnce)).GetAwaiter().GetResult();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var s in _subscriptions)
        {
            s.Dispose();
        }
    }
}

/// <summary>Source-generated JSON metadata of the bridge.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class BridgeJson : System.Text.Json.Serialization.JsonSerializerContext
{
}
