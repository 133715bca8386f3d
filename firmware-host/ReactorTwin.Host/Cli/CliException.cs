namespace ReactorTwin.Host.Cli;

/// <summary>A user error in a command: bad argument, missing file, invalid model. Printed without a stack trace.</summary>
public sealed class CliException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CliException()
    {
    }

    /// <summary>Creates the exception with the message shown to the user.</summary>
    public CliException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the message shown to the user and a cause.</summary>
    public CliException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
