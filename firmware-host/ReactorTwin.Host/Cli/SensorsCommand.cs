using System.Globalization;
using System.Reactive.Concurrency;
using Microsoft.Extensions.Configuration;
using ReactorTwin.Adapters.Sensors;
using ReactorTwin.Host.Runtime;

namespace ReactorTwin.Host.Cli;

/// <summary>
/// <c>reactortwin sensors</c>: opens the attached sensors of every configured reactor exactly as <c>run</c> does and
/// reads each once, printing <c>reactor/name: value unit (quality[: reason])</c>. A wiring check for the Pi before
/// starting the service. Exit code 0 when every reading is good, 1 when a sensor cannot be opened or a reading is
/// suspect or failed, 2 for an invalid configuration.
/// </summary>
internal static class SensorsCommand
{
    public static int Run(string configPath, string[] overrides, TextWriter stdout, TextWriter stderr)
    {
        if (!File.Exists(configPath))
        {
            throw new CliException($"--config: '{configPath}' does not exist");
        }

        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.GetFullPath(configPath), optional: false, reloadOnChange: false)
            .AddEnvironmentVariables("REACTORTWIN_")
            .AddCommandLine(overrides)
            .Build();
        var options = configuration.GetSection(RuntimeOptions.Section).Get<RuntimeOptions>() ?? new RuntimeOptions();
        var errors = new List<string>();
        for (int i = 0; i < options.Reactors.Count; i++)
        {
            var rc = options.Reactors[i];
            SensorSetup.Validate(rc.Sensors, ModelOrNull(rc.Model), $"{RuntimeOptions.Section}:Reactors:{i}", errors);
        }

        if (errors.Count > 0)
        {
            foreach (var e in errors)
            {
                stderr.WriteLine($"error: {configPath}: {e}");
            }

            return CommandLineApp.UsageError;
        }

        bool allGood = true;
        foreach (var rc in options.Reactors.Where(r => r.Sensors.Count > 0))
        {
            try
            {
                using var set = SensorSetup.Open(rc.Sensors, ImmediateScheduler.Instance);
                foreach (var channel in set.Channels)
                {
                    var r = channel.Read(TimeProvider.System.GetUtcNow);
                    allGood &= r.Quality == ReadingQuality.Good;
                    string value = r.Quality == ReadingQuality.Fault ? "-" : r.Value.ToString("G6", CultureInfo.InvariantCulture) + " " + r.Unit;
                    string quality = r.Quality.ToString().ToLowerInvariant() + (r.Reason is null ? "" : ": " + r.Reason);
                    stdout.WriteLine($"{rc.Id}/{r.Channel}: {value} ({quality})");
                }
            }
            catch (SensorOpenException ex)
            {
                stderr.WriteLine($"error: {configPath}: reactor {rc.Id}: {ex.Message}");
                allGood = false;
            }
        }

        return allGood ? 0 : 1;
    }

    private static Core.Models.ReactionNetwork? ModelOrNull(string model)
    {
        try
        {
            return ModelResolver.Resolve(model);
        }
        catch (Exception e) when (e is CliException or Core.Models.ModelDefinitionException)
        {
            return null;
        }
    }
}
