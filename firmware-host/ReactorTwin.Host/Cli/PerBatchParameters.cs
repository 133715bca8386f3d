using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Host.Cli;

/// <summary>
/// <c>--per-batch</c> and <c>--params NAME@BATCH=VALUE</c> for <c>loglik</c> and <c>fit</c>: which parameters take
/// their own value in each batch (those the model marks <c>"perBatch": true</c>, and those named on the command line),
/// their values, and the likelihood that evaluates each batch with its own values.
/// </summary>
internal static class PerBatchParameters
{
    /// <summary>The layout over the data's batches of the model's per-batch parameters and those in
    /// <paramref name="names"/> (comma-separated parameter names).</summary>
    /// <exception cref="CliException">A name that is not a parameter of the model.</exception>
    public static BatchParameterLayout Layout(ReactionNetwork model, ObservationSet data, IEnumerable<string> names)
    {
        var problems = new List<string>();
        var extra = new List<int>();
        foreach (string name in names.SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            int k = model.IndexOfParameter(name);
            if (k >= 0)
            {
                extra.Add(k);
            }
            else
            {
                string hint = model.IndexOfState(name) >= 0
                    ? $"{name} is a state; to give it its own initial value in each batch, write \"initial\": \"{name}0\" in the model file with a parameter {name}0 and name that"
                    : $"parameters: {string.Join(", ", model.Parameters.Select(p => p.Name))}";
                problems.Add($"--per-batch {name}: model '{model.Name}' has no parameter of that name ({hint})");
            }
        }

        if (problems.Count > 0)
        {
            throw new CliException(string.Join(Environment.NewLine, problems));
        }

        return BatchParameterLayout.ForModel(model, [.. data.Batches.Select(b => b.Id)], extra);
    }

    /// <summary>The model's θ from the nominal values and the <c>NAME=VALUE</c> items of <c>--params</c> (for a
    /// per-batch parameter, its value in every batch); the <c>NAME@BATCH=VALUE</c> items wait for
    /// <see cref="Values"/>, which needs the data's batches.</summary>
    /// <exception cref="CliException">A malformed item or an unknown name.</exception>
    public static double[] Shared(ReactionNetwork model, IReadOnlyList<string> items, string option)
    {
        var theta = model.NominalParameters();
        Assignments.Apply(model, Items(items).Where(i => !IsCopy(i)), null, theta, option);
        return theta;
    }

    /// <summary>θ⁺ from the model's θ (<see cref="Shared"/>): every copy at its parameter's value, then the
    /// <c>NAME@BATCH=VALUE</c> items of <c>--params</c>, each setting one batch's value.</summary>
    /// <exception cref="CliException">An unknown name or batch, or a copy of a parameter that is not per-batch.</exception>
    public static double[] Values(BatchParameterLayout layout, double[] theta, IReadOnlyList<string> items, string option)
    {
        var model = layout.Model;
        var extended = layout.Extend(theta);
        var problems = new List<string>();
        foreach (string item in Items(items).Where(IsCopy))
        {
            int eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0 || eq == item.Length - 1)
            {
                problems.Add($"{option} '{item}': expected NAME@BATCH=VALUE");
                continue;
            }

            string name = item[..eq].Trim();
            int at = name.IndexOf('@', StringComparison.Ordinal);
            string parameter = name[..at];
            string batch = name[(at + 1)..];
            int k = model.IndexOfParameter(parameter);
            if (k < 0)
            {
                problems.Add($"{option} {name}: model '{model.Name}' has no parameter '{parameter}'");
            }
            else if (!layout.PerBatch.Contains(k))
            {
                problems.Add($"{option} {name}: '{parameter}' has one value for every batch; to give it a value per batch, add --per-batch {parameter} or write \"perBatch\": true in the model file");
            }
            else if (!layout.Batches.Contains(batch, StringComparer.Ordinal))
            {
                problems.Add($"{option} {name}: the data have no batch '{batch}' (batches: {string.Join(", ", layout.Batches)})");
            }
            else
            {
                var single = new List<string> { $"{parameter}={item[(eq + 1)..]}" };
                var value = model.NominalParameters();
                try
                {
                    Assignments.Apply(model, single, null, value, option);
                    extended[layout.CopyIndex(layout.PerBatch.ToList().IndexOf(k), layout.Batches.ToList().IndexOf(batch))] = value[k];
                }
                catch (CliException ex)
                {
                    problems.Add(ex.Message.Replace($"{option} {parameter}:", $"{option} {name}:", StringComparison.Ordinal));
                }
            }
        }

        if (problems.Count > 0)
        {
            throw new CliException(string.Join(Environment.NewLine, problems));
        }

        return extended;
    }

    private static IEnumerable<string> Items(IEnumerable<string> items) => items.SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static bool IsCopy(string item) => item.IndexOf('@', StringComparison.Ordinal) is int at && at > 0 && item.IndexOf('=', StringComparison.Ordinal) is int eq && (eq < 0 || at < eq);

    /// <summary>The inner likelihood of <paramref name="kind"/> for a data set and the indices into θ it
    /// differentiates by; <paramref name="lnaOptions"/> and <paramref name="odeOptions"/> (null: the defaults) set the
    /// lna and ode likelihoods' integrators.</summary>
    public static Func<ObservationSet, IReadOnlyList<int>, IDataLikelihood> Likelihood(LikelihoodKind kind, ReactionNetwork model, MeasurementNoise noise, LnaOptions? lnaOptions = null, OdeOptions? odeOptions = null) => kind switch
    {
        LikelihoodKind.Em => (d, k) => new EulerMaruyamaDataLikelihood(new EulerMaruyamaLikelihood(model, k), d),
        LikelihoodKind.Ode => (d, k) => new OdeDataLikelihood(new OdeLikelihood(model, k, odeOptions), d, noise),
        _ => (d, k) => new KalmanLnaDataLikelihood(new KalmanLnaLikelihood(model, k, lnaOptions), d, noise),
    };

    /// <summary>The likelihood of a data set differentiating by θ⁺'s <paramref name="gradient"/> indices: the inner one
    /// itself when nothing is per-batch, else a <see cref="PerBatchLikelihood"/> over it.</summary>
    public static Func<ObservationSet, IDataLikelihood> Bind(BatchParameterLayout layout, IReadOnlyList<int> gradient, Func<ObservationSet, IReadOnlyList<int>, IDataLikelihood> inner) =>
        layout.IsEmpty ? d => inner(d, gradient) : d => new PerBatchLikelihood(layout, d, gradient, inner);
}
