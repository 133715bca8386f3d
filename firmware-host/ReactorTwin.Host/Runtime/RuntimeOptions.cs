using Microsoft.Extensions.Options;
using ReactorTwin.Core.Models;
using ReactorTwin.Runtime;

namespace ReactorTwin.Host.Runtime;

/// <summary>The <c>ReactorTwin</c> configuration section of <c>reactortwin run</c> (appsettings.json, environment
/// variables with prefix <c>REACTORTWIN_</c>, command line).</summary>
public sealed class RuntimeOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "ReactorTwin";

    /// <summary>The MQTT broker.</summary>
    public BrokerOptions Broker { get; set; } = new();

    /// <summary>SQLite journal file (measurements, announcements, checkpoints).</summary>
    public string JournalPath { get; set; } = "reactortwin.db";

    /// <summary>The reactors twinned by this host.</summary>
    public List<ReactorConfig> Reactors { get; set; } = [];

    /// <summary>The live dashboard page (off unless a port or addresses are set).</summary>
    public Dashboard.DashboardOptions Dashboard { get; set; } = new();
}

/// <summary>Broker connection settings.</summary>
public sealed class BrokerOptions
{
    /// <summary>Host name or address.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>TCP port (1883 plain, 8883 TLS).</summary>
    public int Port { get; set; } = 1883;

    /// <summary>Client id; fixed so that the persistent session survives restarts.</summary>
    public string ClientId { get; set; } = "reactortwin";

    /// <summary>User name, or null.</summary>
    public string? Username { get; set; }

    /// <summary>Password, or null.</summary>
    public string? Password { get; set; }

    /// <summary>Use TLS.</summary>
    public bool UseTls { get; set; }

    /// <summary>CA certificate file (PEM) that signs the broker's certificate, or null for the system trust store.</summary>
    public string? CaFile { get; set; }

    /// <summary>Directory of the durable outgoing queue, or null to keep it in memory.</summary>
    public string? QueueDirectory { get; set; }

    /// <summary>Keep-alive period (s), 5–65535.</summary>
    public int KeepAliveSeconds { get; set; } = 30;

    /// <summary>Longest wait (s) between reconnection attempts while the broker is away, 0.1–3600; default 2, so the
    /// twin is back within about 2 s of the broker's return (the waits grow from 0.25 s with jitter up to this).</summary>
    public double ReconnectMaxSeconds { get; set; } = 2;
}

/// <summary>One reactor's twin.</summary>
public sealed class ReactorConfig
{
    /// <summary>Reactor id (topic level: letters, digits, '-', '_').</summary>
    public string Id { get; set; } = "";

    /// <summary>Built-in model name or JSON model path.</summary>
    public string Model { get; set; } = "cho";

    /// <summary>Accepted sensor channels.</summary>
    public List<ChannelConfig> Channels { get; set; } = [];

    /// <summary>Design variables of the next batch: component → [lower, upper].</summary>
    public Dictionary<string, double[]> Design { get; set; } = [];

    /// <summary>Safety bounds of applied setpoints: component → [min, max].</summary>
    public Dictionary<string, double[]> SafetyBounds { get; set; } = [];

    /// <summary>Design policy: d-optimal or random.</summary>
    public string Policy { get; set; } = "d-optimal";

    /// <summary>Apply proposals automatically.</summary>
    public bool AutoApply { get; set; }

    /// <summary>Initial parameter guesses (name → value); the model's values for the rest.</summary>
    public Dictionary<string, double> InitialParameters { get; set; } = [];

    /// <summary>Directly attached sensors (GPIO/I2C/1-Wire) polled by this host; empty when every instrument
    /// publishes on MQTT itself.</summary>
    public List<SensorConfig> Sensors { get; set; } = [];

