namespace ReactorTwin.Adapters.Import.Sbml;

/// <summary>One problem found in an SBML file: where (line and element) and what.</summary>
/// <param name="Line">1-based line in the file (0 if unknown).</param>
/// <param name="Where">The element concerned, for example <c>reaction 'glc_upt'</c>.</param>
/// <param name="Message">What is wrong or not supported.</param>
public sealed record SbmlProblem(int Line, string Where, string Message);

/// <summary>An SBML file could not be imported. <see cref="Problems"/> lists every problem found, each with its line.</summary>
public sealed class SbmlImportException : Exception
{
    /// <summary>Creates the exception from the problems found in <paramref name="source"/>.</summary>
    public SbmlImportException(string source, IReadOnlyList<SbmlProblem> problems)
        : base($"Cannot import {source} ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}):{Environment.NewLine}"
            + string.Join(Environment.NewLine, problems.Select(p => $"  {source}:{p.Line}: {p.Where}: {p.Message}")))
    {
        Source = source;
        Problems = problems;
    }

    /// <summary>Creates the exception.</summary>
    public SbmlImportException()
        : this("<sbml>", [])
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public SbmlImportException(string message)
        : this("<sbml>", [new SbmlProblem(0, "-", message)])
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public SbmlImportException(string message, Exception innerException)
        : base(message, innerException)
    {
        Source = "<sbml>";
        Problems = [new SbmlProblem(0, "-", message)];
    }

    /// <summary>The file name.</summary>
    public new string Source { get; } = "<sbml>";

    /// <summary>Every problem found.</summary>
    public IReadOnlyList<SbmlProblem> Problems { get; } = [];
}

/// <summary>A single problem while reading one element; collected into an <see cref="SbmlImportException"/>.</summary>
internal sealed class SbmlReadException(int line, string where, string message) : Exception(message)
{
    public SbmlProblem Problem { get; } = new(line, where, message);
}
