using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace ReactorTwin.Host.Dashboard;

/// <summary>
/// <c>GET /api/events</c>: the page's live feed as server-sent events. The first event, <c>snapshot</c>, is everything
/// (<see cref="SnapshotDto"/>); then every change as it happens (<c>measurement</c>, <c>filtered</c>, <c>end</c>,
/// <c>forecast</c>, <c>batch</c>, <c>parameters</c>, <c>proposal</c>, <c>rejection</c>), and <c>status</c> (the host's
/// state and the counters) whenever it changed, looked at after every change and every
/// <see cref="StatusInterval"/>. A comment line every <see cref="KeepAlive"/> of silence keeps proxies from closing
/// the stream. The stream ends when the client goes, when the host stops, or when the client falls
/// too far behind (the browser then reconnects and gets a new snapshot).
/// </summary>
internal static class EventStream
{
    /// <summary>How often the status is looked at without a change.</summary>
    public static readonly TimeSpan StatusInterval = TimeSpan.FromSeconds(2);

    /// <summary>Longest silence before a keep-alive comment.</summary>
    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    /// <summary>Serves one client until it goes or <paramref name="stopping"/> fires.</summary>
    public static async Task ServeAsync(HttpContext context, DashboardStore store, TimeProvider time, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache, no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var ct = cts.Token;
        using var subscription = store.Subscribe();
        using var timer = new PeriodicTimer(StatusInterval, time);
        var writer = response.BodyWriter;
        try
        {
            await writer.WriteAsync(Encoding.UTF8.GetBytes("retry: 2000\n"), ct).ConfigureAwait(false);
            Frame(writer, "snapshot", JsonSerializer.SerializeToUtf8Bytes(subscription.Snapshot, DashboardJson.Default.SnapshotDto));
            byte[] lastStatus = store.Status().Json;
            await writer.FlushAsync(ct).ConfigureAwait(false);
            var lastWrite = time.GetUtcNow();
            Task<bool>? changes = null, tick = null;
            while (!ct.IsCancellationRequested)
            {
                changes ??= subscription.Changes.WaitToReadAsync(ct).AsTask();
                tick ??= timer.WaitForNextTickAsync(ct).AsTask();
                var done = await Task.WhenAny(changes, tick).ConfigureAwait(false);
                if (done == changes)
                {
                    if (!await changes.ConfigureAwait(false))
                    {
                        return; // the store let go of this client
                    }

                    changes = null;
                }
                else
                {
                    await tick.ConfigureAwait(false);
                    tick = null;
                }

                bool wrote = false;
                while (subscription.Changes.TryRead(out var frame))
                {
                    Frame(writer, frame.Event, frame.Data);
                    wrote = true;
                }

                byte[] status = store.Status().Json;
                if (!status.AsSpan().SequenceEqual(lastStatus))
                {
                    Frame(writer, "status", status);
                    lastStatus = status;
                    wrote = true;
                }

                if (!wrote && time.GetUtcNow() - lastWrite >= KeepAlive)
                {
                    writer.Write(": keep-alive\n\n"u8);
                    wrote = true;
                }

                if (wrote)
                {
                    lastWrite = time.GetUtcNow();
                    await writer.FlushAsync(ct).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the client went, or the host stops
        }
        catch (ChannelClosedException)
        {
            // the client fell too far behind: it reconnects and starts from a new snapshot
        }
    }

    private static void Frame(System.IO.Pipelines.PipeWriter writer, string name, byte[] json)
    {
        writer.Write(Encoding.UTF8.GetBytes($"event: {name}\ndata: "));
        writer.Write(json);
        writer.Write("\n\n"u8);
    }
}
