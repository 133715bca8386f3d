using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Simulation;

/// <summary>Argument checks shared by every simulator, so they all reject bad input the same way.</summary>
internal static class SimulationInputs
{
    public static void Check(ReactionNetwork model, ReadOnlySpan<double> initialState, ReadOnlySpan<double> parameters, ReadOnlySpan<double> times, Span<double> output)
    {
        int n = model.StateDimension;
        if (initialState.Length != n)
        {
            throw new ArgumentException($"the initial state has {initialState.Length} values; model '{model.Name}' has {n} state components ({string.Join(", ", model.StateNames)})", nameof(initialState));
        }

        for (int i = 0; i < n; i++)
        {
            if (!double.IsFinite(initialState[i]) || initialState[i] < 0)
            {
                throw new ArgumentException($"the initial value of {model.StateNames[i]} must be finite and ≥ 0, not {initialState[i]}", nameof(initialState));
            }
        }

        if (parameters.Length != model.Parameters.Count)
        {
            throw new ArgumentException($"{parameters.Length} parameter values given; model '{model.Name}' has {model.Parameters.Count}", nameof(parameters));
        }

        for (int k = 0; k < parameters.Length; k++)
        {
            if (!double.IsFinite(parameters[k]))
            {
                throw new ArgumentException($"parameter {model.Parameters[k].Name} is not finite ({parameters[k]})", nameof(parameters));
            }
        }

        if (times.Length == 0)
        {
            throw new ArgumentException("at least one output time is needed", nameof(times));
        }

        double prev = 0;
        for (int j = 0; j < times.Length; j++)
        {
            if (!double.IsFinite(times[j]) || times[j] < prev)
            {
                throw new ArgumentException($"output times must be finite, ≥ 0 and non-decreasing; element {j} is {times[j]}", nameof(times));
            }

            prev = times[j];
        }

        if (output.Length < times.Length * n)
        {
            throw new ArgumentException($"output needs {times.Length * n} values (times × state), has {output.Length}", nameof(output));
        }
    }

    /// <summary>Checks the arguments, then copies z(0) and θ into the simulator's workspaces.</summary>
    public static void CheckAndLoad(ReactionNetwork model, ReadOnlySpan<double> initialState, ReadOnlySpan<double> parameters, ReadOnlySpan<double> times, Span<double> output, double[] state, ModelArguments arguments)
    {
        Check(model, initialState, parameters, times, output);
        initialState.CopyTo(state);
        arguments.SetParameters(parameters);
    }

    /// <summary>The system size to simulate at: the override if given, else the model's; must be finite and &gt; 0.</summary>
    public static double ResolveSystemSize(ReactionNetwork model, double? systemSize)
    {
        double omega = systemSize ?? model.SystemSize;
        if (!(omega > 0) || !double.IsFinite(omega))
        {
            throw new ArgumentOutOfRangeException(nameof(systemSize), omega, "the system size Ω must be finite and > 0");
        }

        return omega;
    }
}
