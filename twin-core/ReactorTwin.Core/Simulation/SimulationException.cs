namespace ReactorTwin.Core.Simulation;

/// <summary>A simulation could not produce a valid trajectory (solver failure, non-finite state, event budget).</summary>
public sealed class SimulationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SimulationException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public SimulationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public SimulationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
