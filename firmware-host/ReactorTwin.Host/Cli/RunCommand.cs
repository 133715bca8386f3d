using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Core.Models;
using ReactorTwin.Host.Dashboard;
using ReactorTwin.Host.Runtime;
using ReactorTwin.Simulator.Plant;

namespace ReactorTwin.Host.Cli;

/// <summary><c>reactortwin run</c>: the edge runtime as a Generic Host.</summary>
internal static class RunCommand
{
    /// <summary>
    /// Runs the Generic Host: configuration from <paramref name="configPath"/> (JSON), then environment variables with
    /// prefix <c>REACTORTWIN_</c> (e.g. <c>REACTORTWIN_ReactorTwin__Broker__Host</c>), then <paramref name="overrides"/>
    /// (<c>--ReactorTwin:Broker:Port=1884</c>); options are validated at start (every problem named by its path); stops
    /// gracefully on SIGTERM/SIGINT. With <c>ReactorTwin:Dashboard:Port</c> or <c>:Urls</c> set, the host is a web
    /// application that also serves the dashboard (Kestrel in the same host).
    /// </summary>
    public static int Run(string configPath, string[] overrides, TextWriter stderr)
    {
        if (!File.Exists(configPath))
        {
            throw new CliException($"--config: '{configPath}' does not exist");
        }

        var settings = new ConfigurationManager();
        AddSources(settings, configPath, overrides);
        bool dashboard = !string.IsNullOrWhiteSpace(settings[$"{DashboardOptions.Section}:Port"]) || !string.IsNullOrWhiteSpace(settings[$"{DashboardOptions.Section}:Urls"]);
        IHost host;
        if (dashboard)
        {
            var web = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = overrides });
            AddRuntime(web, configPath, overrides);
            DashboardHosting.AddDashboard(web.Services);
            var app = web.Build();
            DashboardHosting.UseDashboard(app);
            host = app;
        }
        else
        {
            var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = false, Args = overrides });
            AddRuntime(builder, configPath, overrides);
            host = builder.Build();
        }

        using (host)
        {
            try
            {
                _ = host.Services.GetRequiredService<IOptions<RuntimeOptions>>().Value; // validate before anything starts
                host.Run();
            }
            catch (OptionsValidationException ex)
            {
                foreach (var f in ex.Failures)
                {
                    stderr.WriteLine($"error: {configPath}: {f}");
                }

                return CommandLineApp.UsageError;
            }
            catch (InvalidOperationException ex) when (ex.InnerException is FormatException or InvalidCastException || ex.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
            {
                stderr.WriteLine($"error: {configPath}: {ex.Message}");
                return CommandLineApp.UsageError;
            }
            catch (ReactorTwin.Runtime.Journal.JournalException ex)
            {
                stderr.WriteLine($"error: {configPath}: ReactorTwin:JournalPath: {ex.Message}");
                return 1;
            }
            catch (SensorOpenException ex)
            {
                stderr.WriteLine($"error: {configPath}: an attached sensor could not be opened: {ex.Message}");
                return 1;
            }
            catch (IOException ex) when (dashboard && ex.Message.Contains("bind", StringComparison.OrdinalIgnoreCase))
            {
                stderr.WriteLine($"error: {configPath}: {DashboardOptions.Section}: cannot listen: {ex.Message}");
                return CommandLineApp.UsageError;
            }
        }

        return 0;
    }

    /// <summary>The configuration sources of <c>run</c>, in order of precedence (last wins).</summary>
    private static void AddSources(IConfigurationBuilder configuration, string configPath, string[] overrides)
    {
        configuration.Sources.Clear();
        configuration.AddJsonFile(Path.GetFullPath(configPath), optional: false, reloadOnChange: false);
        configuration.AddEnvironmentVariables("REACTORTWIN_");
        configuration.AddCommandLine(overrides);
    }

    /// <summary>The runtime's services: the clock, the validated options and the twin hosted service.</summary>
    private static void AddRuntime(IHostApplicationBuilder builder, string configPath, string[] overrides)
    {
        AddSources(builder.Configuration, configPath, overrides);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IValidateOptions<RuntimeOptions>, RuntimeOptionsValidator>();
        builder.Services.AddOptions<RuntimeOptions>().Bind(builder.Configuration.GetSection(RuntimeOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<TwinHostedService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<TwinHostedService>());
    }
}

/// <summary>A minimal logger that writes entries at or above a level to a <see cref="TextWriter"/> (the CLI's stderr),
/// so a broker that cannot be reached is reported (<c>MQTT reconnect failed …</c>) instead of the simulator waiting
/// silently.</summary>
/// <param name="writer">Destination.</param>
/// <param name="minimum">Lowest level written.</param>
internal sealed class TextWriterLogger(TextWriter writer, Microsoft.Extensions.Logging.LogLevel minimum) : Microsoft.Extensions.Logging.ILogger
{
    private readonly object _gate = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => logLevel >= minimum;

    public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (!IsEnabled(logLevel))
        {
            return;
        }

        lock (_gate)
        {
            writer.WriteLine($"{logLevel.ToString().ToLowerInvariant()}: {formatter(state, exception)}");
        }
    }
}

/// <summary>Creates <see cref="TextWriterLogger"/>s (for hosts whose logs go to the CLI's stderr).</summary>
/// <param name="writer">Destination.</param>
/// <param name="minimum">Lowest level written.</param>
internal sealed class TextWriterLoggerProvider(TextWriter writer, Microsoft.Extensions.Logging.LogLevel minimum) : Microsoft.Extensions.Logging.ILoggerProvider
{
    private readonly TextWriterLogger _logger = new(writer, minimum);

    public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => _logger;

    public void Dispose()
    {
    }
}
