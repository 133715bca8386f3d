using System.Globalization;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Host.Cli;

/// <summary>
/// Parses <c>--input</c> items into an <see cref="InputSchedule"/>: <c>NAME=VALUE</c> sets an input from t = 0,
/// <c>NAME=VALUE@HOURS</c> from that time on (read as the model declares the input: held until the next point, or
/// linear between points). <c>--input F=0@0,F=0.0087@10</c> is a batch to 10 h and then a constant feed of
/// 0.0087 L/h. Inputs not named keep the model's values.
/// </summary>
internal static class InputAssignments
{
    /// <summary>The schedule of the items, or null when there are none (every input at the model's value).</summary>
    /// <param name="model">The model whose inputs are set.</param>
    /// <param name="items">The option values; items may be comma separated.</param>
    /// <param name="option">Option name for messages.</param>
    /// <exception cref="CliException">Malformed item, unknown input, non-finite value, negative or repeated time; every problem at once.</exception>
    public static InputSchedule? Parse(ReactionNetwork model, IEnumerable<string> items, string option)
    {
        var problems = new List<string>();
        var points = new Dictionary<string, SortedList<double, double>>(StringComparer.Ordinal);
        foreach (string raw in items.SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            int eq = raw.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == raw.Length - 1)
            {
                problems.Add($"{option} '{raw}': expected NAME=VALUE or NAME=VALUE@HOURS");
                continue;
            }

            string name = raw[..eq].Trim();
            string rest = raw[(eq + 1)..].Trim();
            int at = rest.IndexOf('@', StringComparison.Ordinal);
            string valueText = at < 0 ? rest : rest[..at].Trim();
            string timeText = at < 0 ? "0" : rest[(at + 1)..].Trim();
            if (!model.Inputs.Any(i => i.Name == name))
            {
                string known = model.Inputs.Count == 0 ? "it has no inputs" : "its inputs: " + string.Join(", ", model.Inputs.Select(i => $"{i.Name} ({i.Unit})"));
                problems.Add($"{option} {name}: model '{model.Name}' has no input of that name ({known})");
                continue;
            }

            if (!double.TryParse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
            {
                problems.Add($"{option} {name}: '{valueText}' is not a finite number");
                continue;
            }

            if (!double.TryParse(timeText, NumberStyles.Float, CultureInfo.InvariantCulture, out double time) || !double.IsFinite(time) || time < 0)
            {
                problems.Add($"{option} {name}: the time after '@' must be a finite number of hours ≥ 0, not '{timeText}'");
                continue;
            }

            var series = points.TryGetValue(name, out var s) ? s : points[name] = [];
            if (!series.TryAdd(time, value))
            {
                problems.Add($"{option} {name}: two values at {time.ToString(CultureInfo.InvariantCulture)} h");
            }
        }

        if (problems.Count > 0)
        {
            throw new CliException(string.Join(Environment.NewLine, problems));
        }

        if (points.Count == 0)
        {
            return null;
        }

        var schedule = InputSchedule.Constant(model);
        foreach (var (name, series) in points)
        {
            schedule = schedule.With(name, [.. series.Keys], [.. series.Values]);
        }

        return schedule;
    }
}
