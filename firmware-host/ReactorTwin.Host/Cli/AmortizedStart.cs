using System.Globalization;
using ReactorTwin.Core.Amortized;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Host.Cli;

/// <summary>
/// <c>fit --init amortized:NET</c>: the start of the fit from a trained network (seed 002's "Deep Inference + BFGS"):
/// the batch's readings of the network's channels go through the network, and its posterior median replaces the
/// start values of the parameters it estimates. Readings of other channels are left out (and said so).
/// </summary>
internal static class AmortizedStart
{
    /// <summary>The prefix of the option's value.</summary>
    public const string Prefix = "amortized:";

    /// <summary>Writes the network's estimate into <paramref name="theta"/> and reports it on stderr.</summary>
    /// <exception cref="CliException">The option is malformed, the file cannot be read or belongs to another model, or
    /// the data are not one batch with readings of the network's channels.</exception>
    public static void Apply(string init, ReactionNetwork model, ObservationSet data, string dataPath, double[] theta, TextWriter stderr)
    {
        var inv = CultureInfo.InvariantCulture;
        if (!init.StartsWith(Prefix, StringComparison.Ordinal) || init.Length == Prefix.Length)
        {
            throw new CliException($"--init: expected amortized:NET.rtnet, not '{init}'");
        }

        string path = init[Prefix.Length..];
        AmortizedNetwork network;
        try
        {
            using var stream = File.OpenRead(path);
            network = AmortizedNetworkFile.Read(stream, model, path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new CliException("--init: " + ex.Message, ex);
        }

        if (data.Batches.Count != 1)
        {
            throw new CliException($"--init amortized: the network estimates from one batch, and {dataPath} has {data.Batches.Count}");
        }

        var times = new List<double>();
        var channels = new List<int>();
        var values = new List<double>();
        var ignored = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var at in data.Batches[0].Times)
        {
            for (int i = 0; i < at.Components.Length; i++)
            {
                int c = Array.IndexOf(network.Design.Channels, at.Components[i]);
                if (c < 0)
                {
                    ignored.Add(model.ChannelNames[at.Components[i]]);
                    continue;
                }

                times.Add(at.TimeHours);
                channels.Add(c);
                values.Add(at.Values[i]);
            }
        }

        if (times.Count == 0)
        {
            throw new CliException($"--init amortized: {dataPath} has no reading of the network's channels ({string.Join(", ", network.ChannelNames)})");
        }

        if (ignored.Count > 0)
        {
            stderr.WriteLine($"note: --init amortized: the network does not read {string.Join(", ", ignored)}; those readings only enter the fit");
        }

        int p = network.ParameterCount;
        var mean = new double[p];
        var logSd = new double[p];
        var median = new double[p];
        var lower = new double[p];
        var upper = new double[p];
        network.Estimate([.. times], [.. channels], [.. values], mean, logSd);
        network.ToNatural(mean, logSd, 0.95, median, lower, upper);
        var parts = new List<string>();
        for (int j = 0; j < p; j++)
        {
            string name = network.Standardization.Parameters[j].Name;
            int k = model.Parameters.ToList().FindIndex(q => q.Name == name);
            theta[k] = median[j];
            parts.Add(string.Create(inv, $"{name} = {median[j]:G4} [{lower[j]:G4}, {upper[j]:G4}]"));
        }

        stderr.WriteLine($"amortized start from {Path.GetFileName(path)} ({times.Count} readings; 95 % intervals): {string.Join(", ", parts)}");
    }
}
