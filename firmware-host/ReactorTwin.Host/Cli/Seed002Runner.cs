using System.Globalization;
using System.Text;
using ReactorTwin.Core.Amortized;
using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Host.Cli;

/// <summary>Settings of <c>reactortwin reproduce seed002</c>.</summary>
/// <param name="TrainingSizes">Training-set sizes to train a network at (the last is the table's).</param>
/// <param name="TestSets">Simulated test experiments (the seed: 1024).</param>
/// <param name="Epochs">Training epochs per network.</param>
/// <param name="Seed">Master seed.</param>
/// <param name="Threads">Threads for simulation and BFGS (0: one per core).</param>
/// <param name="Out">Output directory.</param>
/// <param name="Problem">The table's column: MMK or E. coli.</param>
/// <param name="BfgsIterations">Iteration limit of every BFGS fit (the seed: 1024).</param>
internal sealed record Seed002Settings(int[] TrainingSizes, int TestSets, int Epochs, int Seed, int Threads, string Out, Seed002Problem Problem, int BfgsIterations);

/// <summary>
/// Reproduces a column of seed 002's Table 1 (MMK or E. coli; docs/reproduction-seed002.md): 1024 test experiments
/// simulated from the prior (14 readings over 2 h for MMK, 30 over 6 h for E. coli, one channel per reading, initial
/// values unknown); BFGS-B with 1, 2, 4 and 8 starts
/// drawn from the prior (the best of that many independent 1024-iteration fits), the network trained at each
/// training-set size, and the network followed by one BFGS fit from its estimate; R² on noise-normalised squared
/// errors and the time per sample; the coverage of the last network's 95 % intervals on fresh simulations. Writes
/// table1.md, table1.csv, coverage.csv, r2-vs-training-size.csv/.svg and the last network (network.rtnet).
/// </summary>
internal static class Seed002Runner
{
    /// <summary>Fresh experiments on which the coverage of the network's intervals is counted.</summary>
    private const int CalibrationSets = 1024;

