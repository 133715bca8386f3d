namespace ReactorTwin.Core.Models;

/// <summary>
/// The models shipped with ReactorTwin. Each exists as a JSON file (embedded, the copy users read and edit) and,
/// for the main ones, as a C# definition; tests check that the two agree.
/// </summary>
public static class BuiltInModels
{
    /// <summary>Names of the built-in models, for <c>reactortwin models</c> and <c>--model</c>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["cho", "michaelis-menten", "ecoli-fedbatch", "ecoli-batch", "mmk"];

    /// <summary>True when <paramref name="name"/> names a built-in model.</summary>
    public static bool Contains(string name) => Names.Contains(name, StringComparer.Ordinal);

    /// <summary>The JSON text of a built-in model.</summary>
    /// <exception cref="ArgumentException">No built-in model has that name.</exception>
    public static string Json(string name)
    {
        if (!Contains(name))
        {
            throw new ArgumentException($"'{name}' is not a built-in model (known: {string.Join(", ", Names)})", nameof(name));
        }

        using var stream = typeof(BuiltInModels).Assembly.GetManifestResourceStream($"ReactorTwin.Core.Models.BuiltIn.{name}.json")
            ?? throw new InvalidOperationException($"the embedded model file {name}.json is missing from {typeof(BuiltInModels).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Loads a built-in model from its embedded JSON file.</summary>
    public static ReactionNetwork Load(string name) => ModelJson.Parse(Json(name), $"built-in:{name}");

    /// <summary>The sd of log θ of the built-in models' priors: log-normal at the stated value, a factor e^1.7 ≈ 5.5
    /// either way at one sd (the two-decade bounds at 2.7 sd).</summary>
    public const double PriorSdLog = 1.7;

    /// <summary>
    /// The CHO model of seed 001 section 6.1 defined in C#: s = [GLC, LAC, mAb] (mM), X = [X0, X1]
    /// (10^6 cells/L), N = [−1, −0.02, −0.01; 2, 0, 0; 0, 0, 1], α0 = [vmaxHK0, vmaxmAb0, KmGLC0, vmaxg0] =
    /// [4.15e−5, 3.5e−8, 4.2, 0.126], α1 = [vmaxHK1, vmaxmAb1, KmGLC1] = [1.95e−5, 7.5e−8, 3.5],
    /// β = [0.3, 0.1] (h⁻¹), Ω = 1; priors log-normal at the α values with sdLog <see cref="PriorSdLog"/>.
    /// </summary>
    /// <param name="initialGlucose">Initial GLC in mM (the design variable, [18, 38] in the seed).</param>
    public static ReactionNetwork Cho(double initialGlucose = 28.0)
    {
        const string vmaxUnit = "mmol/(1e6 cells h)";
        return ReactionNetwork.CreateBuilder("cho")
            .WithSystemSize(1.0)
            .AddSpecies("GLC", "mM", initialGlucose)
            .AddSpecies("LAC", "mM", 0.8)
            .AddSpecies("mAb", "mM", 0.0)
            .AddCellPhase("X0", "1e6 cells/L", 180)
            .AddCellPhase("X1", "1e6 cells/L", 10)
            .AddParameter("vmaxHK0", 4.15e-5, 4.15e-7, 4.15e-3, vmaxUnit, PriorSpec.LogNormal(4.15e-5, PriorSdLog))
            .AddParameter("vmaxmAb0", 3.5e-8, 3.5e-10, 3.5e-6, vmaxUnit, PriorSpec.LogNormal(3.5e-8, PriorSdLog))
            .AddParameter("KmGLC0", 4.2, 0.042, 420, "mM", PriorSpec.LogNormal(4.2, PriorSdLog))
            .AddParameter("vmaxg0", 0.126, 0.00126, 12.6, "1/h", PriorSpec.LogNormal(0.126, PriorSdLog))
            .AddParameter("vmaxHK1", 1.95e-5, 1.95e-7, 1.95e-3, vmaxUnit, PriorSpec.LogNormal(1.95e-5, PriorSdLog))
            .AddParameter("vmaxmAb1", 7.5e-8, 7.5e-10, 7.5e-6, vmaxUnit, PriorSpec.LogNormal(7.5e-8, PriorSdLog))
            .AddParameter("KmGLC1", 3.5, 0.035, 350, "mM", PriorSpec.LogNormal(3.5, PriorSdLog))
            .AddParameter(new Parameter("beta0", 0.3, 0.003, 30, LogScale: true, Estimate: false, Unit: "1/h"))
            .AddParameter(new Parameter("beta1", 0.1, 0.001, 10, LogScale: true, Estimate: false, Unit: "1/h"))
            .AddPerPhaseReaction(
                "glycolysis",
                new() { ["GLC"] = -1, ["LAC"] = 2 },
                new() { ["X0"] = "vmaxHK0*mm(GLC, KmGLC0)", ["X1"] = "vmaxHK1*mm(GLC, KmGLC1)" })
            .AddPerPhaseReaction(
                "growth",
                new() { ["GLC"] = -0.02, ["X0"] = 1 },
                new() { ["X0"] = "vmaxg0*mm(GLC, KmGLC0)" })
            .AddPerPhaseReaction(
                "production",
                new() { ["GLC"] = -0.01, ["mAb"] = 1 },
                new() { ["X0"] = "vmaxmAb0*mm(GLC, KmGLC0)", ["X1"] = "vmaxmAb1*mm(GLC, KmGLC1)" })
            .AddTransition("X0", "X1", "beta0")
            .AddTransition("X1", "X0", "beta1")
            .Build("built-in:cho (C#)");
    }

    /// <summary>
    /// The enzyme-kinetics network E + S ⇌ ES → E + P (RAPTOR-GEN's benchmark) in C#: k1 = 3600 µM⁻¹h⁻¹,
    /// k₋₁ = 0.36 h⁻¹, k2 = 360 h⁻¹, S₀ = 0.5 µM, E₀ = 0.2 µM, Ω = 600 molecules/µM.
    /// </summary>
    public static ReactionNetwork MichaelisMenten() =>
        ReactionNetwork.CreateBuilder("michaelis-menten")
            .WithSystemSize(600)
            .AddSpecies("S", "uM", 0.5)
            .AddSpecies("E", "uM", 0.2)
            .AddSpecies("ES", "uM", 0)
            .AddSpecies("P", "uM", 0)
            .AddParameter("k1", 3600, 3.6, 3.6e6, "1/(uM h)", PriorSpec.LogNormal(3600, PriorSdLog))
            .AddParameter("km1", 0.36, 3.6e-4, 360, "1/h", PriorSpec.LogNormal(0.36, PriorSdLog))
            .AddParameter("k2", 360, 0.36, 3.6e5, "1/h", PriorSpec.LogNormal(360, PriorSdLog))
            .AddReaction("binding", new() { ["E"] = -1, ["S"] = -1, ["ES"] = 1 }, "k1*E*S")
            .AddReaction("unbinding", new() { ["ES"] = -1, ["E"] = 1, ["S"] = 1 }, "km1*ES")
            .AddReaction("catalysis", new() { ["ES"] = -1, ["E"] = 1, ["P"] = 1 }, "k2*ES")
            .Build("built-in:michaelis-menten (C#)");
}
