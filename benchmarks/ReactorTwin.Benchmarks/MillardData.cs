using ReactorTwin.Core.Models;

namespace ReactorTwin.Benchmarks;

/// <summary>
/// The Millard et al. (2021) E. coli model (benchmarks/models/millard2021-ecoli.json, hand-translated from its SBML)
/// and its 1 mM acetate batch (Enjalbert et al. 2017): medium from the first sample, intracellular state from the
/// SBML, outputs at the batch's sampling times. The same batch as benchmarks/scipy/millard_ode.py.
/// </summary>
internal static class MillardData
{
    /// <summary>Glc, AcP, Ace, AcCoA, Ace_out, X at t = 0.</summary>
    public static readonly double[] Initial = [12.6597333333333, 1, 1, 1.46, 0.958577777777778, 0.06308];

    /// <summary>Sampling times (h).</summary>
    public static readonly double[] Times = [0.0, 0.75, 1.25, 1.58, 1.92, 2.25, 2.58, 2.92, 3.25, 3.58, 3.92, 4.25];

    public static ReactionNetwork Load() =>
        ModelJson.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "models", "millard2021-ecoli.json")), "millard2021-ecoli.json");
}
