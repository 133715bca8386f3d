using System.Globalization;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Host.Cli;

/// <summary>
/// Reads a wide measurement table: one row per sampling time, a time column (<c>time_h</c>, or <c>time [UNIT]</c> with
/// UNIT h, min, s or d, converted to hours), one column per channel (species, cell phase or observable) or input of
/// the model, and optionally a <c>batch</c> (or <c>replicate</c>) column; without one the table is one batch. A header
/// cell may carry a unit in brackets, <c>GLC [mM]</c>, which must be the model's unit of that channel or input as
/// written (no conversion) where the model states one. An empty cell or <c>NA</c> is a value not measured. Problems are
/// located as FILE:LINE:COLUMN.
/// </summary>
internal static class WideDataCsv
{
    private static readonly Dictionary<string, double> HoursPer = new(StringComparer.Ordinal)
    {
        ["h"] = 1.0,
        ["min"] = 1.0 / 60.0,
        ["s"] = 1.0 / 3600.0,
        ["d"] = 24.0,
    };

    /// <summary>Parses the table; header problems throw, row problems go to <paramref name="errors"/> (the row's other
    /// cells are still read).</summary>
    /// <param name="lines">All lines, the header first.</param>
    /// <param name="separator">Field separator.</param>
    /// <param name="source">File name for messages.</param>
    /// <param name="defaultBatch">Batch name when there is no batch column.</param>
    /// <param name="model">The model whose channels and inputs the columns name.</param>
    /// <param name="errors">Receives row problems.</param>
    /// <exception cref="DataException">A header cell is unknown, repeated, or has the wrong unit.</exception>
    public static List<DataRow> Parse(IReadOnlyList<string> lines, char separator, string source, string defaultBatch, ReactionNetwork model, List<DataError> errors)
    {
        var cells = lines[0].Split(separator);
        int batchColumn = -1, timeColumn = -1;
        double hoursPerUnit = 1;
        var names = new string?[cells.Length];
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var headerErrors = new List<DataError>();
        for (int c = 0; c < cells.Length; c++)
        {
            string cell = cells[c].Trim();
            var (name, unit, bad) = Split(cell);
            string key = name.ToLowerInvariant();
            string id = key is "batch" or "replicate" or "time" or "time_h" ? key : name; // reserved names in any case
            DataError Header(string message) => new(source, 1, cell.Length > 0 ? cell : "header", message, c + 1);
            if (bad is not null)
            {
                headerErrors.Add(Header(bad));
            }
            else if (name.Length == 0)
            {
                headerErrors.Add(Header("empty column name"));
            }
            else if (!seen.TryAdd(id, c + 1))
            {
                headerErrors.Add(Header($"column '{name}' is already column {seen[id]}"));
            }
            else if (key is "batch" or "replicate")
            {
                batchColumn = batchColumn < 0 ? c : batchColumn;
                if (batchColumn != c)
                {
                    headerErrors.Add(Header($"a second batch column (column {batchColumn + 1} is one)"));
                }
            }
            else if (key is "time" or "time_h")
            {
                string timeUnit = unit ?? (key == "time_h" ? "h" : string.Empty);
                if (timeColumn >= 0)
                {
                    headerErrors.Add(Header($"a second time column (column {timeColumn + 1} is one)"));
                }
                else if (timeUnit.Length == 0)
                {
                    headerErrors.Add(Header("the time column needs its unit: time_h, time [h], time [min], time [s] or time [d]"));
                }
                else if (!HoursPer.TryGetValue(timeUnit, out hoursPerUnit) || (key == "time_h" && timeUnit != "h"))
                {
                    headerErrors.Add(Header($"unknown time unit '{timeUnit}'{(key == "time_h" ? " for time_h (hours)" : string.Empty)}; use h, min, s or d"));
                }
                else
                {
                    timeColumn = c;
                }
            }
            else if (UnitProblem(model, name, unit) is { } problem)
            {
                headerErrors.Add(Header(problem));
            }
            else
            {
                names[c] = name;
            }
        }

        if (timeColumn < 0 && !headerErrors.Exists(e => e.Field.StartsWith("time", StringComparison.OrdinalIgnoreCase)))
        {
            headerErrors.Add(new DataError(source, 1, "header", $"no time column (time_h, time [h] or time [min]); the header is '{lines[0]}'"));
        }

        if (headerErrors.Count > 0)
        {
            throw new DataException(headerErrors);
        }

        var rows = new List<DataRow>(lines.Count * cells.Length);
        for (int li = 1; li < lines.Count; li++)
        {
            if (DataCsv.IsBlankOrComment(lines[li]))
            {
                continue;
            }

            ParseRow(lines[li].Split(separator), li + 1, cells, names, batchColumn, timeColumn, hoursPerUnit, source, defaultBatch, rows, errors);
        }

        return rows;
    }

