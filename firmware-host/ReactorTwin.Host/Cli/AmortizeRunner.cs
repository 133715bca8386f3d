using System.Globalization;
using ReactorTwin.Core.Amortized;
using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Host.Cli;

/// <summary>Settings of <c>reactortwin amortize</c>.</summary>
/// <param name="Model">Built-in model name or model file.</param>
/// <param name="Observations">NAME=SD items: the measured states and their noise sd.</param>
/// <param name="Readings">Readings per experiment.</param>
/// <param name="Hours">Experiment length (h).</param>
/// <param name="Samples">Simulated experiments (training + held out).</param>
/// <param name="Hidden">Hidden width H.</param>
/// <param name="Epochs">Training epochs.</param>
/// <param name="BatchSize">Experiments per Adam step.</param>
/// <param name="LearningRate">Adam's initial step size.</param>
/// <param name="Seed">Seed of the simulations and of training.</param>
/// <param name="Threads">Simulation threads (0: one per core).</param>
/// <param name="Out">The weight file to write.</param>
internal sealed record AmortizeSettings(string Model, string[] Observations, int Readings, double Hours, int Samples, int Hidden, int Epochs, int BatchSize, double LearningRate, int Seed, int Threads, string Out);

/// <summary>
/// <c>reactortwin amortize</c>: simulates a training set from the model's priors, trains the Deep Set network of seed
/// 002 (docs/amortized-inference.md), writes the weight file, its loss curve (OUT.loss.svg and OUT.loss.csv), and prints
/// the held-out loss and the coverage of the 95 % intervals on the held-out experiments.
/// </summary>
internal static class AmortizeRunner
{
    public static int Run(AmortizeSettings s, TextWriter stdout, TextWriter stderr, TimeProvider time)
    {
        var inv = CultureInfo.InvariantCulture;
        var model = ModelResolver.Resolve(s.Model);
        var design = ParseDesign(model, s.Observations, s.Readings, s.Hours);
        if (s.Samples < 20)
        {
            throw new CliException($"--samples must be ≥ 20 (got {s.Samples}): a tenth is held out");
        }

        if (s.Threads < 0)
        {
            throw new CliException($"--threads must be ≥ 0 (got {s.Threads})");
        }

        var options = new AmortizedTrainingOptions { Hidden = s.Hidden, Epochs = s.Epochs, BatchSize = s.BatchSize, LearningRate = s.LearningRate, Seed = s.Seed };
        try
        {
            options.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new CliException("amortize: " + ex.Message, ex);
        }

        var space = new ParameterSpace(model);
        if (space.Dimension == 0)
        {
            throw new CliException($"model '{model.Name}' has no estimated parameter");
        }

        PriorStandardization prior;
        try
        {
            prior = PriorStandardization.For(space);
        }
        catch (ArgumentException ex)
        {
            throw new CliException($"model '{model.Name}': its priors cannot be mapped to a standard normal: {ex.Message}", ex);
        }

        string? dir = Path.GetDirectoryName(Path.GetFullPath(s.Out));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        long started = time.GetTimestamp();
        TrainingSet set;
        using (var progress = new ProgressLine(stderr, time))
        {
            set = TrainingSetSimulator.Simulate(space, prior, design, s.Samples, s.Seed, s.Threads, progress);
        }

        var simulated = time.GetElapsedTime(started);
        AmortizedTrainingResult result;
        using (var progress = new ProgressLine(stderr, time))
        {
            result = DeepSetTrainer.Train(model, design, prior, set, options with { Progress = progress });
        }

        var trained = time.GetElapsedTime(started) - simulated;
        using (var file = File.Create(s.Out))
        {
            AmortizedNetworkFile.Write(result.Network, model, file);
        }

        WriteCurve(s.Out, result);
        var coverage = AmortizedComparison.Coverage(result.Network, set, 0.95, result.TrainingCount, set.Count);
        stdout.WriteLine(string.Create(inv, $"model {model.Name}: {set.Count} simulated experiments ({result.TrainingCount} trained on, {result.HeldOutCount} held out), {design.Count} readings over {design.HorizonHours:G4} h of {string.Join(", ", result.Network.ChannelNames)}"));
        stdout.WriteLine(string.Create(inv, $"simulation {simulated.TotalSeconds:F1} s, training {trained.TotalSeconds:F1} s; network C = {design.ChannelCount}, H = {s.Hidden}, p = {space.Dimension}, {result.Network.Network.Weights.Length} weights"));
        stdout.WriteLine(string.Create(inv, $"held-out NLL {result.HeldOutLoss[result.BestEpoch]:F4} at epoch {result.BestEpoch + 1} of {s.Epochs} (training NLL {result.TrainingLoss[result.BestEpoch]:F4}; the prior alone scores {0.5 * space.Dimension:F1})"));
        stdout.WriteLine("coverage of the 95 % intervals on the held-out experiments: " + string.Join(", ", prior.Parameters.Select((p, j) => string.Create(inv, $"{p.Name} {100 * coverage[j]:F1} %"))));
        stdout.WriteLine($"wrote {s.Out}, {LossPath(s.Out, "svg")}, {LossPath(s.Out, "csv")}");
        return 0;
    }

