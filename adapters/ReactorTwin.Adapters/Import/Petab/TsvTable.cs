namespace ReactorTwin.Adapters.Import.Petab;

/// <summary>A tab-separated table with a header row, as PEtab writes them; cells keep their text.</summary>
internal sealed class TsvTable
{
    private readonly Dictionary<string, int> _columns;

    private TsvTable(string source, string[] header, List<(int Line, string[] Cells)> rows)
    {
        Source = source;
        Header = header;
        Rows = rows;
        _columns = header.Select((h, i) => (h, i)).ToDictionary(t => t.h, t => t.i, StringComparer.Ordinal);
    }

    public string Source { get; }

    public IReadOnlyList<string> Header { get; }

    public IReadOnlyList<(int Line, string[] Cells)> Rows { get; }

    public static TsvTable Load(string path)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0].Trim().Length == 0)
        {
            throw new PetabException($"{path}:1: the table has no header row");
        }

        var header = lines[0].Split('\t').Select(h => h.Trim()).ToArray();
        var rows = new List<(int, string[])>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length == 0)
            {
                continue;
            }

            var cells = lines[i].Split('\t').Select(c => c.Trim()).ToArray();
            if (cells.Length < header.Length)
            {
                Array.Resize(ref cells, header.Length);
                for (int c = 0; c < cells.Length; c++)
                {
                    cells[c] ??= string.Empty;
                }
            }

            rows.Add((i + 1, cells));
        }

        return new TsvTable(path, header, rows);
    }

    public bool Has(string column) => _columns.ContainsKey(column);

    /// <summary>The cell of <paramref name="column"/> in a row, or "" when the table has no such column.</summary>
    public string Cell(string[] row, string column) => _columns.TryGetValue(column, out int i) && i < row.Length ? row[i] : string.Empty;

    /// <summary>The cell of a column that must be present and non-empty.</summary>
    public string Required((int Line, string[] Cells) row, string column)
    {
        if (!_columns.ContainsKey(column))
        {
            throw new PetabException($"{Source}:1: the required column '{column}' is missing");
        }

        string v = Cell(row.Cells, column);
        return v.Length > 0 ? v : throw new PetabException($"{Source}:{row.Line}: {column}: the cell is empty");
    }
}

/// <summary>A PEtab problem could not be read or evaluated; the message names the file, line and column.</summary>
public sealed class PetabException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PetabException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public PetabException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public PetabException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
