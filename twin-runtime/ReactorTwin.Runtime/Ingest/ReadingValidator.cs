using System.Globalization;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Core.Models;
using ReactorTwin.Runtime.Contracts;
using ReactorTwin.Runtime.Twin;

namespace ReactorTwin.Runtime.Ingest;

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
/// <param name="Payload">The payload (<see cref="ContractCodec.Excerpt"/>).</param>
public sealed record Rejection(string Topic, string Reason, string Payload);

/// <summary>
/// Validates sensor messages <c>reactortwin/&lt;reactor&gt;/&lt;batch&gt;/sensors/&lt;component&gt;</c> with payload
/// <c>{"value": number, "unit": string, "ts": ISO 8601}</c>: schema, known component, unit equal to the model's,
/// finite value within the channel's range, timestamp within the announced batch, no second reading for an accepted
/// (batch, component, ts) (the same reading again is reported as <see cref="SameReadingAgain"/>, another value as a
/// conflict), and not older than the batch's last accepted measurement (the Kalman filter is sequential). Every
/// rejection says which field was wrong. Not thread-safe (one per reactor pipeline).
/// </summary>
public sealed class ReadingValidator
{
    private readonly ReactionNetwork _model;
    private readonly string _reactor;
    private readonly Dictionary<string, TwinChannel> _channels;
    private readonly Dictionary<string, (DateTimeOffset Start, double Hours)> _batches = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string, DateTimeOffset), double> _seen = [];
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

    /// <summary>The reason given for a reading identical to one accepted before (a redelivery, or a mirrored reading).</summary>
    public const string SameReadingAgain = "duplicate: this reading was accepted already";

    /// <summary>Registers a batch's start and planned duration (from its announcement).</summary>
    public void BeginBatch(string batch, DateTimeOffset start, double hours) => _batches[batch] = (start, hours);

    /// <summary>Marks a measurement accepted (used when replaying the journal, which was validated already).</summary>
    public void Remember(Measurement m)
    {
        ArgumentNullException.ThrowIfNull(m);
        _seen[(m.Batch, m.Component, m.Timestamp)] = m.Value;
        if (!_latest.TryGetValue(m.Batch, out var last) || m.Timestamp > last)
        {
            _latest[m.Batch] = m.Timestamp;
        }
    }

    /// <summary>Decodes and validates one message; exactly one of the out values is non-null.</summary>
    public bool TryAccept(MqttMessage message, out Measurement? measurement, out Rejection? rejection)
    {
        ArgumentNullException.ThrowIfNull(message);
        measurement = null;
        rejection = null;
        if (!Topics.TryParseSensor(message.Topic, _reactor, out _, out _))
        {
            rejection = new Rejection(message.Topic, $"topic: expected {Topics.Sensor(_reactor, "<batch>", "<component>")}", ContractCodec.Excerpt(message.Payload.Span));
            return false;
        }

        var reading = ContractCodec.DecodeSensor(message.Payload, out string? error);
        if (reading is null)
        {
            rejection = new Rejection(message.Topic, error!, ContractCodec.Excerpt(message.Payload.Span));
            return false;
        }

        return TryAccept(message.Topic, reading, out measurement, out rejection, ContractCodec.Excerpt(message.Payload.Span));
    }

    /// <summary>Validates a decoded reading that arrived on (or, for an attached sensor, belongs to)
    /// <paramref name="topic"/>; exactly one of the out values is non-null.</summary>
    /// <param name="topic">The sensor topic of the reading.</param>
    /// <param name="reading">The reading.</param>
    /// <param name="measurement">The accepted measurement, or null.</param>
    /// <param name="rejection">Why it was rejected, or null.</param>
    /// <param name="payload">The payload as received, for the rejection report; null writes the reading as JSON.</param>
    public bool TryAccept(string topic, SensorReadingPayload reading, out Measurement? measurement, out Rejection? rejection, string? payload = null)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(reading);
        measurement = null;
        rejection = null;
        Rejection Reject(string reason) => new(topic, reason, payload ?? (double.IsFinite(reading.Value)
            ? ContractCodec.Excerpt(ContractCodec.Encode(reading, ContractJson.Wire.SensorReadingPayload))
            : string.Create(CultureInfo.InvariantCulture, $"value {reading.Value} {reading.Unit} at {reading.Ts}")));

        if (!Topics.TryParseSensor(topic, _reactor, out string batch, out string component))
        {
            rejection = Reject($"topic: expected {Topics.Sensor(_reactor, "<batch>", "<component>")}");
            return false;
        }

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

        if (!ContractCodec.TryParseTime(reading.Ts, out var ts))
        {
            rejection = Reject("ts: missing or not an ISO 8601 time");
            return false;
        }

        double value = reading.Value;
        string unit = reading.Unit;
        string expectedUnit = _model.UnitOf(component) ?? string.Empty;
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

        if (_seen.TryGetValue((batch, component, ts), out double accepted))
        {
            rejection = Reject(accepted.Equals(value) ? SameReadingAgain : string.Create(CultureInfo.InvariantCulture, $"duplicate: another value ({accepted:G6} {unit}) was accepted for this time"));
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
