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
/// <param name="DataPath">Measurement table, long or wide (see <see cref="DataCsv"/>).</param>
/// <param name="Kind">Likelihood.</param>
/// <param name="Parameters">NAME=VALUE overrides of θ.</param>
/// <param name="Noise">NAME=SD (absolute) or NAME=P% (relative) measurement noise items.</param>
/// <param name="EulerStepHours">If set, the LNA uses the seed's fixed-step Euler form with this step.</param>
public sealed record LoglikSettings(string Model, string DataPath, LikelihoodKind Kind, IReadOnlyList<string> Parameters, IReadOnlyList<string> Noise, double? EulerStepHours)
{
    /// <summary><c>--omega</c>: the system size Ω (finite, &gt; 0) replacing the model's, or null for the model's.</summary>
    public double? SystemSize { get; init; }

    /// <summary><c>--per-batch</c>: parameters that take their own value in each batch, besides those the model marks.</summary>
    public IReadOnlyList<string> PerBatch { get; init; } = [];

    /// <summary><c>--rtol</c>: the integrator's relative tolerance (<see cref="ToleranceOption"/>), or null for 1e−6.</summary>
    public double? RelativeTolerance { get; init; }
}

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

    public static int Run(LoglikSettings s, TextWriter stdout, TextWriter stderr)
    {
        ToleranceOption.Check(s.RelativeTolerance, s.Kind, s.EulerStepHours is not null);
        var model = ModelResolver.Resolve(s.Model, s.SystemSize);
        var shared = PerBatchParameters.Shared(model, s.Parameters, "--params");
        var noise = NoiseOption.Parse(model, s.Noise);
        var data = MeasurementData.Load(model, s.DataPath, stderr);
        MeasurementData.CheckFor(s.Kind, data, noise, s.DataPath, s.Noise.Count > 0, stderr);
        var layout = PerBatchParameters.Layout(model, data, s.PerBatch);
        var theta = PerBatchParameters.Values(layout, shared, s.Parameters, "--params");
        int[] estimated = Enumerable.Range(0, layout.Parameters.Count).Where(k => layout.Parameters[k].Estimate).ToArray();
        var options = s.EulerStepHours is double h ? new LnaOptions { Integrator = LnaIntegrator.Euler, EulerStepHours = h } : ToleranceOption.Lna(s.RelativeTolerance);
        var likelihood = PerBatchParameters.Bind(layout, estimated, PerBatchParameters.Likelihood(s.Kind, model, noise, options, ToleranceOption.Ode(s.RelativeTolerance)))(data);
        var result = new LikelihoodResult(estimated.Length);
        try
        {
            likelihood.Evaluate(theta, result);
        }
        catch (LnaException ex)
        {
            throw new CliException(ex.Message, ex);
        }

        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("loglik", result.LogLikelihood);
            w.WriteStartObject("gradient");
            for (int k = 0; k < estimated.Length; k++)
            {
                w.WriteNumber(layout.Parameters[estimated[k]].Name, result.Gradient[k]);
            }

            w.WriteEndObject();
            w.WriteString("likelihood", Name(s.Kind));
            if (s.Kind != LikelihoodKind.Em && s.EulerStepHours is null)
            {
                w.WriteNumber("relativeTolerance", s.RelativeTolerance ?? ToleranceOption.DefaultRelative);
            }

            w.WriteNumber("batches", data.Batches.Count);
            w.WriteNumber("measurements", result.MeasurementCount);
            w.WriteEndObject();
        }

        stdout.WriteLine(Encoding.UTF8.GetString(stream.ToArray()));
        return 0;
    }
}
