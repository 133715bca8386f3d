using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ReactorTwin.Host.Runtime;

namespace ReactorTwin.Host.Dashboard;

/// <summary>
/// Puts the dashboard into a web application that also runs the <see cref="TwinHostedService"/> (one Generic Host,
/// Kestrel inside it): the services, the feed joining the runtime, Kestrel on the configured addresses
/// (<see cref="DashboardOptions"/>, read once the options have been validated), security headers on every response, the
/// addresses.
/// </summary>
internal static partial class DashboardHosting
{
    /// <summary>The Content-Security-Policy of every response: the page may load and connect to its own origin only.</summary>
    public const string ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    /// <summary>Registers the dashboard's services. <paramref name="commands"/> replaces the default way commands are
    /// sent (the runtime's bus), for the demo's clock.</summary>
    public static void AddDashboard(IServiceCollection services, CommandSink? commands = null)
    {
        services.AddSingleton(sp => new DashboardCredentials(Options(sp).Users));
        services.AddSingleton(sp => new DashboardStore(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new FailureThrottle(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<DashboardFeed>();
        services.AddSingleton<IRuntimeAttachment>(sp => sp.GetRequiredService<DashboardFeed>());
        services.AddSingleton(sp => commands ?? (m => (sp.GetRequiredService<TwinHostedService>().Bus ?? throw new InvalidOperationException("the runtime has not started")).PublishAsync(m)));
        services.AddSingleton<ProposalAcceptance>();
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<RuntimeOptions>>((kestrel, runtime) => Listen(kestrel, runtime.Value.Dashboard));
    }

    /// <summary>Adds the security headers and maps the dashboard's addresses.</summary>
    public static void UseDashboard(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(async (context, next) =>
        {
            var h = context.Response.Headers;
            h.ContentSecurityPolicy = ContentSecurityPolicy;
            h.XContentTypeOptions = "nosniff";
            h.XFrameOptions = "DENY";
            h["Referrer-Policy"] = "no-referrer";
            if (context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal))
            {
                h.CacheControl = "no-store";
            }

            await next(context).ConfigureAwait(false);
        });
        DashboardEndpoints.Map(app);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ReactorTwin.Host.Dashboard");
        bool accepting = app.Services.GetRequiredService<DashboardCredentials>().Enabled;
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            string addresses = string.Join(", ", Addresses(app));
            LogServing(logger, addresses, accepting ? "accepting proposals needs a configured user" : "read-only: no user may accept proposals");
        });
    }

    /// <summary>The addresses the server listens on (after it started), with the ports it was given.</summary>
    public static IReadOnlyList<string> Addresses(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return [.. app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? []];
    }

    private static DashboardOptions Options(IServiceProvider sp) => sp.GetRequiredService<IOptions<RuntimeOptions>>().Value.Dashboard;

    private static void Listen(KestrelServerOptions kestrel, DashboardOptions options)
    {
        kestrel.AddServerHeader = false;
        kestrel.Limits.MaxRequestBodySize = 64 * 1024;
        X509Certificate2? certificate = null;
        foreach (var e in options.Endpoints())
        {
            void Configure(ListenOptions listen)
            {
                if (e.Https)
                {
                    certificate ??= X509Certificate2.CreateFromPemFile(options.CertificatePath!, options.CertificateKeyPath);
                    listen.UseHttps(certificate);
                }
            }

            if (e.Localhost)
            {
                kestrel.ListenLocalhost(e.Port, Configure);
            }
            else if (e.Address.Equals(System.Net.IPAddress.Any))
            {
                kestrel.ListenAnyIP(e.Port, Configure);
            }
            else
            {
                kestrel.Listen(e.Address, e.Port, Configure);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "dashboard on {Addresses} ({Access})")]
    private static partial void LogServing(ILogger logger, string addresses, string access);
}
