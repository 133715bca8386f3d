using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Inference;

/// <summary>
/// Initial values that are parameters (<see cref="Species.InitialParameter"/>): in a batch that does not measure
/// component i at t = 0, z_i(0) = θ_{p(i)}, so ∂z_i(0)/∂θ_k = 1 for the gradient parameter k = p(i) and 0 otherwise — the
/// initial condition of the mean's forward sensitivities (the covariance starts at 0 whatever θ). A component measured
/// at t = 0 keeps its measurement. Allocation-free.
/// </summary>
internal static class ParameterInitialState
{
    /// <summary>Writes z_i(0) = θ_{p(i)} into <paramref name="initialState"/> for the batch's components that take
    /// their initial value from a parameter and are not in <paramref name="initiallyMeasured"/> (the components the batch
    /// measured at t = 0).</summary>
    public static void Apply(ReactionNetwork model, int[] initiallyMeasured, ReadOnlySpan<double> theta, Span<double> initialState)
    {
        var map = model.InitialStateParameters;
        for (int i = 0; i < map.Count; i++)
        {
            if (map[i] >= 0 && Array.IndexOf(initiallyMeasured, i) < 0)
            {
                initialState[i] = theta[map[i]];
            }
        }
    }

    /// <summary>Sets ∂z_i(0)/∂θ_k = 1 in <paramref name="meanSensitivities"/> (gradient parameter k's block of n, in
    /// the order of <paramref name="gradientParameters"/>) where gradient parameter k is the initial value of i.
    /// The blocks must be zero on entry.</summary>
    public static void Seed(ReactionNetwork model, int[] initiallyMeasured, IReadOnlyList<int> gradientParameters, Span<double> meanSensitivities)
    {
        var map = model.InitialStateParameters;
        int n = map.Count;
        for (int k = 0; k < gradientParameters.Count; k++)
        {
            for (int i = 0; i < n; i++)
            {
                if (map[i] == gradientParameters[k] && Array.IndexOf(initiallyMeasured, i) < 0)
                {
                    meanSensitivities[(k * n) + i] = 1.0;
                }
            }
        }
    }
}
