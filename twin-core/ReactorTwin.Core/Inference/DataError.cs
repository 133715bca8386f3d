namespace ReactorTwin.Core.Inference;

/// <summary>A problem in a data set, located by source, line, column and field.</summary>
/// <param name="Source">File name or other source.</param>
/// <param name="Line">1-based line (0 if unknown).</param>
/// <param name="Field">Column or field concerned (a header name such as <c>time_h</c>, <c>value</c> or <c>GLC</c>).</param>
/// <param name="Message">What is wrong.</param>
/// <param name="Column">1-based column of the field in its line (0 if unknown or not useful, as in the long format).</param>
public sealed record DataError(string Source, int Line, string Field, string Message, int Column = 0)
{
    /// <summary><c>SOURCE:LINE[:COLUMN]: FIELD: MESSAGE</c>, or <c>SOURCE: FIELD: MESSAGE</c> without a line.</summary>
    public override string ToString() => Line <= 0
        ? $"{Source}: {Field}: {Message}"
        : Column > 0 ? $"{Source}:{Line}:{Column}: {Field}: {Message}" : $"{Source}:{Line}: {Field}: {Message}";
}

/// <summary>Data do not fit the model (unknown names, NaN, times out of order, bad cells). Lists every problem.</summary>
public sealed class DataException : Exception
{
    /// <summary>Creates the exception from the problems found (at least one).</summary>
    public DataException(IReadOnlyList<DataError> errors)
        : base(Format(errors))
    {
        Errors = errors;
    }

    /// <summary>Creates the exception.</summary>
    public DataException()
        : this([new DataError("<data>", 0, "-", "invalid data")])
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public DataException(string message)
        : this([new DataError("<data>", 0, "-", message)])
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public DataException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [new DataError("<data>", 0, "-", message)];
    }

    /// <summary>Every problem found.</summary>
    public IReadOnlyList<DataError> Errors { get; }

    private static string Format(IReadOnlyList<DataError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        const int shown = 20;
        var lines = errors.Take(shown).Select(e => "  " + e);
        string more = errors.Count > shown ? $"{Environment.NewLine}  … and {errors.Count - shown} more" : string.Empty;
        return $"Invalid data ({errors.Count} problem{(errors.Count == 1 ? string.Empty : "s")}):{Environment.NewLine}{string.Join(Environment.NewLine, lines)}{more}";
    }
}
