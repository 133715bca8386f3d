using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ReactorTwin.Adapters.Import.Petab;
using ReactorTwin.Adapters.Import.Sbml;
using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Host.Cli;

/// <summary>
/// <c>--petab PROBLEM.yaml</c> of <c>loglik</c> and <c>fit</c> (docs/petab.md): the problem file replaces
/// <c>--model</c>, <c>--data</c> and <c>--noise</c>; the SBML model, conditions, observables, noise models, bounds and
/// scales all come from the problem.
/// </summary>
internal static class PetabCommand
{
    /// <summary>The option.</summary>
    public static Option<string?> Option() => new("--petab") { Description = "A PEtab v1 problem (YAML): replaces --model, --data and --noise (docs/petab.md)." };

    /// <summary>
    /// Makes <paramref name="required"/> required unless <c>--petab</c> is given (they are declared not required), and
    /// refuses <paramref name="replaced"/> together with it.
    /// </summary>
    public static void Validate(Command command, Option<string?> petab, Option[] required, Option[] replaced)
    {
        command.Validators.Add(result =>
        {
            bool isPetab = result.GetValue(petab) is not null;
            foreach (var option in isPetab ? replaced : required)
            {
                bool given = result.GetResult(option) is { Implicit: false };
                if (!isPetab && !given)
                {
                    result.AddError($"Option '{option.Name}' is required.");
                }
                else if (isPetab && given)
                {
                    result.AddError($"--petab replaces {option.Name}: the problem file names the model, the data and the noise models");
                }
            }
        });
    }

    /// <summary>
    /// <c>--rtol</c> with <c>--petab</c> is an error: the PEtab objective integrates at its own rtol 1e−8 / atol 1e−12
    /// (smooth enough for its finite-difference gradients), and a tolerance that silently did nothing would mislead.
    /// </summary>
    public static void RefuseTolerance(Command command, Option<string?> petab, Option<double?> rtol)
    {
        command.Validators.Add(result =>
        {
            if (result.GetValue(petab) is not null && result.GetResult(rtol) is { Implicit: false })
            {
                result.AddError("--rtol is not available with --petab: the PEtab objective integrates at rtol 1e-8, atol 1e-12 (smooth enough for its finite-difference gradients)");
            }
        });
    }

    /// <summary><c>loglik --petab</c>: llh and chi2 as JSON, at the nominal values of the parameter table or <paramref name="values"/>.</summary>
    public static int Loglik(string path, IReadOnlyList<string> values, TextWriter stdout)
    {
        var (problem, x) = Load(path, values);
        var result = Guard(() => new PetabObjective(problem).Evaluate(x));
        stdout.WriteLine(Json(w =>
        {
            w.WriteString("problem", path);
            w.WriteNumber("llh", result.LogLikelihood);
            w.WriteNumber("chi2", result.Chi2);
            w.WriteNumber("measurements", problem.Measurements.Count);
        }));
        return 0;
    }

