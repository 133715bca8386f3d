using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ReactorTwin.Host.Dashboard;

/// <summary>
/// The dashboard's addresses. Everything is readable without a login; only accepting a proposal needs a credential.
/// <list type="table">
/// <item><term><c>GET /</c>, <c>GET /assets/NAME</c></term><description>the page and its files</description></item>
/// <item><term><c>GET /api/state</c></term><description>everything, as JSON (<see cref="SnapshotDto"/>)</description></item>
/// <item><term><c>GET /api/events</c></term><description>the live feed (<see cref="EventStream"/>)</description></item>
/// <item><term><c>GET /api/reactors/R/batches/B</c></term><description>a batch with its data, as JSON</description></item>
/// <item><term><c>GET /api/reactors/R/batches/B/data.csv</c></term><description>the batch as long CSV (<see cref="BatchCsv"/>)</description></item>
/// <item><term><c>GET /api/reactors/R/batches/B/figure.svg</c></term><description>the figure (<see cref="BatchFigure"/>)</description></item>
/// <item><term><c>POST /api/reactors/R/proposal/accept</c></term><description>accept the waiting proposal (<see cref="ProposalAcceptance"/>)</description></item>
/// </list>
/// </summary>
internal static class DashboardEndpoints
{
    /// <summary>Largest accept request body read (bytes).</summary>
    private const int MaxAcceptBody = 4096;

    /// <summary>Maps the addresses onto <paramref name="app"/>.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => Asset("index.html"));
        app.MapGet("/assets/{name}", (string name) => Asset(name));
        app.MapGet("/api/state", (DashboardStore store) => Results.Json(store.Snapshot(), DashboardJson.Default.SnapshotDto));
        app.MapGet("/api/events", (HttpContext context, DashboardStore store, TimeProvider time, IHostApplicationLifetime life) => EventStream.ServeAsync(context, store, time, life.ApplicationStopping));
        app.MapGet("/api/reactors/{reactor}/batches/{batch}", (string reactor, string batch, DashboardStore store) =>
            store.BatchData(reactor, batch) is { } dto ? Results.Json(dto, DashboardJson.Default.BatchDto) : NotKept(reactor, batch));
        app.MapGet("/api/reactors/{reactor}/batches/{batch}/data.csv", (string reactor, string batch, DashboardStore store) =>
            store.Read(reactor, batch, BatchCsv.Write) is { } csv ? Download(csv, "text/csv; charset=utf-8", $"{reactor}-{batch}.csv") : NotKept(reactor, batch));
        app.MapGet("/api/reactors/{reactor}/batches/{batch}/figure.svg", (string reactor, string batch, DashboardStore store) =>
            store.Read(reactor, batch, BatchFigure.Render) is { } svg ? Download(svg, "image/svg+xml", $"{reactor}-{batch}.svg") : NotKept(reactor, batch));
        app.MapPost("/api/reactors/{reactor}/proposal/accept", AcceptAsync);
    }

    private static async Task<IResult> AcceptAsync(string reactor, HttpContext context, ProposalAcceptance acceptance)
    {
        AcceptRequest? request = null;
        var http = context.Request;
        if (http.ContentLength is null or <= MaxAcceptBody && http.HasJsonContentType())
        {
            try
            {
                using var body = new MemoryStream();
                await http.Body.CopyToAsync(body, context.RequestAborted).ConfigureAwait(false);
                request = body.Length <= MaxAcceptBody ? JsonSerializer.Deserialize(body.ToArray(), DashboardJson.Default.AcceptRequest) : null;
            }
            catch (JsonException)
            {
                request = null;
            }
        }

        string client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var (status, response) = await acceptance.AcceptAsync(reactor, request, client, context.RequestAborted).ConfigureAwait(false);
        return Results.Json(response, DashboardJson.Default.AcceptResponse, statusCode: status);
    }

    private static IResult Asset(string name) => StaticAssets.Find(name) is { } a
        ? new AssetResult(a)
        : Results.NotFound();

    private static IResult Download(string text, string contentType, string fileName) =>
        Results.File(Encoding.UTF8.GetBytes(text), contentType, fileName);

    private static IResult NotKept(string reactor, string batch) =>
        Results.Text($"no batch '{batch}' of reactor '{reactor}' is kept by this dashboard", "text/plain; charset=utf-8", statusCode: 404);

    /// <summary>An embedded file with its validator: a browser that has it gets 304.</summary>
    private sealed class AssetResult(StaticAsset asset) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.Headers.ETag = asset.ETag;
            response.Headers.CacheControl = "no-cache";
            if (httpContext.Request.Headers.IfNoneMatch == asset.ETag)
            {
                response.StatusCode = 304;
                return Task.CompletedTask;
            }

            response.ContentType = asset.ContentType;
            response.ContentLength = asset.Content.Length;
            return response.Body.WriteAsync(asset.Content).AsTask();
        }
    }
}
