using System.Globalization;
using ReactorTwin.Adapters.Import.Petab;

namespace ReactorTwin.Adapters.Tests.Import;

/// <summary>A case of the PEtab test suite: its problem file and its <c>_NNNN_solution.yaml</c> with the simulation table.</summary>
internal sealed record PetabSolution(string ProblemPath, double Chi2, double LogLikelihood, double TolChi2, double TolLlh, double TolSimulations, IReadOnlyList<double> Simulations)
{
    public static string SuiteDirectory => Path.Combine(AppContext.BaseDirectory, "Import", "Fixtures", "petab-test-suite", "v1.0.0-sbml");

    public static TheoryData<string> Cases => [.. Enumerable.Range(1, 20).Select(i => i.ToString("D4", CultureInfo.InvariantCulture))];

    public static PetabSolution Load(string id)
    {
        string dir = Path.Combine(SuiteDirectory, id);
        var yaml = PetabYaml.Read(Path.Combine(dir, $"_{id}_solution.yaml"));
        double N(string key) => double.Parse(yaml[key][0], CultureInfo.InvariantCulture);
        var table = TsvTable.Load(Path.Combine(dir, yaml["simulation_files"][0]));
        var simulations = table.Rows.Select(r => double.Parse(table.Required(r, "simulation"), CultureInfo.InvariantCulture)).ToList();
        return new PetabSolution(Path.Combine(dir, $"_{id}.yaml"), N("chi2"), N("llh"), N("tol_chi2"), N("tol_llh"), N("tol_simulations"), simulations);
    }
}
