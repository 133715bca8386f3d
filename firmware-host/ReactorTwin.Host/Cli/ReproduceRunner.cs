using System.Diagnostics;
using System.Globalization;
using System.Text;
using ReactorTwin.Core.Design;

namespace ReactorTwin.Host.Cli;

/// <summary>Settings of <c>reactortwin reproduce seed001</c>.</summary>
/// <param name="Replications">Macro-replications (seed: 15).</param>
/// <param name="Iterations">K (seed: 200).</param>
/// <param name="Seed">Master seed; replication r uses seed + r for every policy (common random numbers).</param>
/// <param name="OutDir">Output directory.</param>
/// <param name="Policies">Policy names.</param>
/// <param name="Estimator">The twin's update rule.</param>
/// <param name="Timings">Also time one replication per policy at 50/100/200/400 iterations (Table 2).</param>
/// <param name="Threads">Worker threads (0 = one per core).</param>
/// <param name="LearningRateScale">Factor applied to the seed's learning rates λ (1 = the seed).</param>
public sealed record ReproduceSettings(int Replications, int Iterations, int Seed, string OutDir, IReadOnlyList<string> Policies, TwinEstimator Estimator, bool Timings, int Threads, double LearningRateScale = 1.0);

/// <summary>
/// Runs the seed-001 calibration study (<see cref="Seed001Reproduction"/>) for several policies and replications in
/// parallel and writes traces.csv, summary.csv, figure4-mab.svg, figure5-parameters.svg, optionally runtime.csv, and a
/// summary table on stdout; progress on stderr.
/// </summary>
internal static class ReproduceRunner
{
    private static readonly int[] SummaryIterations = [60, 200];

    /// <summary>The seed's settings with every learning rate λ multiplied by <paramref name="scale"/> (a sensitivity
    /// study: the seed's λ are as large as the parameters themselves).</summary>
    private static CalibrationSettings Scaled(CalibrationSettings settings, double scale) =>
        scale == 1.0 ? settings : settings with { LearningRates = [.. settings.LearningRates.Select(l => l * scale)] };

    public static int Run(ReproduceSettings s, TextWriter stdout, TextWriter stderr, TimeProvider time)
    {
        if (s.Replications < 1 || s.Iterations < 1)
        {
            throw new CliException($"--replications and --iterations must be ≥ 1 (are {s.Replications} and {s.Iterations})");
        }

        foreach (var p in s.Policies)
        {
            if (!Seed001Reproduction.PolicyNames.Contains(p))
            {
                throw new CliException($"--policies: unknown policy '{p}'; known: {string.Join(", ", Seed001Reproduction.PolicyNames)}");
            }
        }

        Directory.CreateDirectory(s.OutDir);
        if (!(s.LearningRateScale > 0) || !double.IsFinite(s.LearningRateScale))
        {
            throw new CliException($"--learning-rate-scale: {s.LearningRateScale} must be finite and > 0");
        }

        var settings = Scaled(Seed001Reproduction.Settings(s.Iterations, s.Estimator), s.LearningRateScale);
        _ = settings.Model.Compiled.RateMixedHessian; // compile shared lazy derivatives before the workers start
        var jobs = (from p in s.Policies from r in Enumerable.Range(0, s.Replications) select (Policy: p, Rep: r)).ToArray();
        var traces = new CalibrationTrace[jobs.Length];
        long done = 0, total = (long)jobs.Length * s.Iterations;
        long start = time.GetTimestamp();
        int threads = s.Threads > 0 ? s.Threads : Environment.ProcessorCount;
        stderr.WriteLine($"seed001: {s.Policies.Count} polic{(s.Policies.Count == 1 ? "y" : "ies")} × {s.Replications} replication(s) × {s.Iterations} iterations, twin update {s.Estimator}, {threads} thread(s)");
        using (var line = new ProgressLine(stderr, time))
        {
            Parallel.For(0, jobs.Length, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
            {
                var experiment = new CalibrationExperiment(settings);
                var policy = Seed001Reproduction.CreatePolicy(jobs[i].Policy, experiment, settings);
                var progress = new InlineProgress(_ =>
                {
                    long d = Interlocked.Increment(ref done);
                    line.Report(new ReactorTwin.Core.Estimation.EstimationProgress("seed001", d, total, "iterations", $"{jobs.Length} runs of {s.Iterations} iterations"));
                });
                traces[i] = experiment.Run(policy, s.Seed + jobs[i].Rep, progress);
            });
        }

        double wall = time.GetElapsedTime(start).TotalSeconds;

        WriteTraces(Path.Combine(s.OutDir, "traces.csv"), jobs, traces);
        var summary = Summarise(s, traces);
        WriteSummary(Path.Combine(s.OutDir, "summary.csv"), summary);
        string[] colors = ["#d62728", "#2ca02c", "#1f77b4", "#9467bd"];
        File.WriteAllText(Path.Combine(s.OutDir, "figure4-mab.svg"), SvgChart.Render("mAb prediction error (seed 001 Figure 4)", "iteration", "MRE of mAb(72 h) prediction", Series(summary, colors, pred: true), logY: true));
        File.WriteAllText(Path.Combine(s.OutDir, "figure5-parameters.svg"), SvgChart.Render("Parameter estimation error (seed 001 Figure 5)", "iteration", "MRE of the 7 parameters", Series(summary, colors, pred: false), logY: true));

        var inv = CultureInfo.InvariantCulture;
        stdout.WriteLine(string.Create(inv, $"seed001 reproduction: {s.Replications} replications × {s.Iterations} iterations, twin update {s.Estimator}, {wall:F1} s wall on {threads} thread(s)"));
        int[] marks = [.. SummaryIterations.Where(k => k <= s.Iterations).Append(s.Iterations).Distinct()];
        stdout.WriteLine($"{"policy",-10} {"iter",5} {"param MRE (95% CI)",-28} {"mAb MRE (95% CI)",-28}");
        foreach (var p in s.Policies)
        {
            foreach (int k in marks)
            {
                var (pm, ym) = summary[p][k];
                stdout.WriteLine(string.Create(inv, $"{p,-10} {k,5} {Fmt(pm),-28} {Fmt(ym),-28}"));
            }
        }

        if (s.Timings)
        {
            RunTimings(s, stdout, stderr, time);
        }

        stdout.WriteLine($"wrote {s.OutDir}/traces.csv, summary.csv, figure4-mab.svg, figure5-parameters.svg{(s.Timings ? ", runtime.csv" : "")}");
        return 0;
    }