    /// <summary>The design from NAME=SD items (states only) and the reading count and horizon.</summary>
    internal static ObservationDesign ParseDesign(ReactionNetwork model, IEnumerable<string> items, int readings, double hours)
    {
        var channels = new List<int>();
        var sds = new List<double>();
        foreach (string item in items.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            int eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new CliException($"--observations: '{item}' is not NAME=SD");
            }

            string name = item[..eq];
            int index = model.StateNames.ToList().IndexOf(name);
            if (index < 0)
            {
                throw new CliException($"--observations: '{name}' is not a state of model '{model.Name}' (states: {string.Join(", ", model.StateNames)})");
            }

            if (!double.TryParse(item[(eq + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double sd) || !(sd > 0) || double.IsInfinity(sd))
            {
                throw new CliException($"--observations: the noise sd of {name} must be a number > 0, not '{item[(eq + 1)..]}'");
            }

            if (channels.Contains(index))
            {
                throw new CliException($"--observations: {name} is given twice");
            }

            channels.Add(index);
            sds.Add(sd);
        }

        if (channels.Count == 0)
        {
            throw new CliException("--observations: name at least one measured state, e.g. --observations S=0.1,P=0.1");
        }

        var design = new ObservationDesign([.. channels], [.. sds], readings, hours);
        try
        {
            design.Validate(model);
        }
        catch (ArgumentException ex)
        {
            throw new CliException(ex.Message.Contains("readings", StringComparison.Ordinal) ? "--readings: " + ex.Message : "--hours: " + ex.Message, ex);
        }

        return design;
    }

    private static string LossPath(string net, string extension) => Path.ChangeExtension(net, null) + ".loss." + extension;

    private static void WriteCurve(string net, AmortizedTrainingResult result)
    {
        var inv = CultureInfo.InvariantCulture;
        var epochs = Enumerable.Range(1, result.HeldOutLoss.Length).Select(e => (double)e).ToArray();
        var series = new List<ChartSeries>
        {
            new("training", "#1f77b4", epochs, result.TrainingLoss),
            new("held out", "#d62728", epochs, result.HeldOutLoss),
        };
        File.WriteAllText(LossPath(net, "svg"), SvgChart.Render("Amortized network: loss per experiment (Gaussian NLL in the standardised space)", "epoch", "NLL", series, logY: false));
        using var csv = new StreamWriter(LossPath(net, "csv"));
        csv.WriteLine("epoch,training_nll,held_out_nll");
        for (int e = 0; e < epochs.Length; e++)
        {
            csv.WriteLine(string.Create(inv, $"{e + 1},{result.TrainingLoss[e]:R},{result.HeldOutLoss[e]:R}"));
        }
    }
}
