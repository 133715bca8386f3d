using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Benchmarks;

/// <summary>
/// Same-run comparison of least-squares fits with SciPy: the dynamic Monod model (benchmarks/models/monod-glc-ace.json:
/// glucose, acetate, biomass with yield; 4 parameters on log scale) fitted to the three real E. coli batches of
/// Enjalbert et al. (2017) (millard_all_shifted.csv, 35 times × 3 species after the t = 0 samples that set the initial
/// states), measurement SDs GLC 0.5 mM, ACE 0.5 mM, X 0.2 g/L, the ODE likelihood at rtol 1e−6 / atol 1e−9. Per round:
/// ReactorTwin's multi-start Levenberg–Marquardt and BFGS-B (8 starts, seed 1, one thread), then
/// benchmarks/scipy/monod_least_squares.py from the same 8 starts within the same bounds (least_squares "trf", with
/// a forward-sensitivity Jacobian and with "2-point" differences). Prints wall times, evaluations, the optimum of
/// each, and the largest relative difference of θ against ReactorTwin's LM optimum.
/// Run: <c>dotnet run -c Release --project benchmarks/ReactorTwin.Benchmarks -- study monod-lsq [rounds]</c>.
/// </summary>
internal static class MonodLeastSquaresStudy
{
    public static void Run(string[] args)
    {
        int rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
        string root = ScipyComparison.RepositoryRoot();
        string python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var (model, data, noise, space, csv) = Problem();
        var options = new MultiStartMleOptions { Starts = 8, Seed = 1, MaxParallelism = 1 };
        Func<IResidualFunction> residuals = () => new OdeResiduals(space, new OdeLikelihood(model, space.Indices), data, noise);
        Func<ILogDensity> density = () => new PosteriorDensity(space, new OdeDataLikelihood(new OdeLikelihood(model, space.Indices), data, noise));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"monod-glc-ace: {data.Batches.Count} batches, {OdeLikelihood.ResidualCount(data)} residuals, {space.Dimension} parameters, {options.Starts} starts"));
        string starts = Path.Combine(Path.GetTempPath(), "reactortwin-monod-starts.json");
        for (int round = 1; round <= rounds; round++)
        {
            var (lm, lmSeconds) = Timed(() => MultiStartMle.Fit(residuals, space, options), 5);
            var (bfgs, bfgsSeconds) = Timed(() => MultiStartMle.Fit(density, space, options), 3);
            Report(round, "ReactorTwin levenberg-marquardt", lm, lmSeconds, lm.Optimum);
            Report(round, "ReactorTwin bfgs-b", bfgs, bfgsSeconds, lm.Optimum);
            WriteStarts(starts, lm, space);
            foreach (string jac in new[] { "sens", "2-point" })
            {
                string output = ScipyComparison.RunPeer(python, Path.Combine(root, "benchmarks", "scipy", "monod_least_squares.py"), $"\"{csv}\" \"{starts}\" --jac {jac} --repeat {(jac == "sens" ? 3 : 1)}");
                using var doc = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
                var peer = doc.RootElement;
                var u = peer.GetProperty("optimum").EnumerateArray().Select(e => e.GetDouble()).ToArray();
                double wall = peer.GetProperty("wallSeconds").GetDouble();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {round}: {peer.GetProperty("peer").GetString()}: loglik {peer.GetProperty("loglik").GetDouble():R}, θ {Theta(u)}, max |Δθ/θ| vs ReactorTwin LM {MaxRelative(u, lm.Optimum):E2}, nfev {peer.GetProperty("nfev").GetInt32()}, njev {peer.GetProperty("njev").GetInt32()}, wall {wall * 1e3:F1} ms; ratio scipy/ReactorTwin LM {wall / lmSeconds:F1}"));
            }
        }
    }

    /// <summary>The model, the three batches, their noise and the parameter space (and the data file's path).</summary>
    internal static (ReactionNetwork Model, ObservationSet Data, MeasurementNoise Noise, ParameterSpace Space, string Csv) Problem()
    {
        string root = ScipyComparison.RepositoryRoot();
        string csv = Path.Combine(root, "tests", "ReactorTwin.Host.Tests", "Fixtures", "data", "millard_all_shifted.csv");
        var model = ModelJson.Parse(File.ReadAllText(Path.Combine(root, "benchmarks", "models", "monod-glc-ace.json")), "monod-glc-ace.json");
        var data = ObservationSet.FromRows(model, Rows(csv), csv);
        var noise = new MeasurementNoise(model.StateDimension)
            .SetAbsolute(model.IndexOfState("GLC"), 0.5).SetAbsolute(model.IndexOfState("ACE"), 0.5).SetAbsolute(model.IndexOfState("X"), 0.2);
        return (model, data, noise, new ParameterSpace(model), csv);
    }

    private static void Report(int round, string what, MleResult r, double seconds, double[] reference) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"round {round}: {what}: loglik {r.LogLikelihood:R}, θ {Theta(r.Optimum)}, max |Δθ/θ| vs LM {MaxRelative(r.Optimum, reference):E2}, {r.Evaluations} evaluations, {r.Starts.Count(s => s.Converged)}/{r.Starts.Count} converged, wall {seconds * 1e3:F1} ms (median)"));

    private static string Theta(double[] u) => "(" + string.Join(", ", u.Select(x => Math.Exp(x).ToString("G7", CultureInfo.InvariantCulture))) + ")";

    private static double MaxRelative(double[] u, double[] reference)
    {
        double worst = 0;
        for (int j = 0; j < u.Length; j++)
        {
            worst = Math.Max(worst, Math.Abs(Math.Exp(u[j] - reference[j]) - 1));
        }

        return worst;
    }

    /// <summary>Median wall time of <paramref name="repeats"/> runs after one warm-up.</summary>
    private static (MleResult Result, double Seconds) Timed(Func<MleResult> fit, int repeats)
    {
        var result = fit();
        var walls = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            result = fit();
            walls[i] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        }

        Array.Sort(walls);
        return (result, walls[repeats / 2]);
    }

    private static void WriteStarts(string path, MleResult fit, ParameterSpace space)
    {
        using var stream = File.Create(path);
        using var w = new Utf8JsonWriter(stream);
        w.WriteStartObject();
        w.WriteStartArray("starts");
        foreach (var s in fit.Starts)
        {
            w.WriteStartArray();
            foreach (double x in s.Start)
            {
                w.WriteNumberValue(x);
            }

            w.WriteEndArray();
        }

        w.WriteEndArray();
        w.WriteStartArray("lower");
        foreach (double x in space.Lower)
        {
            w.WriteNumberValue(x);
        }

        w.WriteEndArray();
        w.WriteStartArray("upper");
        foreach (double x in space.Upper)
        {
            w.WriteNumberValue(x);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>The long CSV <c>batch,time_h,species,value</c>.</summary>
    private static IEnumerable<DataRow> Rows(string path) =>
        File.ReadLines(path).Skip(1).Where(l => l.Length > 0).Select((line, i) =>
        {
            var f = line.Split(',');
            return new DataRow(f[0], double.Parse(f[1], CultureInfo.InvariantCulture), f[2], double.Parse(f[3], CultureInfo.InvariantCulture), i + 2);
        });
}