    /// <summary>Wall time (s) allowed for the refit at the end of a batch, &gt; 0; default 60. The refit runs beside
    /// the next batch's readings; one that runs out publishes the best point it reached, marked partial. Keep it well
    /// under the turnaround between batches, so that the proposal reaches the reactor in time.</summary>
    public double RefitBudgetSeconds { get; set; } = 60;

    /// <summary>Quasi-Newton iterations allowed per refit, ≥ 1; default 500.</summary>
    public int RefitMaxIterations { get; set; } = 500;

    /// <summary>Step (culture hours) of the forecast the twin publishes with every prediction, from the latest
    /// measurement to the batch's planned end (the dashboard draws it); ≥ 0, 0 for none; default 6.</summary>
    public double ForecastStepHours { get; set; } = 6;

    /// <summary>Seed of the design policy's randomness; default 1.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>Path of a trained amortized network of this reactor's model (<c>reactortwin amortize … --out NET.rtnet</c>),
    /// or null for none: the twin then publishes the network's estimate of the running batch after each reading and
    /// starts each refit from the better of its estimate and the network's.</summary>
    public string? Amortized { get; set; }

    /// <summary>Priors to use instead of the model's, by parameter name (e.g. centred on the lab's own values); the
    /// model file's (or the weakly informative default) for the others.</summary>
    public Dictionary<string, PriorConfig> Priors { get; set; } = [];
}

/// <summary>A parameter's prior in the configuration: <c>{"Kind": "lognormal", "Median": 0.12, "SdLog": 0.5}</c>,
/// <c>{"Kind": "normal", "Mean": 1, "Sd": 0.2}</c> or <c>{"Kind": "uniform"}</c>.</summary>
public sealed class PriorConfig
{
    /// <summary>uniform, lognormal or normal.</summary>
    public string Kind { get; set; } = "lognormal";

    /// <summary>Log-normal: the median (natural scale, within the bounds).</summary>
    public double Median { get; set; } = double.NaN;

    /// <summary>Log-normal: the sd of log θ, &gt; 0.</summary>
    public double SdLog { get; set; } = double.NaN;

    /// <summary>Normal: the mean (within the bounds).</summary>
    public double Mean { get; set; } = double.NaN;

    /// <summary>Normal: the sd, &gt; 0.</summary>
    public double Sd { get; set; } = double.NaN;

    /// <summary>The prior, or null with <paramref name="error"/> when the configuration is not one.</summary>
    public PriorSpec? ToSpec(out string? error)
    {
        error = null;
        switch (Kind.ToLowerInvariant())
        {
            case "uniform":
                return PriorSpec.Uniform;
            case "lognormal" when Median > 0 && SdLog > 0 && double.IsFinite(Median) && double.IsFinite(SdLog):
                return PriorSpec.LogNormal(Median, SdLog);
            case "normal" when double.IsFinite(Mean) && Sd > 0 && double.IsFinite(Sd):
                return PriorSpec.Normal(Mean, Sd);
            case "lognormal":
                error = "a lognormal prior needs Median > 0 and SdLog > 0";
                return null;
            case "normal":
                error = "a normal prior needs a finite Mean and Sd > 0";
                return null;
            default:
                error = $"Kind '{Kind}' is not uniform, lognormal or normal";
                return null;
        }
    }
}

/// <summary>One accepted sensor channel.</summary>
public sealed class ChannelConfig
{
    /// <summary>State component.</summary>
    public string Component { get; set; } = "";

    /// <summary>Absolute noise SD (model units), ≥ 0.</summary>
    public double NoiseSd { get; set; }

    /// <summary>Relative noise SD, ≥ 0.</summary>
    public double NoiseRelative { get; set; }

    /// <summary>Smallest plausible value.</summary>
    public double Min { get; set; }

    /// <summary>Largest plausible value.</summary>
    public double Max { get; set; } = 1e6;
}

