using System.Text.Json;

namespace ReactorTwin.Host.Tests.Dashboard;

/// <summary>Reads the dashboard's live feed (<c>GET /api/events</c>) the way the page's EventSource does: an
/// <c>event:</c> line names the event, the <c>data:</c> line after it is its JSON; comments and <c>retry:</c> are
/// skipped.</summary>
internal static class ServerSentEvents
{
    /// <summary>The next event (of <paramref name="name"/>, when given), or null when the stream ended.</summary>
    public static async Task<(string Name, JsonElement Data)?> NextAsync(StreamReader reader, CancellationToken ct, string? name = null)
    {
        string? evt = null;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                evt = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && evt is not null)
            {
                if (name is null || evt == name)
                {
                    return (evt, JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone());
                }

                evt = null;
            }
        }

        return null;
    }
}
