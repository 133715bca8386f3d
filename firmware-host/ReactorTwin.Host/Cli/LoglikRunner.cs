using System.Globalization;
using System.Text;
using System.Text.Json;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Lna;

namespace ReactorTwin.Host.Cli;

/// <summary>Which likelihood <c>reactortwin loglik</c> evaluates.</summary>
public enum LikelihoodKind
{
    /// <summary>Euler–Maruyama transition likelihood of complete trajectories (seed 001 eq. 4).</summary>
    Em,

    /// <summary>Kalman–LNA likelihood of partial, noisy observations.</summary>
    Lna,

    /// <summary>Mean ODE plus measurement noise (<see cref="OdeLikelihood"/>, the Kalman–LNA likelihood as Ω → ∞).</summary>
    Ode,
}

/// <summary>Settings of one <c>loglik</c> run.</summary>
/// <param name="Model">Built-in name or JSON path.</param>
/// <param name="DataPath">Long-format CSV.</param>
/// <param name="Kind">Likelihood.</param>
/// <param name="Parameters">NAME=VALUE overrides of θ.</param>
/// <param name="Noise">NAME=SD (absolute) or NAME=P% (relative) measurement noise items.</param>
/// <param name="EulerStepHours">If set, the LNA uses the seed's fixed-step Euler form with this step.</param>
public sealed record LoglikSettings(string Model, string DataPath, LikelihoodKind Kind, IReadOnlyList<string> Parameters, IReadOnlyList<string> Noise, double? EulerStepHours);

/// <summary>Runs <c>reactortwin loglik</c> and prints <c>{"loglik": x, "gradient": {name: g}}</c>.</summary>
internal static class LoglikRunner
{
    /// <summary>The likelihood's name in JSON output.</summary>
    public static string Name(LikelihoodKind kind) => kind switch
    {
        LikelihoodKind.Em => "euler-maruyama",
        LikelihoodKind.Ode => "ode",
        _ => "kalman-lna",
    };

    public static int Run(LoglikSettings s, TextWriter stdout)
    {
        var model = ModelResolver.Resolve(s.Model);
        var theta = model.NominalParameters();
        Assignments.Apply(model, s.Parameters, null, theta, "--params");
        var noise = ParseNoise(model, s.Noise);
        var data = LoadData(model, s.DataPath);
        int[] estimated = Enumerable.Range(0, model.Parameters.Count).Where(k => model.Parameters[k].Estimate).ToArray();
        var result = new LikelihoodResult(estimated.Length);
        if (s.Kind == LikelihoodKind.Em)
        {
            var em = new EulerMaruyamaLikelihood(model, estimated);
            em.Validate(data, s.DataPath);
            em.Evaluate(data, theta, result);
        }
        else if (s.Kind == LikelihoodKind.Ode)
        {
            try
            {
                new OdeLikelihood(model, estimated).Evaluate(data, theta, noise, result);
            }
            catch (LnaException ex)
            {
                throw new CliException(ex.Message, ex);
            }
        }
        else
        {
            var options = s.EulerStepHours is double h ? new LnaOptions { Integrator = LnaIntegrator.Euler, EulerStepHours = h } : new LnaOptions();
            var kalman = new KalmanLnaLikelihood(model, estimated, options);
            try
            {
                kalman.Evaluate(data, theta, noise, result);
            }
            catch (LnaException ex)
            {
                throw new CliException(ex.Message, ex);
            }
        }

        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("loglik", result.LogLikelihood);
            w.WriteStartObject("gradient");
            for (int k = 0; k < estimated.Length; k++)
            {
                w.WriteNumber(model.Parameters[estimated[k]].Name, result.Gradient[k]);
            }

            w.WriteEndObject();
            w.WriteString("likelihood", Name(s.Kind));
            w.WriteNumber("batches", data.Batches.Count);
            w.WriteNumber("measurements", result.MeasurementCount);
            w.WriteEndObject();
        }

        stdout.WriteLine(Encoding.UTF8.GetString(stream.ToArray()));
        return 0;
    }

    /// <summary>Reads and validates the data, reporting syntax and model-fit problems together, in line order.</summary>
    internal static ObservationSet LoadData(ReactorTwin.Core.Models.ReactionNetwork model, string path)
    {
        var errors = new List<DataError>();
        var rows = DataCsv.Read(path, errors);
        try
        {
            var data = ObservationSet.FromRows(model, rows, path);
            if (errors.Count == 0)
            {
                return data;
            }
        }
        catch (DataException ex)
        {
            errors.AddRange(ex.Errors);
        }

        throw new DataException(errors.OrderBy(e => e.Line).ToList());
    }

    internal static MeasurementNoise ParseNoise(ReactorTwin.Core.Models.ReactionNetwork model, IEnumerable<string> items)
    {
        var noise = MeasurementNoise.ForModel(model);
        var problems = new List<string>();
        foreach (string raw in items.SelectMany(x => x.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            int eq = raw.IndexOf('=', StringComparison.Ordinal);
            string name = eq > 0 ? raw[..eq].Trim() : raw;
            string text = eq > 0 ? raw[(eq + 1)..].Trim() : string.Empty;
            bool relative = text.EndsWith('%');
            if (relative)
            {
                text = text[..^1];
            }

            int ix = model.IndexOfState(name);
            if (eq <= 0)
            {
                problems.Add($"--noise '{raw}': expected NAME=SD or NAME=PERCENT%");
            }
            else if (ix < 0)
            {
                problems.Add($"--noise {name}: not a species or cell phase of model '{model.Name}' ({string.Join(", ", model.StateNames)})");
            }
            else if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !(v >= 0) || !double.IsFinite(v))
            {
                problems.Add($"--noise {name}: '{text}' is not a finite number ≥ 0");
            }
            else if (relative)
            {
                noise.SetRelative(ix, v / 100.0);
            }
            else
            {
                noise.SetAbsolute(ix, v);
            }
        }

        if (problems.Count > 0)
        {
            throw new CliException(string.Join(Environment.NewLine, problems));
        }

        return noise;
    }
}