    private static string Fmt(MeanInterval m) => string.Create(CultureInfo.InvariantCulture, $"{m.Mean * 100:F1} % [{m.Lower * 100:F1}, {m.Upper * 100:F1}]");

    private static Dictionary<string, (MeanInterval Param, MeanInterval Pred)[]> Summarise(ReproduceSettings s, CalibrationTrace[] traces)
    {
        var result = new Dictionary<string, (MeanInterval, MeanInterval)[]>();
        foreach (var p in s.Policies)
        {
            var mine = traces.Where(t => t.Policy == p).ToArray();
            var rows = new (MeanInterval, MeanInterval)[s.Iterations + 1];
            for (int k = 0; k <= s.Iterations; k++)
            {
                rows[k] = (MeanInterval.Of(mine.Select(t => t.ParameterMre[k])), MeanInterval.Of(mine.Select(t => t.PredictionMre[k])));
            }

            result[p] = rows;
        }

        return result;
    }

    private static List<ChartSeries> Series(Dictionary<string, (MeanInterval Param, MeanInterval Pred)[]> summary, string[] colors, bool pred)
    {
        var list = new List<ChartSeries>();
        int c = 0;
        foreach (var (name, rows) in summary)
        {
            var x = Enumerable.Range(0, rows.Length).Select(i => (double)i).ToArray();
            var sel = rows.Select(r => pred ? r.Pred : r.Param).ToArray();
            list.Add(new ChartSeries(name, colors[c++ % colors.Length], x, [.. sel.Select(m => m.Mean)], [.. sel.Select(m => m.Lower)], [.. sel.Select(m => m.Upper)]));
        }

        return list;
    }

    private static void WriteTraces(string path, (string Policy, int Rep)[] jobs, CalibrationTrace[] traces)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder("policy,replication,iteration,design_GLC,param_mre,mab_mre,skipped_updates\n");
        for (int i = 0; i < jobs.Length; i++)
        {
            var t = traces[i];
            for (int k = 0; k < t.ParameterMre.Length; k++)
            {
                sb.Append(inv, $"{t.Policy},{jobs[i].Rep + 1},{k},{string.Join(';', t.Designs[k].Select(v => v.ToString("R", inv)))},{t.ParameterMre[k]:R},{t.PredictionMre[k]:R},{t.SkippedUpdates}\n");
            }
        }

        File.WriteAllText(path, sb.ToString());
    }

    private static void WriteSummary(string path, Dictionary<string, (MeanInterval Param, MeanInterval Pred)[]> summary)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder("policy,iteration,param_mre_mean,param_mre_lo95,param_mre_hi95,mab_mre_mean,mab_mre_lo95,mab_mre_hi95,replications\n");
        foreach (var (p, rows) in summary)
        {
            for (int k = 0; k < rows.Length; k++)
            {
                var (a, b) = rows[k];
                sb.Append(inv, $"{p},{k},{a.Mean:R},{a.Lower:R},{a.Upper:R},{b.Mean:R},{b.Lower:R},{b.Upper:R},{a.Count}\n");
            }
        }

        File.WriteAllText(path, sb.ToString());
    }

    private static void RunTimings(ReproduceSettings s, TextWriter stdout, TextWriter stderr, TimeProvider time)
    {
        int[] counts = [50, 100, 200, 400];
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder("policy,iterations,seconds\n");
        stdout.WriteLine("runtime of one replication (s, single thread; seed Table 2 reports hours):");
        stdout.WriteLine($"{"policy",-10} {"50",8} {"100",8} {"200",8} {"400",8}");
        foreach (var p in s.Policies)
        {
            var line = new StringBuilder(string.Create(inv, $"{p,-10}"));
            foreach (int k in counts)
            {
                stderr.Write($"\rtiming {p} at {k} iterations…   ");
                var settings = Scaled(Seed001Reproduction.Settings(k, s.Estimator), s.LearningRateScale);
                var experiment = new CalibrationExperiment(settings);
                var policy = Seed001Reproduction.CreatePolicy(p, experiment, settings);
                long t0 = time.GetTimestamp();
                experiment.Run(policy, s.Seed);
                double secs = time.GetElapsedTime(t0).TotalSeconds;
                sb.Append(inv, $"{p},{k},{secs:F3}\n");
                line.Append(inv, $" {secs,8:F2}");
            }

            stdout.WriteLine(line.ToString());
        }

        stderr.WriteLine();
        File.WriteAllText(Path.Combine(s.OutDir, "runtime.csv"), sb.ToString());
    }

    /// <summary>IProgress that calls back on the reporting thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class InlineProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
