using System.Globalization;
using ReactorTwin.Core.Inference;

namespace ReactorTwin.Host.Cli;

/// <summary>
/// Reads long-format measurement CSV: a header naming <c>batch</c> (or <c>replicate</c>, as written by
/// <c>reactortwin simulate</c>), <c>time_h</c>, <c>species</c> and <c>value</c> in any order; one row per
/// measurement. Every malformed line is reported with its number and field; well-formed lines are kept.
/// </summary>
internal static class DataCsv
{
    /// <summary>Reads the file; malformed lines are returned in <paramref name="errors"/> and skipped.</summary>
    public static List<DataRow> Read(string path, List<DataError> errors)
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

        return Parse(lines, path, errors);
    }

    internal static List<DataRow> Parse(IReadOnlyList<string> lines, string source, List<DataError> errors)
    {
        if (lines.Count == 0 || string.IsNullOrWhiteSpace(lines[0]))
        {
            throw new DataException([new DataError(source, 1, "header", "the file is empty; expected a header batch,time_h,species,value")]);
        }

        var header = lines[0].Split(',').Select(h => h.Trim().ToLowerInvariant()).ToList();
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
            if (string.IsNullOrWhiteSpace(line) || line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            var f = line.Split(',');
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
}
