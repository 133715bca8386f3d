using System.Globalization;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Host.Cli;

/// <summary>
/// <c>--data</c> for <c>loglik</c> and <c>fit</c>: reads and validates a table against the model, prints what the data
/// left to defaults, and checks that the data suit the chosen likelihood (a noise for every fitted channel; complete,
/// single state samples for Euler–Maruyama).
/// </summary>
internal static class MeasurementData
{
    /// <summary>Reads and validates the data, reporting syntax and model-fit problems together, in line order; prints
    /// each of the set's warnings on <paramref name="stderr"/> as <c>warning: …</c>.</summary>
    /// <exception cref="DataException">The file's problems, all of them.</exception>
    public static ObservationSet Load(ReactionNetwork model, string path, TextWriter stderr)
    {
        var errors = new List<DataError>();
        var rows = DataCsv.Read(path, model, errors);
        try
        {
            var data = ObservationSet.FromRows(model, rows, path);
            if (errors.Count == 0)
            {
                foreach (string w in data.Warnings)
                {
                    stderr.WriteLine($"warning: {path}: {w}");
                }

                return data;
            }
        }
        catch (DataException ex)
        {
            errors.AddRange(ex.Errors);
        }

        throw new DataException([.. errors.OrderBy(e => e.Line).ThenBy(e => e.Column)]);
    }

    /// <summary>
    /// Checks that <paramref name="data"/> can be fitted with <paramref name="kind"/>: for lna and ode every channel
    /// the likelihood fits (<see cref="ObservationSet.MeasuredChannels"/>) needs a measurement noise — without one it
    /// would be fitted as exact, and the log-likelihood is dominated by a 1e−12 floor; for em the data must be complete
    /// state trajectories, one sample per state and time, with no observables.
    /// </summary>
    /// <exception cref="CliException">What is missing, with the option that supplies it.</exception>
    /// <exception cref="DataException">Incomplete trajectories for em.</exception>
    public static void CheckFor(LikelihoodKind kind, ObservationSet data, MeasurementNoise noise, string path, bool noiseGiven, TextWriter stderr)
    {
        var model = data.Model;
        if (kind == LikelihoodKind.Em)
        {
            CheckCompleteStates(data, path);
            if (noiseGiven)
            {
                stderr.WriteLine("warning: --noise is not used by the Euler–Maruyama likelihood (it fits complete trajectories without measurement noise)");
            }

            return;
        }

        var missing = data.MeasuredChannels.Where(m => !noise.IsGiven(m.Channel)).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        string Lines(MeasuredChannel m) => m.FirstLine <= 0 ? string.Empty : m.FirstLine == m.LastLine ? $"line {m.FirstLine}" : $"lines {m.FirstLine}–{m.LastLine}";
        string Describe(MeasuredChannel m)
        {
            var parts = new[] { model.ChannelUnit(m.Channel), Lines(m) }.Where(p => p.Length > 0).ToArray();
            return parts.Length == 0 ? model.ChannelNames[m.Channel] : $"{model.ChannelNames[m.Channel]} ({string.Join(", ", parts)})";
        }

        var units = missing.Select(m => model.ChannelUnit(m.Channel)).Distinct(StringComparer.Ordinal).ToList();
        string sd = units.Count == 1 ? (units[0].Length > 0 ? $"an absolute SD in {units[0]}" : "an absolute SD") : "an absolute SD in the channel's unit";
        string first = model.ChannelNames[missing[0].Channel];
        bool observables = missing.Exists(m => m.Channel >= model.StateDimension);
        throw new CliException(
            $"{path}: no measurement noise for {string.Join(", ", missing.Select(Describe))}: " +
            $"add --noise {string.Join(",", missing.Select(m => model.ChannelNames[m.Channel] + "=SD"))} " +
            $"(each {sd}, or P% for a percentage of the measured value, e.g. {first}=5%)" +
            (observables ? " or give the observables a noise in the model file" : string.Empty));
    }

    /// <summary>
    /// The Euler–Maruyama likelihood's precondition beyond <see cref="EulerMaruyamaLikelihood.Validate"/>: states only
    /// (no observable) and one sample of each per time (no replicates), then every state at every time.
    /// </summary>
    private static void CheckCompleteStates(ObservationSet data, string path)
    {
        var model = data.Model;
        int n = model.StateDimension;
        var observables = data.MeasuredChannels.Where(m => m.Channel >= n).Select(m => model.ChannelNames[m.Channel]).ToList();
        if (observables.Count > 0)
        {
            throw new CliException($"{path}: the Euler–Maruyama likelihood fits complete state trajectories, and the data measure observables ({string.Join(", ", observables)}); use --likelihood lna or ode");
        }

        var problems = new List<DataError>();
        foreach (var b in data.Batches)
        {
            foreach (var t in b.Times)
            {
                var repeated = t.Components.GroupBy(c => c).Where(g => g.Count() > 1).Select(g => $"{model.StateNames[g.Key]} ×{g.Count()}").ToList();
                if (repeated.Count > 0)
                {
                    problems.Add(new DataError(path, 0, "species", $"batch {b.Id}: at {t.TimeHours.ToString("G6", CultureInfo.InvariantCulture)} h replicates ({string.Join(", ", repeated)}); the Euler–Maruyama likelihood takes one sample per state and time: use --likelihood lna or ode"));
                }
            }
        }

        if (problems.Count > 0)
        {
            throw new DataException(problems);
        }

        new EulerMaruyamaLikelihood(model, []).Validate(data, path);
    }
}
