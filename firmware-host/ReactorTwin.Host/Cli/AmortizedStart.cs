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

        // The batch's readings (its t = 0 states are initial values, not readings), as rows the estimate reads.
        var rows = data.Batches[0].Times.SelectMany(at => at.Components.Select((c, i) => new DataRow(data.Batches[0].Id, at.TimeHours, model.ChannelNames[c], at.Values[i]))).ToList();
        if (AmortizedEstimate.From(network, model, rows) is not { } estimate)
        {
            throw new CliException($"--init amortized: {dataPath} has no reading of the network's channels ({string.Join(", ", network.ChannelNames)})");
        }

        var ignored = rows.Select(r => r.Name).Where(n => !network.ChannelNames.Contains(n)).ToHashSet(StringComparer.Ordinal);
        if (ignored.Count > 0)
        {
            stderr.WriteLine($"note: --init amortized: the network does not read {string.Join(", ", ignored.Order(StringComparer.Ordinal))}; those readings only enter the fit");
        }

        estimate.WriteInto(model, theta);
        var parts = estimate.Names.Select((name, j) => string.Create(inv, $"{name} = {estimate.Median[j]:G4} [{estimate.Lower[j]:G4}, {estimate.Upper[j]:G4}]"));
        int readings = estimate.Readings;
        stderr.WriteLine($"amortized start from {Path.GetFileName(path)} ({readings} readings; 95 % intervals): {string.Join(", ", parts)}");
    }
}
