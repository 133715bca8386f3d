using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Amortized;

/// <summary>
/// A trained network's posterior for one batch from its readings (seed 002's amortized inference): the posterior
/// median and a central interval of each parameter the network estimates, on the natural scale.
/// </summary>
/// <param name="Names">The parameters, in the network's order.</param>
/// <param name="Median">Posterior median of each.</param>
/// <param name="Lower">Lower end of the central interval.</param>
/// <param name="Upper">Upper end of the central interval.</param>
/// <param name="Readings">Readings of the network's channels that went in.</param>
public sealed record AmortizedEstimate(IReadOnlyList<string> Names, double[] Median, double[] Lower, double[] Upper, int Readings)
{
    /// <summary>
    /// The network's estimate from one batch's rows: every reading of one of its channels after t = 0 (a state at
    /// t = 0 is the batch's initial value, not a reading; observables at t = 0 are readings), in time order. Rows of
    /// other names (other channels, inputs) are left out.
    /// </summary>
    /// <param name="network">The trained network (not thread-safe: one per thread).</param>
    /// <param name="model">The model whose names the rows use.</param>
    /// <param name="rows">The batch's rows.</param>
    /// <param name="level">Central interval level in (0, 1), e.g. 0.95.</param>
    /// <returns>The estimate, or null when no row is a reading of the network's channels.</returns>
    public static AmortizedEstimate? From(AmortizedNetwork network, ReactionNetwork model, IEnumerable<DataRow> rows, double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(rows);
        var times = new List<double>();
        var channels = new List<int>();
        var values = new List<double>();
        foreach (var r in rows)
        {
            int c = model.IndexOfChannel(r.Name);
            int slot = c < 0 ? -1 : Array.IndexOf(network.Design.Channels, c);
            if (slot < 0 || (r.TimeHours == 0 && c < model.StateDimension))
            {
                continue;
            }

            times.Add(r.TimeHours);
            channels.Add(slot);
            values.Add(r.Value);
        }

        if (times.Count == 0)
        {
            return null;
        }

        int p = network.ParameterCount;
        var mean = new double[p];
        var logSd = new double[p];
        var median = new double[p];
        var lower = new double[p];
        var upper = new double[p];
        network.Estimate([.. times], [.. channels], [.. values], mean, logSd);
        network.ToNatural(mean, logSd, level, median, lower, upper);
        return new AmortizedEstimate([.. network.Standardization.Parameters.Select(x => x.Name)], median, lower, upper, times.Count);
    }

    /// <summary>Writes the medians into θ (the model's vector) for the parameters the network estimates.</summary>
    public void WriteInto(ReactionNetwork model, double[] theta)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(theta);
        for (int j = 0; j < Names.Count; j++)
        {
            theta[model.IndexOfParameter(Names[j])] = Median[j];
        }
    }
}