    private static void ParseRow(string[] f, int line, string[] header, string?[] names, int batchColumn, int timeColumn, double hoursPerUnit, string source, string defaultBatch, List<DataRow> rows, List<DataError> errors)
    {
        if (f.Length != header.Length)
        {
            errors.Add(new DataError(source, line, "row", $"{f.Length} fields, the header has {header.Length}"));
            return;
        }

        string batch = batchColumn >= 0 ? f[batchColumn].Trim() : defaultBatch;
        if (batch.Length == 0)
        {
            errors.Add(new DataError(source, line, header[batchColumn].Trim(), "empty batch identifier", batchColumn + 1));
        }

        string timeText = f[timeColumn].Trim();
        bool timeOk = double.TryParse(timeText, NumberStyles.Float, CultureInfo.InvariantCulture, out double time) && double.IsFinite(time);
        if (!timeOk)
        {
            errors.Add(new DataError(source, line, header[timeColumn].Trim(), $"'{timeText}' is not a finite number", timeColumn + 1));
        }

        for (int c = 0; c < f.Length; c++)
        {
            if (names[c] is not { } name)
            {
                continue;
            }

            string text = f[c].Trim();
            if (IsMissing(text))
            {
                continue;
            }

            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
            {
                errors.Add(new DataError(source, line, name, $"'{text}' is not a finite number (leave the cell empty or write NA when {name} was not measured)", c + 1));
            }
            else if (timeOk && batch.Length > 0)
            {
                rows.Add(new DataRow(batch, time * hoursPerUnit, name, v, line, c + 1));
            }
        }
    }

    /// <summary>An empty cell or NA (any case), N/A: not measured.</summary>
    private static bool IsMissing(string text) =>
        text.Length == 0 || text.Equals("NA", StringComparison.OrdinalIgnoreCase) || text.Equals("N/A", StringComparison.OrdinalIgnoreCase);

    /// <summary>"GLC [mM]" → (GLC, mM); "GLC" → (GLC, null); a malformed bracket → a problem.</summary>
    private static (string Name, string? Unit, string? Problem) Split(string cell)
    {
        int open = cell.IndexOf('[', StringComparison.Ordinal);
        if (open < 0)
        {
            return cell.Contains(']', StringComparison.Ordinal) ? (cell, null, "']' without '['") : (cell, null, null);
        }

        int close = cell.IndexOf(']', open);
        if (close < 0 || close != cell.Length - 1 || cell.IndexOf('[', open + 1) >= 0)
        {
            return (cell, null, "a unit is written NAME [UNIT], with the brackets at the end");
        }

        return (cell[..open].Trim(), cell[(open + 1)..close].Trim(), null);
    }

    /// <summary>Null when <paramref name="name"/> is a channel or input whose unit (if both give one) is
    /// <paramref name="unit"/>; else what is wrong.</summary>
    private static string? UnitProblem(ReactionNetwork model, string name, string? unit)
    {
        int channel = model.IndexOfChannel(name);
        int input = model.IndexOfInput(name);
        if (channel < 0 && input < 0)
        {
            return ObservationSet.UnknownName(model, name);
        }

        string modelUnit = channel >= 0 ? model.ChannelUnit(channel) : model.Inputs[input].Unit;
        if (unit is null || modelUnit.Length == 0 || string.Equals(unit, modelUnit, StringComparison.Ordinal))
        {
            return null;
        }

        return $"the unit [{unit}] is not the model's unit of {name}, [{modelUnit}]; units are compared as written, not converted: convert the values to {modelUnit}";
    }
}
