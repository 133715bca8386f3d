using System.Globalization;
using System.Text.Json;

namespace ReactorTwin.Host.Tests;

/// <summary><c>loglik --petab</c> and <c>fit --petab</c> end to end on cases of the PEtab test suite (fixtures of the adapter tests).</summary>
public sealed class PetabCommandTests : CliHarness
{
    private static string Case(string id)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ReactorTwin.sln")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        return Path.Combine(dir.FullName, "tests", "ReactorTwin.Adapters.Tests", "Import", "Fixtures", "petab-test-suite", "v1.0.0-sbml", id, $"_{id}.yaml");
    }

    [Theory]
    [InlineData("0001", -0.84750169713188, 0.79183798368486)]
    [InlineData("0009", -0.75799668259765, 0.6128279546164)] // pre-equilibration
    [InlineData("0016", -0.78492623889606, 0.4400296965992)] // log-transformed observable
    public void Loglik_Petab_PrintsTheSuitesLlhAndChi2(string id, double llh, double chi2)
    {
        var (code, output, err) = Run("loglik", "--petab", Case(id));

        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(llh, doc.RootElement.GetProperty("llh").GetDouble(), 1e-3);
        Assert.Equal(chi2, doc.RootElement.GetProperty("chi2").GetDouble(), 1e-3);
    }

    [Fact]
    public void Loglik_PetabWithParams_EvaluatesThere()
    {
        var (nominalCode, nominal, _) = Run("loglik", "--petab", Case("0001"));
        var (code, moved, err) = Run("loglik", "--petab", Case("0001"), "--params", "k1=0.3");

        Assert.Equal(0, nominalCode);
        Assert.True(code == 0, err);
        Assert.NotEqual(JsonDocument.Parse(nominal).RootElement.GetProperty("llh").GetDouble(), JsonDocument.Parse(moved).RootElement.GetProperty("llh").GetDouble());
    }

    [Fact]
    public void Fit_Petab_FindsTheMaximumWithinBoundsWithProgress()
    {
        // 0010: pre-equilibration, k2 estimated (lin, [0, 10]); the nominal k2 = 0.6 has llh -1.206
        string result = Path.Combine(Dir, "fit.json");

        var (code, output, err) = Run("fit", "--petab", Case("0010"), "--starts", "3", "--seed", "4", "--out", result);

        Assert.True(code == 0, err);
        Assert.Contains("MLE: 3/3 starts", err, StringComparison.Ordinal);  // the progress line, last state
        Assert.Contains("3 of 3 starts converged", output, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(File.ReadAllText(result));
        double llh = doc.RootElement.GetProperty("llh").GetDouble();
        var k2 = Assert.Single(doc.RootElement.GetProperty("parameters").EnumerateArray());
        Assert.Equal("k2", k2.GetProperty("id").GetString());
        double estimate = k2.GetProperty("value").GetDouble();
        Assert.InRange(estimate, 0.0, 10.0);
        Assert.True(llh > -1.20628941926143, output);
        foreach (double step in new[] { -1e-3, 1e-3 })
        {
            // the same problem through loglik, beside the estimate: lower on both sides
            var (c, beside, e) = Run("loglik", "--petab", Case("0010"), "--params", string.Create(CultureInfo.InvariantCulture, $"k2={estimate + step:R}"));
            Assert.True(c == 0, e);
            Assert.True(JsonDocument.Parse(beside).RootElement.GetProperty("llh").GetDouble() < llh, beside);
        }
    }

    [Fact]
    public void Loglik_PetabWithModel_IsRefused()
    {
        var (code, _, err) = Run("loglik", "--petab", Case("0001"), "--model", "cho");

        Assert.Equal(2, code);
        Assert.Contains("--petab replaces --model", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("loglik")]
    [InlineData("fit")]
    public void PetabWithRtol_IsRefusedWithItsOwnTolerance(string command)
    {
        var (code, _, err) = Run(command, "--petab", Case("0001"), "--rtol", "1e-4");

        Assert.Equal(2, code);
        Assert.Contains("--rtol is not available with --petab", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Loglik_NeitherPetabNorModel_SaysModelIsRequired()
    {
        var (code, _, err) = Run("loglik", "--data", "x.csv");

        Assert.Equal(2, code);
        Assert.Contains("Option '--model' is required.", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Loglik_PetabProblemWithMissingTable_NamesTheFile()
    {
        string yaml = Path.Combine(Dir, "broken.yaml");
        File.WriteAllText(yaml, string.Create(CultureInfo.InvariantCulture, $"format_version: 1\nparameter_file: missing_parameters.tsv\nproblems:\n- sbml_files: [m.xml]\n"));

        var (code, _, err) = Run("loglik", "--petab", yaml);

        Assert.Equal(2, code);
        Assert.Contains("error: ", err, StringComparison.Ordinal);
        Assert.Contains("broken.yaml", err, StringComparison.Ordinal);
    }
}
