using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Host.Dashboard;
using ReactorTwin.Host.Runtime;

namespace ReactorTwin.Host.Cli;

/// <summary>
/// <c>reactortwin demo --serve</c>: the demo's runtime inside a web application that serves the dashboard, as
/// <c>reactortwin run</c> does — the same hosted service on the in-memory bus, the same dashboard; its commands go
/// through the <see cref="DemoClock"/>. One user, <c>demo</c>, may accept proposals, with the password given or one made
/// up and printed.
/// </summary>
internal sealed class DemoServer : IAsyncDisposable
{
    /// <summary>The user who may accept proposals in the demo.</summary>
    public const string User = "demo";

    private readonly WebApplication _app;

    private DemoServer(WebApplication app, TwinHostedService runtime, IReadOnlyList<string> addresses)
    {
        _app = app;
        Runtime = runtime;
        Addresses = addresses;
    }

    /// <summary>The runtime (started).</summary>
    public TwinHostedService Runtime { get; }

    /// <summary>Where the page is served.</summary>
    public IReadOnlyList<string> Addresses { get; }

    /// <summary>Parses <c>--serve</c>: a port (every interface) or ADDRESS:PORT.</summary>
    /// <exception cref="CliException">It is neither.</exception>
    public static string Urls(string serve)
    {
        ArgumentNullException.ThrowIfNull(serve);
        string url = serve.Contains(':', StringComparison.Ordinal) ? $"http://{serve}" : $"http://0.0.0.0:{serve}";
        try
        {
            _ = DashboardEndpoint.Parse(url);
            return url;
        }
        catch (FormatException ex)
        {
            throw new CliException($"--serve: '{serve}' is not PORT or ADDRESS:PORT ({ex.Message})");
        }
    }

    /// <summary>A password for the demo user: 12 characters from a cryptographic source.</summary>
    public static string NewPassword() => RandomNumberGenerator.GetString("abcdefghijkmnpqrstuvwxyz23456789", 12);

    /// <summary>Builds and starts the web application with the runtime of <paramref name="config"/> on
    /// <paramref name="bus"/>; the dashboard's commands go to <paramref name="commands"/>.</summary>
    public static async Task<DemoServer> StartAsync(RuntimeOptions config, IMessageBus bus, CommandSink commands, TimeProvider time, TextWriter stderr)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new TextWriterLoggerProvider(stderr, LogLevel.Warning));
        var s = builder.Services;
        s.AddSingleton(time);
        s.AddSingleton(Options.Create(config));
        s.AddSingleton(sp => new TwinHostedService(
            sp.GetRequiredService<IOptions<RuntimeOptions>>(),
            sp.GetRequiredService<ILogger<TwinHostedService>>(),
            sp.GetRequiredService<ILoggerFactory>(),
            time,
            environment: RuntimeEnvironment.InProcess(bus),
            attachments: sp.GetServices<IRuntimeAttachment>()));
        s.AddHostedService(sp => sp.GetRequiredService<TwinHostedService>());
        DashboardHosting.AddDashboard(s, commands);
        var app = builder.Build();
        DashboardHosting.UseDashboard(app);
        await app.StartAsync().ConfigureAwait(false);
        return new DemoServer(app, app.Services.GetRequiredService<TwinHostedService>(), DashboardHosting.Addresses(app));
    }

    /// <summary>The addresses to print: an "every interface" address becomes this machine's loopback address (another
    /// device uses this machine's network address with the same port).</summary>
    public IEnumerable<string> Printable() => Addresses.Select(a => a.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", IPAddress.Loopback.ToString(), StringComparison.Ordinal) + "/");

    /// <summary>Stops the web application and the runtime.</summary>
    public Task StopAsync() => _app.StopAsync();

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