    /// <summary><c>fit --petab</c>: multi-start estimation of the rows marked estimate = 1, progress on stderr.</summary>
    public static int Fit(string path, FitMethod method, IReadOnlyList<string> values, int starts, int seed, string? outPath, TextWriter stdout, TextWriter stderr, TimeProvider time)
    {
        if (method != FitMethod.Mle)
        {
            throw new CliException($"--petab fits by maximum likelihood only (--method mle), not {method.ToString().ToLowerInvariant()}");
        }

        if (starts < 1)
        {
            throw new CliException($"--starts must be ≥ 1 (is {starts})");
        }

        var (problem, x) = Load(path, values);
        var nominal = problem.Parameters.Select((p, i) => p with { Nominal = x[i] }).ToList();
        problem = problem.WithParameters(nominal);
        var estimated = problem.Estimated;
        stderr.WriteLine($"fitting {estimated.Count} parameters of {path} to {problem.Measurements.Count} measurements with {starts} start(s)…");
        long started = time.GetTimestamp();
        PetabFitResult fit;
        using (var progress = new ProgressLine(stderr, time))
        {
            fit = Guard(() => PetabFit.Run(problem, new PetabFitOptions { Starts = starts, Seed = seed, MaxParallelism = 0, Progress = progress }, time));
        }

        var elapsed = time.GetElapsedTime(started);
        stderr.WriteLine(fit.Mle.Summary);
        var inv = CultureInfo.InvariantCulture;
        stdout.WriteLine(string.Create(inv, $"llh {fit.Evaluation.LogLikelihood:G10}, chi2 {fit.Evaluation.Chi2:G10}; {fit.Mle.Summary}; {elapsed.TotalSeconds:F2} s"));
        foreach (var (p, i) in problem.Parameters.Select((p, i) => (p, i)).Where(t => t.p.Estimate))
        {
            stdout.WriteLine(string.Create(inv, $"  {p.Id,-16} {fit.Values[i],14:G8}  [{p.Lower:G4}, {p.Upper:G4}] {Scale(p.Scale)}"));
        }

        if (outPath is not null)
        {
            File.WriteAllText(outPath, Json(w =>
            {
                w.WriteString("problem", path);
                w.WriteNumber("llh", fit.Evaluation.LogLikelihood);
                w.WriteNumber("chi2", fit.Evaluation.Chi2);
                w.WriteBoolean("converged", !fit.Mle.Partial);
                w.WriteString("summary", fit.Mle.Summary);
                w.WriteStartArray("parameters");
                foreach (var (p, i) in problem.Parameters.Select((p, i) => (p, i)))
                {
                    w.WriteStartObject();
                    w.WriteString("id", p.Id);
                    w.WriteNumber("value", fit.Values[i]);
                    w.WriteBoolean("estimated", p.Estimate);
                    w.WriteString("scale", Scale(p.Scale));
                    w.WriteNumber("lower", p.Lower);
                    w.WriteNumber("upper", p.Upper);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteNumber("starts", fit.Mle.Starts.Count);
                w.WriteNumber("evaluations", fit.Mle.Evaluations);
                w.WriteNumber("seconds", elapsed.TotalSeconds);
                w.WriteNumber("seed", seed);
            }));
            stdout.WriteLine($"wrote {outPath}");
        }

        return 0;
    }

    private static string Scale(PetabScale s) => s switch { PetabScale.Log => "log", PetabScale.Log10 => "log10", _ => "lin" };

    /// <summary>Loads the problem and the table's values with <c>--params ID=VALUE</c> overrides (natural scale).</summary>
    private static (PetabProblem Problem, double[] Values) Load(string path, IReadOnlyList<string> overrides)
    {
        var problem = Guard(() => PetabProblem.Load(path));
        var x = problem.Parameters.Select(p => p.Nominal).ToArray();
        var problems = new List<string>();
        foreach (string raw in overrides.SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            int eq = raw.IndexOf('=', StringComparison.Ordinal);
            int row = eq > 0 ? problem.Parameters.ToList().FindIndex(p => p.Id == raw[..eq].Trim()) : -1;
            if (eq <= 0)
            {
                problems.Add($"--params '{raw}': expected ID=VALUE");
            }
            else if (row < 0)
            {
                problems.Add($"--params {raw[..eq].Trim()}: not a parameterId of the parameter table ({string.Join(", ", problem.Parameters.Select(p => p.Id))})");
            }
            else if (!double.TryParse(raw[(eq + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out x[row]) || !double.IsFinite(x[row]))
            {
                problems.Add($"--params {problem.Parameters[row].Id}: '{raw[(eq + 1)..]}' is not a finite number");
            }
        }

        return problems.Count > 0 ? throw new CliException(string.Join(Environment.NewLine, problems)) : (problem, x);
    }

    /// <summary>Runs <paramref name="work"/>, turning the import's and the simulation's errors into user errors.</summary>
    private static T Guard<T>(Func<T> work)
    {
        try
        {
            return work();
        }
        catch (Exception ex) when (ex is PetabException or SbmlImportException or SimulationException or NotSupportedException or IOException or InvalidOperationException)
        {
            throw new CliException(ex.Message, ex);
        }
    }

    private static string Json(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
