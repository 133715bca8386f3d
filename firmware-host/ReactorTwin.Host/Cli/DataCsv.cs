using System.Globalization;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Host.Cli;

/// <summary>
/// Reads measurement tables in either of two forms, told apart by the header:
/// <list type="bullet">
/// <item><b>long</b>: a header naming <c>batch</c> (or <c>replicate</c>, as written by <c>reactortwin simulate</c>),
/// <c>time_h</c>, <c>species</c> and <c>value</c> in any order; one row per measurement;</item>
/// <item><b>wide</b> (<see cref="WideDataCsv"/>): a time column and one column per channel or input.</item>
/// </list>
/// Fields are separated by commas, or by tabs when the header has tabs and no comma. Every malformed line is reported
/// with its number and field; well-formed lines are kept.
/// </summary>
internal static class DataCsv
{
    /// <summary>Reads the file; malformed lines are returned in <paramref name="errors"/> and skipped.</summary>
    /// <exception cref="CliException">The file does not exist or cannot be read.</exception>
    /// <exception cref="DataException">The header is unusable.</exception>
    public static List<DataRow> Read(string path, ReactionNetwork model, List<DataError> errors)
    {
        if (!File.Exists(path))
        {
            throw new CliException($"--data '{path}': no such file");
        }

        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (IOException ex)
        {
            throw new CliException($"cannot read '{path}': {ex.Message}", ex);
        }

        return Parse(lines, path, model, errors);
    }

    /// <summary>Parses the lines of a table named <paramref name="source"/> (a wide table without a batch column is one
    /// batch named after the file, without its extension).</summary>
    internal static List<DataRow> Parse(IReadOnlyList<string> lines, string source, ReactionNetwork model, List<DataError> errors)
    {
        if (lines.Count == 0 || string.IsNullOrWhiteSpace(lines[0]))
        {
            throw new DataException([new DataError(source, 1, "header", "the file is empty; expected a header batch,time_h,species,value (long) or time_h,NAME,… (wide)")]);
        }

        char separator = lines[0].Contains('\t', StringComparison.Ordinal) && !lines[0].Contains(',', StringComparison.Ordinal) ? '\t' : ',';
        var header = lines[0].Split(separator).Select(h => h.Trim().ToLowerInvariant()).ToList();
        if (header.Contains("species") || header.Contains("value"))
        {
            return ParseLong(lines, header, separator, source, errors);
        }

        if (header.Exists(h => h == "time_h" || h.StartsWith("time", StringComparison.Ordinal)))
        {
            return WideDataCsv.Parse(lines, separator, source, Path.GetFileNameWithoutExtension(source), model, errors);
        }

        throw new DataException([new DataError(source, 1, "header", $"neither a long table (batch,time_h,species,value) nor a wide one (a time column time_h, time [h] or time [min], then one column per channel or input); the header is '{lines[0]}'")]);
    }

    private static List<DataRow> ParseLong(IReadOnlyList<string> lines, List<string> header, char separator, string source, List<DataError> errors)
    {
        int ib = header.IndexOf("batch");
        if (ib < 0)
        {
            ib = header.IndexOf("replicate");
        }

        int it = header.IndexOf("time_h"), isp = header.IndexOf("species"), iv = header.IndexOf("value");
        var missing = new List<string>();
        if (ib < 0)
        {
            missing.Add("batch (or replicate)");
        }

        if (it < 0)
        {
            missing.Add("time_h");
        }

        if (isp < 0)
        {
            missing.Add("species");
        }

        if (iv < 0)
        {
            missing.Add("value");
        }

        if (missing.Count > 0)
        {
            throw new DataException([new DataError(source, 1, "header", $"missing column(s) {string.Join(", ", missing)}; the header is '{lines[0]}'")]);
        }

        var rows = new List<DataRow>(lines.Count);
        for (int li = 1; li < lines.Count; li++)
        {
            string line = lines[li];
            if (IsBlankOrComment(line))
            {
                continue;
            }

            var f = line.Split(separator);
            if (f.Length != header.Count)
            {
                errors.Add(new DataError(source, li + 1, "row", $"{f.Length} fields, the header has {header.Count}"));
                continue;
            }

            bool ok = true;
            if (!double.TryParse(f[it].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double t))
            {
                errors.Add(new DataError(source, li + 1, "time_h", $"'{f[it].Trim()}' is not a number"));
                ok = false;
            }

            if (!double.TryParse(f[iv].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
            {
                errors.Add(new DataError(source, li + 1, "value", $"'{f[iv].Trim()}' is not a number"));
                ok = false;
            }

            string batch = f[ib].Trim();
            if (batch.Length == 0)
            {
                errors.Add(new DataError(source, li + 1, "batch", "empty batch identifier"));
                ok = false;
            }

            if (ok)
            {
                rows.Add(new DataRow(batch, t, f[isp].Trim(), v, li + 1));
            }
        }

        return rows;
    }

    /// <summary>Empty lines and lines starting with '#' carry no data.</summary>
    internal static bool IsBlankOrComment(string line) => string.IsNullOrWhiteSpace(line) || line.TrimStart().StartsWith('#');
}
