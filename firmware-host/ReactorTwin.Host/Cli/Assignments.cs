using System.Globalization;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Host.Cli;

/// <summary>Parses <c>NAME=VALUE</c> lists (<c>--set GLC=28,X0=100 --set vmaxg0=0.1</c>) against a model.</summary>
internal static class Assignments
{
    /// <summary>
    /// Applies assignments to the initial state z₀ and the parameters θ: a species or cell-phase name sets its
    /// initial value, a parameter name sets its value. Every problem is reported at once.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="items">The option values.</param>
    /// <param name="state">Initial state to modify, or null when only parameters may be set.</param>
    /// <param name="parameters">Parameter vector to modify.</param>
    /// <param name="option">Option name for messages.</param>
    /// <exception cref="CliException">Malformed item, unknown name or non-finite/negative value.</exception>
    public static void Apply(ReactionNetwork model, IEnumerable<string> items, double[]? state, double[] parameters, string option)
    {
        var problems = new List<string>();
        foreach (string raw in items.SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            int eq = raw.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == raw.Length - 1)
            {
                problems.Add($"{option} '{raw}': expected NAME=VALUE");
                continue;
            }

            string name = raw[..eq].Trim();
            string valueText = raw[(eq + 1)..].Trim();
            if (!double.TryParse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
            {
                problems.Add($"{option} {name}: '{valueText}' is not a finite number");
                continue;
            }

            int si = model.IndexOfState(name);
            int pi = model.IndexOfParameter(name);
            if (si >= 0 && state is null)
            {
                problems.Add($"{option} {name}: {name} is a state component; {option} takes parameters only (initial values come from the data; to estimate one, write \"initial\": \"{name}0\" in the model file with a parameter {name}0)");
            }
            else if (si >= 0 && state is not null)
            {
                if (value < 0)
                {
                    problems.Add($"{option} {name}: an initial concentration or density must be ≥ 0, not {value}");
                    continue;
                }

                state[si] = value;
            }
            else if (pi >= 0)
            {
                parameters[pi] = value;
                for (int i = 0; state is not null && i < state.Length; i++)
                {
                    if (model.InitialStateParameters[i] == pi)
                    {
                        state[i] = value; // the parameter is this state's initial value ("initial": "X0")
                    }
                }
            }
            else
            {
                problems.Add($"{option} {name}: model '{model.Name}' has no species, cell phase or parameter of that name " +
                             $"(state: {string.Join(", ", model.StateNames)}; parameters: {string.Join(", ", model.Parameters.Select(p => p.Name))})");
            }
        }

        if (problems.Count > 0)
        {
            throw new CliException(string.Join(Environment.NewLine, problems));
        }
    }
}
