using MQTTnet;

namespace ReactorTwin.Adapters.Mqtt;

/// <summary>Topic name and topic filter rules (MQTT 3.1.1 §4.7, MQTT 5.0 §4.7).</summary>
public static class MqttTopic
{
    /// <summary>Largest encoded length of any MQTT string, in UTF-8 bytes.</summary>
    public const int MaxLengthBytes = 65535;

    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Checks a topic name used in PUBLISH: non-empty, at most 65535 UTF-8 bytes, no U+0000, no wildcards.</summary>
    /// <param name="topic">The topic name.</param>
    /// <returns><see langword="null"/> when valid, otherwise the reason it is not.</returns>
    public static string? ValidateTopicName(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (topic.Length == 0)
        {
            return "A topic name must not be empty.";
        }

        if (topic.AsSpan().IndexOfAny('+', '#', '\0') >= 0)
        {
            return "A topic name must not contain the wildcards '+' or '#' or the character U+0000.";
        }

        return ValidateUtf8Length(topic);
    }

    /// <summary>Checks a topic filter used in SUBSCRIBE/UNSUBSCRIBE: non-empty, '+' occupies a whole level,
    /// '#' occupies the last whole level, no U+0000, at most 65535 UTF-8 bytes.</summary>
    /// <param name="filter">The topic filter.</param>
    /// <returns><see langword="null"/> when valid, otherwise the reason it is not.</returns>
    public static string? ValidateTopicFilter(string filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.Length == 0)
        {
            return "A topic filter must not be empty.";
        }

        for (var i = 0; i < filter.Length; i++)
        {
            var c = filter[i];
            if (c == '\0')
            {
                return "A topic filter must not contain U+0000.";
            }

            var levelStart = i == 0 || filter[i - 1] == '/';
            var levelEnd = i == filter.Length - 1 || filter[i + 1] == '/';
            if (c == '+' && !(levelStart && levelEnd))
            {
                return "The single-level wildcard '+' must occupy an entire level.";
            }

            if (c == '#' && !(levelStart && i == filter.Length - 1))
            {
                return "The multi-level wildcard '#' must be the last character and occupy an entire level.";
            }
        }

        return ValidateUtf8Length(filter);
    }

    /// <summary>Whether a topic name matches a topic filter (MQTTnet's matcher): topics starting with '$' are not
    /// matched by a filter whose first level is a wildcard (§4.7.2); "a/#" also matches "a". A shared subscription
    /// filter ($share/group/filter) is matched on its filter part.</summary>
    /// <param name="filter">A valid topic filter.</param>
    /// <param name="topic">A valid topic name.</param>
    /// <returns><see langword="true"/> when the filter matches the topic.</returns>
    public static bool Matches(string filter, string topic)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(topic);
        if (filter.StartsWith("$share/", StringComparison.Ordinal))
        {
            var slash = filter.IndexOf('/', 7);
            if (slash < 0)
            {
                return false;
            }

            filter = filter[(slash + 1)..];
        }

        return MqttTopicFilterComparer.Compare(topic, filter) == MqttTopicFilterCompareResult.IsMatch;
    }

    private static string? ValidateUtf8Length(string s)
    {
        int bytes;
        try
        {
            bytes = StrictUtf8.GetByteCount(s);
        }
        catch (System.Text.EncoderFallbackException)
        {
            return "The string contains an unpaired surrogate and is not valid UTF-8.";
        }

        return bytes > MaxLengthBytes ? "The string is longer than 65535 UTF-8 bytes." : null;
    }
}
