using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ReactorTwin.Runtime.Contracts;

/// <summary>
/// Strict, typed decoding of inbound payloads (every error names the field that was wrong) and encoding of outbound
/// ones through <see cref="ContractJson"/>. Decoding never throws for bad input: it returns the reason.
/// </summary>
public static class ContractCodec
{
    /// <summary>Longest payload text kept in an error report (characters).</summary>
    public const int PayloadExcerptLength = 200;

    /// <summary>The payload as text for an error report: UTF-8 (invalid bytes replaced), at most
    /// <see cref="PayloadExcerptLength"/> characters, with the total size when it was cut.</summary>
    public static string Excerpt(ReadOnlySpan<byte> payload)
    {
        // At most 4 bytes per character: decoding more than that is never needed.
        string text = Encoding.UTF8.GetString(payload[..Math.Min(payload.Length, (4 * PayloadExcerptLength) + 4)]);
        return text.Length <= PayloadExcerptLength && payload.Length <= (4 * PayloadExcerptLength) + 4
            ? text
            : string.Create(CultureInfo.InvariantCulture, $"{text[..Math.Min(text.Length, PayloadExcerptLength)]}… ({payload.Length} bytes)");
    }

    /// <summary>The largest inbound payload decoded (bytes): a reading, an announcement or a command is a few hundred
    /// bytes; anything beyond 64 KiB is refused unread.</summary>
    public const int MaxPayloadBytes = 64 * 1024;

    /// <summary>Serialises an outbound payload.</summary>
    public static byte[] Encode<T>(T payload, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) => JsonSerializer.SerializeToUtf8Bytes(payload, type);

    /// <summary>Decodes a <see cref="SensorReadingPayload"/>.</summary>
    /// <returns>The reading, or null with <paramref name="error"/> naming the field.</returns>
    public static SensorReadingPayload? DecodeSensor(ReadOnlyMemory<byte> payload, out string? error)
    {
        error = null;
        try
        {
            using var doc = JsonDocument.Parse(payload);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = $"payload: not a JSON object (got {Kind(root.ValueKind)})";
                return null;
            }

            if (!root.TryGetProperty("value", out var v) || v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out double value))
            {
                error = "value: missing or not a number";
                return null;
            }

            if (!root.TryGetProperty("unit", out var u) || u.ValueKind != JsonValueKind.String)
            {
                error = "unit: missing or not a string";
                return null;
            }

            if (!root.TryGetProperty("ts", out var t) || t.ValueKind != JsonValueKind.String || !TryParseTime(t.GetString(), out _))
            {
                error = "ts: missing or not an ISO 8601 time";
                return null;
            }

            string? quality = root.TryGetProperty("quality", out var q) && q.ValueKind == JsonValueKind.String ? q.GetString() : null;
            return new SensorReadingPayload(value, u.GetString()!, t.GetString()!, quality);
        }
        catch (JsonException ex)
        {
            error = $"payload: malformed JSON ({FirstSentence(ex.Message)})";
            return null;
        }
    }

    /// <summary>Decodes a <see cref="BatchAnnouncement"/> and its times.</summary>
    /// <returns>The announcement, or null with <paramref name="error"/> saying what is missing.</returns>
    public static BatchAnnouncement? DecodeBatch(ReadOnlyMemory<byte> payload, out DateTimeOffset start, out DateTimeOffset? end, out string? error)
    {
        start = default;
        end = null;
        error = null;
        BatchAnnouncement? a;
        try
        {
            a = JsonSerializer.Deserialize(payload.Span, ContractJson.Wire.BatchAnnouncement);
        }
        catch (JsonException ex)
        {
            error = $"batch announcement: malformed JSON ({FirstSentence(ex.Message)})";
            return null;
        }
        catch (InvalidOperationException ex)
        {
            error = $"batch announcement: {FirstSentence(ex.Message)}";
            return null;
        }

        if (a is null || string.IsNullOrEmpty(a.Batch) || !TryParseTime(a.Start, out start) || !(a.Hours > 0) || !double.IsFinite(a.Hours))
        {
            error = "batch announcement: needs batch, start (ISO 8601) and hours > 0";
            return null;
        }

        if (a.End is not null)
        {
            if (!TryParseTime(a.End, out var e))
            {
                error = "batch announcement: end is not an ISO 8601 time";
                return null;
            }

            // The same window as a reading's timestamp: from the start to one and a half planned durations.
            double hours = (e - start).TotalHours;
            if (hours < 0 || hours > 1.5 * a.Hours)
            {
                error = string.Create(CultureInfo.InvariantCulture, $"batch announcement: end is {hours:G4} h after the start, outside [0, {1.5 * a.Hours:G4}] h");
                return null;
            }

            end = e;
        }

        foreach (var (name, value) in (a.Initial ?? []).Concat(a.Setpoints ?? []))
        {
            if (!double.IsFinite(value) || value < 0)
            {
                error = string.Create(CultureInfo.InvariantCulture, $"batch announcement: {name} = {value} is not a finite number ≥ 0");
                return null;
            }
        }

        return a with { Initial = a.Initial ?? [], Setpoints = a.Setpoints ?? [] };
    }

    /// <summary>Decodes <c>{"id": N, "by": "…"}</c> (<c>by</c> optional).</summary>
    /// <returns>N, or null with <paramref name="error"/>; <paramref name="by"/> is the sender it names, or null.</returns>
    public static int? DecodeAccept(ReadOnlyMemory<byte> payload, out string? by, out string? error)
    {
        error = null;
        by = null;
        try
        {
            using var doc = JsonDocument.Parse(payload);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("id", out var v)
                && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int id))
            {
                by = doc.RootElement.TryGetProperty("by", out var b) && b.ValueKind == JsonValueKind.String ? b.GetString() : null;
                return id;
            }
        }
        catch (JsonException)
        {
        }

        error = "accept: expected {\"id\": N} with the id of the waiting proposal";
        return null;
    }

    /// <summary>Decodes a setpoints command (a JSON object of component → number).</summary>
    /// <returns>The setpoints (every member a finite number), or null with <paramref name="error"/>.</returns>
    public static Dictionary<string, double>? DecodeSetpoints(ReadOnlyMemory<byte> payload, out string? error)
    {
        error = null;
        try
        {
            using var doc = JsonDocument.Parse(payload);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = "setpoints: not a JSON object of component → value";
                return null;
            }

            var result = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetDouble(out double v) || !double.IsFinite(v))
                {
                    error = $"setpoints: {p.Name} is not a finite number";
                    return null;
                }

                result[p.Name] = v;
            }

            return result;
        }
        catch (JsonException ex)
        {
            error = $"setpoints: malformed JSON ({FirstSentence(ex.Message)})";
            return null;
        }
    }

    /// <summary>Parses an ISO 8601 time (UTC unless it has an offset).</summary>
    public static bool TryParseTime(string? text, out DateTimeOffset time) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time);

    /// <summary>Formats a time as ISO 8601 UTC with milliseconds, as every payload carries it.</summary>
    public static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string FirstSentence(string message) => message.Split('.')[0];

    private static string Kind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