    public static int Run(Seed002Settings s, TextWriter stdout, TextWriter stderr, TimeProvider time)
    {
        var inv = CultureInfo.InvariantCulture;
        if (s.TrainingSizes.Length == 0 || s.TrainingSizes.Any(n => n < 20))
        {
            throw new CliException("--samples: give training-set sizes ≥ 20, comma separated (e.g. 4000,16000,64000)");
        }

        if (s.TestSets < 2 || s.Epochs < 1 || s.Threads < 0 || s.BfgsIterations < 1)
        {
            throw new CliException($"--test-sets must be ≥ 2, --epochs ≥ 1, --threads ≥ 0 and --bfgs-iterations ≥ 1 (got {s.TestSets}, {s.Epochs}, {s.Threads}, {s.BfgsIterations})");
        }

        Directory.CreateDirectory(s.Out);
        int workers = s.Threads == 0 ? Environment.ProcessorCount : s.Threads;
        var problem = s.Problem;
        var model = BuiltInModels.Load(problem.ModelName);
        var space = new ParameterSpace(model);
        var design = problem.Design(model);
        var prior = PriorStandardization.For(space);
        var test = TrainingSetSimulator.Simulate(space, prior, design, s.TestSets, s.Seed + 1_000_000, s.Threads);
        double r2Truth = AmortizedComparison.RSquared(space, design, test, test.Theta);

        // BFGS from 8 independent prior draws; k starts = the best of the first k fits.
        var fits = new List<BfgsEstimates>();
        var fitSeconds = new List<double>();
        for (int f = 0; f < 8; f++)
        {
            var starts = AmortizedComparison.PriorDraws(prior, test.Count, s.Seed + 2_000_000 + f);
            long t0 = time.GetTimestamp();
            using (var progress = new ProgressLine(stderr, time))
            {
                fits.Add(AmortizedComparison.FitBfgs(space, design, test, starts, s.BfgsIterations, s.Threads, Stage(progress, $"BFGS start {f + 1}/8")));
            }

            fitSeconds.Add(time.GetElapsedTime(t0).TotalSeconds * workers / test.Count);
        }

        var rows = new List<(string Method, double R2, string Time, string Note)>();
        foreach (int k in new[] { 1, 2, 4, 8 })
        {
            var best = BfgsEstimates.Best(fits.Take(k).ToList());
            rows.Add(($"BFGS, {k} start{(k > 1 ? "s" : "")}", AmortizedComparison.RSquared(space, design, test, best.Theta), Duration(fitSeconds.Take(k).Sum()), $"{best.Failed} failed; mean {best.Iterations.Average():F0} iterations"));
        }

        var growth = new List<(int Size, double R2, double R2Refined, double HeldOut)>();
        AmortizedNetwork? last = null;
        double networkSeconds = 0, refineSeconds = 0;
        double r2Refined = double.NaN;
        BfgsEstimates? refined = null;
        foreach (int size in s.TrainingSizes)
        {
            var set = TrainingSetSimulator.Simulate(space, prior, design, size, s.Seed + size, s.Threads);
            AmortizedTrainingResult training;
            using (var progress = new ProgressLine(stderr, time))
            {
                training = DeepSetTrainer.Train(model, design, prior, set, new AmortizedTrainingOptions { Hidden = problem.Hidden, Epochs = s.Epochs, BatchSize = 32, LearningRate = 3e-3, Seed = s.Seed, Progress = Stage(progress, $"train on {size}") });
            }

            last = training.Network;
            AmortizedComparison.NetworkEstimates(last, test); // once for the JIT, then timed
            long t0 = time.GetTimestamp();
            var estimates = AmortizedComparison.NetworkEstimates(last, test);
            networkSeconds = time.GetElapsedTime(t0).TotalSeconds / test.Count;
            double r2 = AmortizedComparison.RSquared(space, design, test, estimates);
            t0 = time.GetTimestamp();
            using (var progress = new ProgressLine(stderr, time))
            {
                refined = AmortizedComparison.FitBfgs(space, design, test, estimates, s.BfgsIterations, s.Threads, Stage(progress, $"BFGS from the network ({size})"));
            }

            refineSeconds = time.GetElapsedTime(t0).TotalSeconds * workers / test.Count;
            r2Refined = AmortizedComparison.RSquared(space, design, test, refined.Theta);
            growth.Add((size, r2, r2Refined, training.HeldOutLoss[training.BestEpoch]));
            stdout.WriteLine(string.Create(inv, $"training size {size}: network R² {r2:F4}, network + BFGS {r2Refined:F4}, held-out NLL {training.HeldOutLoss[training.BestEpoch]:F3}"));
        }

        // Calibration of the last network's intervals on fresh simulations (cheap: no fit), and the network itself.
        var calibration = TrainingSetSimulator.Simulate(space, prior, design, CalibrationSets, s.Seed + 3_000_000, s.Threads);
        double[] coverage = AmortizedComparison.Coverage(last!, calibration, 0.95, 0, calibration.Count);
        string[] names = [.. space.Names];
        using (var file = File.Create(Path.Combine(s.Out, "network.rtnet")))
        {
            AmortizedNetworkFile.Write(last!, model, file);
        }

        rows.Add(($"Deep Inference (trained on {s.TrainingSizes[^1]})", growth[^1].R2, Us(networkSeconds) + " (CPU, one thread)", "posterior median of the Gaussian head"));
        rows.Add(("Deep Inference + BFGS", r2Refined, Us(networkSeconds) + " + " + Duration(refineSeconds), $"{refined!.Failed} failed; mean {refined.Iterations.Average():F0} iterations"));
        rows.Add(("(true parameters)", r2Truth, "–", "the noise's share of the variance bounds R²"));

        var md = new StringBuilder();
        md.AppendLine(inv, $"# Seed 002, Table 1 ({problem.Title}, model {problem.ModelName}): {test.Count} test experiments, {design.Count} readings over {design.HorizonHours:G} h, BFGS ≤ {s.BfgsIterations} iterations, seed {s.Seed}");
        md.AppendLine();
        md.AppendLine("| method | R² (ReactorTwin) | time per sample (ReactorTwin) | R² (seed) | time (seed) | note |");
        md.AppendLine("|---|---:|---:|---:|---:|---|");
        for (int i = 0; i < rows.Count; i++)
        {
            var seed = i < problem.SeedRows.Length ? problem.SeedRows[i] : (R2: "–", Time: "–");
            md.AppendLine(inv, $"| {rows[i].Method} | {rows[i].R2:F4} | {rows[i].Time} | {seed.R2} | {seed.Time} | {rows[i].Note} |");
        }

        md.AppendLine();
        md.AppendLine("| training experiments | network R² | network + BFGS R² | held-out NLL |");
        md.AppendLine("|---:|---:|---:|---:|");
        foreach (var g in growth)
        {
            md.AppendLine(inv, $"| {g.Size} | {g.R2:F4} | {g.R2Refined:F4} | {g.HeldOut:F3} |");
        }

        md.AppendLine();
        md.AppendLine(inv, $"Coverage of the network's 95 % intervals on {calibration.Count} fresh simulated experiments (calibrated: about 95 %):");
        md.AppendLine();
        md.AppendLine("| parameter | coverage |");
        md.AppendLine("|---|---:|");
        for (int j = 0; j < coverage.Length; j++)
        {
            md.AppendLine(inv, $"| {names[j]} | {100 * coverage[j]:F1} % |");
        }

        File.WriteAllText(Path.Combine(s.Out, "table1.md"), md.ToString());
        File.WriteAllLines(Path.Combine(s.Out, "coverage.csv"), ["parameter,coverage_95", .. coverage.Select((c, j) => string.Create(inv, $"{names[j]},{c:R}"))]);
        using (var csv = new StreamWriter(Path.Combine(s.Out, "table1.csv")))
        {
            csv.WriteLine("method,r2,time_per_sample,note");
            foreach (var r in rows)
            {
                csv.WriteLine(string.Create(inv, $"\"{r.Method}\",{r.R2:R},\"{r.Time}\",\"{r.Note}\""));
            }
        }

        using (var csv = new StreamWriter(Path.Combine(s.Out, "r2-vs-training-size.csv")))
        {
            csv.WriteLine("training_experiments,network_r2,network_bfgs_r2,held_out_nll");
            foreach (var g in growth)
            {
                csv.WriteLine(string.Create(inv, $"{g.Size},{g.R2:R},{g.R2Refined:R},{g.HeldOut:R}"));
            }
        }

        var x = growth.Select(g => Math.Log10(g.Size)).ToArray();
        File.WriteAllText(Path.Combine(s.Out, "r2-vs-training-size.svg"), SvgChart.Render($"Seed 002, {problem.Title}: R² against the training-set size", "log10 training experiments", "R²",
        [
            new ChartSeries("network", "#d62728", x, growth.Select(g => g.R2).ToArray(), Points: true),
            new ChartSeries("network + BFGS", "#2ca02c", x, growth.Select(g => g.R2Refined).ToArray(), Points: true),
            new ChartSeries("BFGS, 1 start", "#1f77b4", x, x.Select(_ => rows[0].R2).ToArray(), Dashed: true),
            new ChartSeries("BFGS, 8 starts", "#9467bd", x, x.Select(_ => rows[3].R2).ToArray(), Dashed: true),
        ], logY: false));
        stdout.Write(md.ToString());
        stdout.WriteLine($"wrote {Path.Combine(s.Out, "table1.md")}, table1.csv, coverage.csv, r2-vs-training-size.csv, r2-vs-training-size.svg, network.rtnet");
        return 0;
    }

    private static StageProgress Stage(IProgress<EstimationProgress> inner, string stage) =>
        new StageProgress(inner, stage);

    private static string Duration(double seconds) => seconds >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{seconds:F2} s")
        : string.Create(CultureInfo.InvariantCulture, $"{seconds * 1e3:F1} ms");

    private static string Us(double seconds) => string.Create(CultureInfo.InvariantCulture, $"{seconds * 1e6:F0} µs");

    private sealed class StageProgress(IProgress<EstimationProgress> inner, string stage) : IProgress<EstimationProgress>
    {
        public void Report(EstimationProgress value) => inner.Report(value with { Stage = stage });
    }
}
