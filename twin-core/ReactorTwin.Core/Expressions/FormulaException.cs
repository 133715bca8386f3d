namespace ReactorTwin.Core.Expressions;

/// <summary>
/// A rate-law formula could not be parsed or bound. <see cref="Column"/> is the 1-based character position in
/// the formula where the problem was found (0 when the problem concerns the whole formula).
/// </summary>
public sealed class FormulaException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="formula">The formula text.</param>
    /// <param name="column">1-based column of the problem, 0 if not positional.</param>
    /// <param name="problem">What is wrong, in one sentence.</param>
    public FormulaException(string formula, int column, string problem)
        : base(column > 0 ? $"{problem} (at column {column} of \"{formula}\")" : $"{problem} (in \"{formula}\")")
    {
        Formula = formula;
        Column = column;
        Problem = problem;
    }

    /// <summary>Creates the exception with a message only.</summary>
    public FormulaException()
        : this(string.Empty, 0, "invalid formula")
    {
    }

    /// <summary>Creates the exception with a message only.</summary>
    public FormulaException(string message)
        : this(string.Empty, 0, message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public FormulaException(string message, Exception innerException)
        : base(message, innerException)
    {
        Formula = string.Empty;
        Problem = message;
    }

    /// <summary>The formula text.</summary>
    public string Formula { get; }

    /// <summary>1-based column of the problem; 0 when not positional.</summary>
    public int Column { get; }

    /// <summary>The problem without the location.</summary>
    public string Problem { get; }
}
