namespace ReactorTwin.Core.Models;

/// <summary>One problem found in a model definition.</summary>
/// <param name="Source">Where the model came from: a file path, a built-in model name, or <c>&lt;code&gt;</c>.</param>
/// <param name="Path">JSON path of the offending element, for example <c>$.reactions[2].rate</c>.</param>
/// <param name="Message">What is wrong, in one sentence.</param>
/// <param name="Line">1-based line in the source file, or 0 when unknown (models built in C#).</param>
public sealed record ModelError(string Source, string Path, string Message, int Line = 0)
{
    /// <inheritdoc />
    public override string ToString() =>
        Line > 0 ? $"{Source}:{Line}: {Path}: {Message}" : $"{Source}: {Path}: {Message}";
}

/// <summary>
/// A model definition (JSON file or C# builder) is invalid. All problems found are listed in
/// <see cref="Errors"/>, each naming the source, the JSON path and, for files, the line.
/// </summary>
public sealed class ModelDefinitionException : Exception
{
    /// <summary>Creates the exception from the list of problems (at least one).</summary>
    public ModelDefinitionException(IReadOnlyList<ModelError> errors)
        : base(Format(errors))
    {
        Errors = errors;
    }

    /// <summary>Creates the exception with a message only.</summary>
    public ModelDefinitionException()
        : this([new ModelError("<unknown>", "$", "invalid model")])
    {
    }

    /// <summary>Creates the exception with a message only.</summary>
    public ModelDefinitionException(string message)
        : this([new ModelError("<unknown>", "$", message)])
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public ModelDefinitionException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [new ModelError("<unknown>", "$", message)];
    }

    /// <summary>Every problem found, in document order.</summary>
    public IReadOnlyList<ModelError> Errors { get; }

    private static string Format(IReadOnlyList<ModelError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return errors.Count == 1
            ? "Invalid model: " + errors[0]
            : $"Invalid model ({errors.Count} problems):" + Environment.NewLine + "  " +
              string.Join(Environment.NewLine + "  ", errors);
    }
}
