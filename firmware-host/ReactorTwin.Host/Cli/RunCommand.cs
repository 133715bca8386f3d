using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Core.Models;
using ReactorTwin.Host.Runtime;
using ReactorTwin.Simulator.Plant;

namespace ReactorTwin.Host.Cli;


/// <summary><c>reactortwin run</c> (the edge runtime as a Generic Host) and <c>reactortwin simulator</c> (the simulated
/// reactor as a process on a broker).</summary>
internal static class RunCommand
{
    /// <summary>
    /// Runs the Generic Host: configuration from <paramref name="configPath"/> (JSON), then environment variables with
    /// prefix <c>REACTORTWIN_</c> (e.g. <c>REACTORTWIN_ReactorTwin__Broker__Host</c>), then <paramref name="overrides"/>
    /// (<c>--ReactorTwin:Broker:Port=1884</c>); options are validated at start (every problem named by its path); stops
    /// gracefully on SIGTERM/SIGINT.
    /// </summary>
    public static int Run(string configPath, string[] overrides, TextWriter stderr)
    {
        if (!File.Exists(configPath))
        {
            throw new CliException($"--config: '{configPath}' does not exist");
        }

        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = false, Args = overrides });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddJsonFile(Path.GetFullPath(configPath), optional: false, reloadOnChange: false);
        builder.Configuration.AddEnvironmentVariables("REACTORTWIN_");
        builder.Configuration.AddCommandLine(overrides);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IValidateOptions<RuntimeOptions>, RuntimeOptionsValidator>();
        builder.Services.AddOptions<RuntimeOptions>().Bind(builder.Configuration.GetSection(RuntimeOptions.Section)).ValidateOnStart();
        builder.Services.AddHostedService<TwinHostedService>();
        using var host = builder.Build();
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

        return 0;
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
