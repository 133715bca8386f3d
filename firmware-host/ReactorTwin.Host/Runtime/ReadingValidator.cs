using System.Globalization;
using System.Text.Json;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Host.Runtime;

/// <summary>One sensor channel the twin accepts: which state component, its measurement noise and its plausible range.</summary>
/// <param name="Component">State component (species or cell phase) of the model.</param>
/// <param name="NoiseSd">Absolute measurement noise SD (model units) for the Kalman–LNA filter.</param>
/// <param name="NoiseRelative">Relative measurement noise SD (fraction of the value).</param>
/// <param name="Min">Smallest plausible value (model units); below is rejected.</param>
/// <param name="Max">Largest plausible value (model units); above is rejected.</param>
public sealed record TwinChannel(string Component, double NoiseSd, double NoiseRelative, double Min, double Max);

/// <summary>An accepted measurement.</summary>
/// <param name="Batch">Batch (experiment) id.</param>
/// <param name="Component">State component.</param>
/// <param name="Timestamp">Instrument timestamp.</param>
/// <param name="TimeHours">Culture time since the batch start (h).</param>
/// <param name="Value">Value in model units.</param>
public sealed record Measurement(string Batch, string Component, DateTimeOffset Timestamp, double TimeHours, double Value);

/// <summary>A rejected message with the reason, as published on the errors topic.</summary>
/// <param name="Topic">Topic it arrived on.</param>
/// <param name="Reason">What was wrong, naming the field.</param>
/// <param name="Payload">The payload (UTF-8, truncated to 200 characters).</param>
public sealed record Rejection(string Topic, string Reason, string Payload);

/// <summary>
/// Validates sensor messages <c>reactortwin/&lt;reactor&gt;/&lt;batch&gt;/sensors/&lt;component&gt;</c> with payload
/// <c>{"value": number, "unit": string, "ts": ISO 8601}</c>: schema, known component, unit equal to the model's,
/// finite value within the channel's range, timestamp within the announced batch, no duplicate of an accepted
/// (batch, component, ts), and not older than the batch's last accepted measurement (the Kalman filter is
/// sequential). Every rejection says which field was wrong. Not thread-safe (one per reactor pipeline).
/// </summary>
public sealed class ReadingValidator
{
    private readonly ReactionNetwork _model;
    private readonly string _reactor;
    private readonly Dictionary<string, TwinChannel> _channels;
    private readonly Dictionary<string, (DateTimeOffset Start, double Hours)> _batches = new(StringComparer.Ordinal);
    private readonly HashSet<(string, string, DateTimeOffset)> _seen = [];
    private readonly Dictionary<string, DateTimeOffset> _latest = new(StringComparer.Ordinal);

    /// <summary>Creates a validator for one reactor.</summary>
    public ReadingValidator(ReactionNetwork model, string reactorId, IEnumerable<TwinChannel> channels)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(channels);
        _model = model;
        _reactor = reactorId;
        _channels = channels.ToDictionary(c => c.Component, StringComparer.Ordinal);
    }

    /// <summary>Registers a batch's start and planned duration (from its announcement).</summary>
    public void BeginBatch(string batch, DateTimeOffset start, double hours) => _batches[batch] = (start, hours);

    /// <summary>Marks a measurement accepted (used when replaying the journal, which was validated already).</summary>
    public void Remember(Measurement m)
    {
        ArgumentNullException.ThrowIfNull(m);
        _seen.Add((m.Batch, m.Component, m.Timestamp));
        if (!_latest.TryGetValue(m.Batch, out var last) || m.Timestamp > last)
        {
            _latest[m.Batch] = m.Timestamp;
        }
    }

    /// <summary>Validates one message; exactly one of the out values is non-null.</summary>
    public bool TryAccept(MqttMessage message, out Measurement? measurement, out Rejection? rejection)
    {
        ArgumentNullException.ThrowIfNull(message);
        measurement = null;
        rejection = null;
        string payload = System.Text.Encoding.UTF8.GetString(message.Payload.Span);
        Rejection Reject(string reason) => new(message.Topic, reason, payload.Length > 200 ? payload[..200] : payload);

        var parts = message.Topic.Split('/');
        if (parts.Length != 5 || parts[0] != "reactortwin" || parts[1] != _reactor || parts[3] != "sensors")
        {
            rejection = Reject($"topic: expected reactortwin/{_reactor}/<batch>/sensors/<component>");
            return false;
        }

        string batch = parts[2], component = parts[4];
        if (!_channels.TryGetValue(component, out var channel))
        {
            rejection = Reject($"topic: '{component}' is not a configured channel ({string.Join(", ", _channels.Keys)})");
            return false;
        }

        if (!_batches.TryGetValue(batch, out var info))
        {
            rejection = Reject($"topic: batch '{batch}' has not been announced");
            return false;
        }

        double value;
        string unit;
        DateTimeOffset ts;
        try
        {
            using var doc = JsonDocument.Parse(message.Payload);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                rejection = Reject("payload: not a JSON object");
                return false;
            }

            if (!root.TryGetProperty("value", out var v) || v.ValueKind != JsonValueKind.Number)
            {
                rejection = Reject("value: missing or not a number");
                return false;
            }

            value = v.GetDouble();
            if (!root.TryGetProperty("unit", out var u) || u.ValueKind != JsonValueKind.String)
            {
                rejection = Reject("unit: missing or not a string");
                return false;
            }

            unit = u.GetString()!;
            if (!root.TryGetProperty("ts", out var t) || t.ValueKind != JsonValueKind.String
                || !DateTimeOffset.TryParse(t.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out ts))
            {
                rejection = Reject("ts: missing or not an ISO 8601 time");
                return false;
            }
        }
        catch (JsonException ex)
        {
            rejection = Reject($"payload: malformed JSON ({ex.Message.Split('.')[0]})");
            return false;
        }

        int index = _model.IndexOfState(component);
        string expectedUnit = index < _model.SpeciesCount ? _model.Species[index].Unit : _model.CellPhases[index - _model.SpeciesCount].Unit;
        if (!string.Equals(unit, expectedUnit, StringComparison.Ordinal))
        {
            rejection = Reject($"unit: '{unit}' but {component} is in {expectedUnit}");
            return false;
        }

        if (!double.IsFinite(value) || value < channel.Min || value > channel.Max)
        {
            rejection = Reject(string.Create(CultureInfo.InvariantCulture, $"value: {value:G6} {unit} outside the plausible range [{channel.Min:G6}, {channel.Max:G6}]"));
            return false;
        }

        double hours = (ts - info.Start).TotalHours;
        if (hours < 0 || hours > info.Hours * 1.5)
        {
            rejection = Reject(string.Create(CultureInfo.InvariantCulture, $"ts: {hours:F3} h after the batch start, outside [0, {info.Hours * 1.5:G4}] h"));
            return false;
        }

        if (_seen.Contains((batch, component, ts)))
        {
            rejection = Reject("duplicate: this reading was accepted already");
            return false;
        }

        if (_latest.TryGetValue(batch, out var latest) && ts < latest)
        {
            rejection = Reject(string.Create(CultureInfo.InvariantCulture, $"ts: out of order, {(latest - ts).TotalHours:F3} h older than the batch's last accepted measurement"));
            return false;
        }

        measurement = new Measurement(batch, component, ts, hours, value);
        Remember(measurement);
        return true;
    }
}
