using System.Globalization;
using ReactorTwin.Adapters.Import.Petab;

namespace ReactorTwin.Adapters.Tests.Import;

/// <summary>
/// A PEtab problem built from suite case 0001 in a temporary folder, edited per test: every inconsistency is refused with
/// the file, line and column, and the fit recovers parameters from noise-free data.
/// </summary>
public sealed class PetabProblemTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("petab-").FullName;

    public PetabProblemTests()
    {
        foreach (string file in Directory.GetFiles(Path.Combine(PetabSolution.SuiteDirectory, "0001")))
        {
            File.Copy(file, Path.Combine(_dir, Path.GetFileName(file)));
        }
    }

    private string Yaml => Path.Combine(_dir, "_0001.yaml");

    public static TheoryData<string, string, string, string> Errors => new()
    {
        { "_measurements.tsv", "obs_a\tc0\t0\t0.7", "obs_x\tc0\t0\t0.7", "_measurements.tsv:2: observableId: 'obs_x' is not in the observable table" },
        { "_measurements.tsv", "obs_a\tc0\t10\t0.1", "obs_a\tc9\t10\t0.1", "_measurements.tsv:3: simulationConditionId: 'c9' is not in the condition table" },
        { "_measurements.tsv", "obs_a\tc0\t10\t0.1", "obs_a\tc0\tinf\t0.1", "_measurements.tsv:3: time: 'inf' must be finite and ≥ 0 (steady-state measurements, time inf, are not supported)" },
        { "_measurements.tsv", "obs_a\tc0\t10\t0.1", "obs_a\tc0\t10\tabc", "_measurements.tsv:3: measurement: 'abc' is not a number" },
        { "_parameters.tsv", "k1\tlin\t0\t10\t0.8\t1", "k1\tln\t0\t10\t0.8\t1", "_parameters.tsv:4: parameterScale: 'ln' is not lin, log or log10" },
        { "_parameters.tsv", "k1\tlin\t0\t10\t0.8\t1", "k1\tlin\t0\t10\t0.8\tyes", "_parameters.tsv:4: estimate: 'yes' is not 0 or 1" },
        { "_parameters.tsv", "estimate\n", "estimate\tobjectivePriorType\n", "_parameters.tsv:2: objectivePriorType: 'normal': priors are not supported" },
        { "_observables.tsv", "obs_a\tA\t0.5", "obs_a\tA\tsigma_a", "observable 'obs_a': noiseFormula names 'sigma_a', which is not a state or parameter of the model" },
        { "_observables.tsv", "obs_a\tA\t0.5", "obs_a\tobservableParameter1_obs_a * A\t0.5", "measurement line 2: observable 'obs_a' needs 1 observableParameters, the measurement gives 0" },
        { "_observables.tsv", "obs_a\tA\t0.5", "obs_a\tA +\t0.5", "_observables.tsv:2: observableFormula:" },
        { "_conditions.tsv", "c0", "c0\t3", "_conditions.tsv:1: the required column" },
        { "_0001.yaml", "format_version: 1", "format_version: 2", "format_version 2 is not supported (PEtab 1)" },
        { "_0001.yaml", "  - _conditions.tsv", "  - _missing.tsv", "condition_files: the file _missing.tsv does not exist" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void Load_Inconsistent_NamesFileLineAndColumn(string file, string line, string replacement, string message)
    {
        string path = Path.Combine(_dir, file);
        string text = File.ReadAllText(path);
        Assert.Contains(line, text, StringComparison.Ordinal);
        File.WriteAllText(path, text.Replace(line, replacement, StringComparison.Ordinal));
        if (file == "_conditions.tsv")
        {
            File.WriteAllText(path, "conditionName\tk1\nc0\t3\n"); // no conditionId column
            message = "_conditions.tsv:1: the required column 'conditionId' is missing";
        }

        if (replacement.EndsWith("objectivePriorType\n", StringComparison.Ordinal))
        {
            File.WriteAllText(path, File.ReadAllText(path).Replace("a0\tlin\t0\t10\t1.0\t1", "a0\tlin\t0\t10\t1.0\t1\tnormal", StringComparison.Ordinal));
        }

        var ex = Assert.Throws<PetabException>(() => PetabProblem.Load(Yaml));

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_NoiseFreeData_RecoversTheRateConstants()
    {
        // k1 = 0.8, k2 = 0.6 produce obs_a at 11 times; a0 = 1, b0 = 0 fixed; k1, k2 estimated on log10 scale from elsewhere
        File.WriteAllText(Path.Combine(_dir, "_parameters.tsv"), "parameterId\tparameterScale\tlowerBound\tupperBound\tnominalValue\testimate\n"
            + "a0\tlin\t0\t10\t1\t0\nb0\tlin\t0\t10\t0\t0\nk1\tlog10\t0.01\t100\t0.8\t1\nk2\tlog10\t0.01\t100\t0.6\t1\n");
        File.WriteAllText(Path.Combine(_dir, "_measurements.tsv"), "observableId\tsimulationConditionId\ttime\tmeasurement\n"
            + string.Concat(Enumerable.Range(0, 11).Select(t => string.Create(CultureInfo.InvariantCulture, $"obs_a\tc0\t{t * 0.5}\t0\n"))));
        var truth = new PetabObjective(PetabProblem.Load(Yaml)).Evaluate();
        File.WriteAllText(Path.Combine(_dir, "_measurements.tsv"), "observableId\tsimulationConditionId\ttime\tmeasurement\n"
            + string.Concat(truth.Simulations.Select((y, t) => string.Create(CultureInfo.InvariantCulture, $"obs_a\tc0\t{t * 0.5}\t{y:R}\n"))));
        var problem = PetabProblem.Load(Yaml);
        problem = problem.WithParameters([.. problem.Parameters.Select(p => p.Estimate ? p with { Nominal = 3.0 } : p)]);

        var fit = PetabFit.Run(problem, new PetabFitOptions { Starts = 3, Seed = 2 });

        Assert.False(fit.Mle.Partial, fit.Mle.Summary);
        Assert.Equal(0.8, fit.Values[2], 1e-4);
        Assert.Equal(0.6, fit.Values[3], 1e-4);
        Assert.True(fit.Evaluation.Chi2 < 1e-8, $"chi2 {fit.Evaluation.Chi2}");
    }

    [Fact]
    public void Evaluate_LaplaceNoise_MatchesItsDensity()
    {
        File.WriteAllText(Path.Combine(_dir, "_observables.tsv"), "observableId\tobservableFormula\tnoiseFormula\tnoiseDistribution\nobs_a\tA\t0.5\tlaplace\n");
        var normal = new PetabObjective(PetabProblem.Load(Path.Combine(PetabSolution.SuiteDirectory, "0001", "_0001.yaml"))).Evaluate();

        var laplace = new PetabObjective(PetabProblem.Load(Yaml)).Evaluate();

        double expected = 0;
        double[] measured = [0.7, 0.1];
        for (int i = 0; i < 2; i++)
        {
            expected += -Math.Log(2 * 0.5) - (Math.Abs(measured[i] - normal.Simulations[i]) / 0.5);
        }

        Assert.Equal(expected, laplace.LogLikelihood, 1e-9);
        Assert.Equal(normal.Chi2, laplace.Chi2, 1e-12);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