/// <summary>Checks <see cref="RuntimeOptions"/> and names every problem by its configuration path.</summary>
internal sealed class RuntimeOptionsValidator : IValidateOptions<RuntimeOptions>
{
    public ValidateOptionsResult Validate(string? name, RuntimeOptions options)
    {
        var errors = new List<string>();
        string p = RuntimeOptions.Section;
        if (string.IsNullOrWhiteSpace(options.Broker.Host))
        {
            errors.Add($"{p}:Broker:Host: must be set");
        }

        if (options.Broker.Port is < 1 or > 65535)
        {
            errors.Add($"{p}:Broker:Port: {options.Broker.Port} is not a TCP port");
        }

        if (options.Broker.KeepAliveSeconds is < 5 or > 65535)
        {
            errors.Add($"{p}:Broker:KeepAliveSeconds: {options.Broker.KeepAliveSeconds} is outside 5–65535");
        }

        if (!(options.Broker.ReconnectMaxSeconds is >= 0.1 and <= 3600))
        {
            errors.Add($"{p}:Broker:ReconnectMaxSeconds: {options.Broker.ReconnectMaxSeconds} is outside 0.1–3600");
        }

        if (options.Broker.CaFile is { } ca)
        {
            if (string.IsNullOrWhiteSpace(ca))
            {
                errors.Add($"{p}:Broker:CaFile: empty; give the CA certificate (PEM) that signed the broker's certificate, or leave the option out for the system's trust store");
            }
            else if (!File.Exists(ca))
            {
                errors.Add($"{p}:Broker:CaFile: '{ca}' does not exist");
            }
            else if (!options.Broker.UseTls)
            {
                errors.Add($"{p}:Broker:CaFile: set, but UseTls is false (the CA file is used only over TLS)");
            }
        }

        if (string.IsNullOrEmpty(options.Broker.Username) != string.IsNullOrEmpty(options.Broker.Password))
        {
            errors.Add($"{p}:Broker: give both Username and Password, or neither");
        }

        string? journalDir = string.IsNullOrWhiteSpace(options.JournalPath) ? null : Path.GetDirectoryName(Path.GetFullPath(options.JournalPath));
        if (string.IsNullOrWhiteSpace(options.JournalPath))
        {
            errors.Add($"{p}:JournalPath: must be set");
        }
        else if (journalDir is not null && !Directory.Exists(journalDir))
        {
            errors.Add($"{p}:JournalPath: the directory '{journalDir}' does not exist");
        }

        if (options.Reactors.Count == 0)
        {
            errors.Add($"{p}:Reactors: configure at least one reactor");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (int r = 0; r < options.Reactors.Count; r++)
        {
            var rc = options.Reactors[r];
            string rp = $"{p}:Reactors:{r}";
            if (string.IsNullOrEmpty(rc.Id) || !rc.Id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                errors.Add($"{rp}:Id: '{rc.Id}' must be non-empty letters, digits, '-' or '_'");
            }
            else if (!ids.Add(rc.Id))
            {
                errors.Add($"{rp}:Id: '{rc.Id}' is used twice");
            }

            ReactionNetwork? model = null;
            try
            {
                model = ModelCatalog.Resolve(rc.Model);
            }
            catch (ModelDefinitionException ex)
            {
                errors.Add($"{rp}:Model: {ex.Message}");
            }

            if (rc.Channels.Count == 0)
            {
                errors.Add($"{rp}:Channels: configure at least one channel");
            }

            foreach (var (parameterName, prior) in rc.Priors)
            {
                if (model is not null && model.IndexOfParameter(parameterName) < 0)
                {
                    errors.Add($"{rp}:Priors:{parameterName}: not a parameter of model '{model.Name}'");
                }
                else if (prior.ToSpec(out string? why) is not { } spec)
                {
                    errors.Add($"{rp}:Priors:{parameterName}: {why}");
                }
                else if (model is not null)
                {
                    var parameter = model.Parameters[model.IndexOfParameter(parameterName)];
                    if (spec.Kind != PriorKind.Uniform && (spec.Center < parameter.Lower || spec.Center > parameter.Upper))
                    {
                        errors.Add($"{rp}:Priors:{parameterName}: its centre {spec.Center} lies outside the bounds [{parameter.Lower}, {parameter.Upper}]");
                    }
                }
            }

            if (!(rc.RefitBudgetSeconds > 0) || !double.IsFinite(rc.RefitBudgetSeconds))
            {
                errors.Add($"{rp}:RefitBudgetSeconds: {rc.RefitBudgetSeconds} must be a number of seconds > 0");
            }

            if (!(rc.ForecastStepHours >= 0) || !double.IsFinite(rc.ForecastStepHours))
            {
                errors.Add($"{rp}:ForecastStepHours: {rc.ForecastStepHours} must be a number of hours ≥ 0 (0 for no forecast)");
            }

            if (rc.Amortized is { } net && model is not null)
            {
                try
                {
                    AmortizedNetworks.Load(net, model);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
                {
                    errors.Add($"{rp}:Amortized: {ex.Message}");
                }
            }

            if (rc.RefitMaxIterations < 1)
            {
                errors.Add($"{rp}:RefitMaxIterations: {rc.RefitMaxIterations} must be ≥ 1");
            }

            for (int c = 0; c < rc.Channels.Count; c++)
            {
                var ch = rc.Channels[c];
                string cp = $"{rp}:Channels:{c}";
                if (model is not null && model.IndexOfChannel(ch.Component) < 0 && model.IndexOfInput(ch.Component) < 0)
                {
                    errors.Add($"{cp}:Component: '{ch.Component}' is not a state component or observable of model '{model.Name}' (channels: {string.Join(", ", model.ChannelNames.Concat(model.Inputs.Select(u => u.Name)))})");
                }

                if (!(ch.NoiseSd >= 0) || !(ch.NoiseRelative >= 0) || ch.NoiseSd + ch.NoiseRelative <= 0)
                {
                    errors.Add($"{cp}: NoiseSd and NoiseRelative must be ≥ 0 and not both 0");
                }

                if (!(ch.Max > ch.Min))
                {
                    errors.Add($"{cp}: Max ({ch.Max}) must exceed Min ({ch.Min})");
                }
            }

            foreach (var (section, map) in new[] { ("Design", rc.Design), ("SafetyBounds", rc.SafetyBounds) })
            {
                foreach (var (component, range) in map)
                {
                    if (model is not null && model.IndexOfState(component) < 0)
                    {
                        errors.Add($"{rp}:{section}:{component}: not a state component of model '{model.Name}'");
                    }

                    if (range.Length != 2 || !(range[1] > range[0]) || !(range[0] >= 0))
                    {
                        errors.Add($"{rp}:{section}:{component}: give [lower, upper] with 0 ≤ lower < upper");
                    }
                }
            }

            if (rc.Policy is not ("d-optimal" or "random"))
            {
                errors.Add($"{rp}:Policy: '{rc.Policy}' is not d-optimal or random");
            }

            SensorSetup.Validate(rc.Sensors, model, rp, errors);
            foreach (var sensor in rc.Sensors)
            {
                if (sensor.Component is { } sc && !rc.Channels.Any(ch => ch.Component == sc))
                {
                    errors.Add($"{rp}:Sensors: '{sensor.Name}' measures {sc}, which has no entry in Channels (its noise and range)");
                }
            }

            foreach (var (param, value) in rc.InitialParameters)
            {
                if (model is not null && model.IndexOfParameter(param) < 0)
                {
                    errors.Add($"{rp}:InitialParameters:{param}: not a parameter of model '{model.Name}'");
                }
                else if (!(value > 0) || !double.IsFinite(value))
                {
                    errors.Add($"{rp}:InitialParameters:{param}: {value} must be finite and > 0");
                }
            }
        }

        options.Dashboard.Validate(errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
