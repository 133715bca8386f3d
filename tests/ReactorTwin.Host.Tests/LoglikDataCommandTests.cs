using System.Globalization;
using System.Text.Json;
using ReactorTwin.Host.Cli;

namespace ReactorTwin.Host.Tests;

/// <summary>
/// <c>loglik</c> and <c>fit</c> with the data layer: a missing measurement noise is an error (not a 1e−12 floor),
/// observables by name in the data and in <c>--noise</c>, warnings on stderr, the Euler–Maruyama preconditions and
/// <c>--omega</c>.
/// </summary>
public sealed class LoglikDataCommandTests : CliHarness
{
    private static readonly string Millard = EcoliTestModel.DataFile("millard_1mM.csv");

    private static double LogLik(string output)
    {
        using var doc = JsonDocument.Parse(output);
        return doc.RootElement.GetProperty("loglik").GetDouble();
    }

    private string Csv(string name, string text)
    {
        string path = Path.Combine(Dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Theory]
    [InlineData("lna")]
    [InlineData("ode")]
    public void Loglik_WithoutNoise_IsAnErrorListingEveryMeasuredChannelWithUnitAndLines(string kind)
    {
        var (code, output, err) = Run("loglik", "--model", EcoliTestModel.Write(Dir), "--data", Millard, "--likelihood", kind);
        Assert.Equal(CommandLineApp.UsageError, code);
        Assert.Empty(output);
        Assert.Equal(
            $"error: {Millard}: no measurement noise for GLC (mM, lines 5–35), ACE (mM, lines 6–36), X (gDW/L, lines 7–37): add --noise GLC=SD,ACE=SD,X=SD (each an absolute SD in the channel's unit, or P% for a percentage of the measured value, e.g. GLC=5%)",
            err.TrimEnd());
    }

    [Fact]
    public void Loglik_ChoSimulatedWithoutNoise_NoLongerReturnsAHugeNegativeNumber()
    {
        // Before, the 1e−12 floor alone gave loglik ≈ −9.8e11 here.
        string csv = Path.Combine(Dir, "cho.csv");
        Assert.Equal(0, Run("simulate", "--model", "cho", "--method", "cle", "--replicates", "3", "--seed", "4", "--out", csv).Code);
        var (code, output, err) = Run("loglik", "--model", "cho", "--data", csv);
        Assert.Equal(CommandLineApp.UsageError, code);
        Assert.Empty(output);
        Assert.StartsWith($"error: {csv}: no measurement noise for GLC (mM, lines ", err, StringComparison.Ordinal);
        Assert.Contains("add --noise GLC=SD,LAC=SD,mAb=SD,X0=SD,X1=SD (each an absolute SD in the channel's unit,", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Loglik_NoiseForSomeChannels_NamesOnlyTheOthers()
    {
        var (code, _, err) = Run("loglik", "--model", EcoliTestModel.Write(Dir), "--data", Millard, "--noise", "GLC=0.3,ACE=2%");
        Assert.Equal(CommandLineApp.UsageError, code);
        Assert.Contains("no measurement noise for X (gDW/L, lines 7–37): add --noise X=SD (each an absolute SD in gDW/L, or P% for a percentage of the measured value, e.g. X=5%)", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Loglik_ObservableWithoutNoise_AsksForItOnTheCommandLineOrInTheModel()
    {
        string csv = Csv("od.csv", "time_h,GLC,ACE,X,OD600\n0,12.7,1,0.06,0.16\n1,12,1.2,,0.21\n2,11,1.4,,0.3\n");
        var (code, _, err) = Run("loglik", "--model", EcoliTestModel.Write(Dir), "--data", csv, "--noise", "GLC=0.3,ACE=0.1");
        Assert.Equal(CommandLineApp.UsageError, code);
        Assert.Contains("no measurement noise for OD600 (AU, lines 2–4): add --noise OD600=SD (each an absolute SD in AU, or P% for a percentage of the measured value, e.g. OD600=5%) or give the observables a noise in the model file", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Noise_ObservableByName_ReplacesTheModelsNoise_ItemsOfOneChannelCombine()
    {
        var model = Core.Models.ModelJson.Parse(EcoliTestModel.Json("""{ "distribution": "normal", "relative": 0.05 }"""), "ecoli.json");
        const int od = 3; // channels GLC, ACE, X, OD600
        var preset = NoiseOption.Parse(model, []);
        Assert.True(preset.IsGiven(od));
        Assert.Equal((0.05 * 0.2 * 0.05 * 0.2) + 1e-12, preset.Variance(od, 0.2), 1e-18); // the model's 5 %
        Assert.False(preset.IsGiven(0));

        var replaced = NoiseOption.Parse(model, ["OD600=0.01"]);
        Assert.Equal(0, replaced.Relative(od));
        Assert.Equal(1e-4 + 1e-12, replaced.Variance(od, 0.2), 1e-18);

        var combined = NoiseOption.Parse(model, ["GLC=0.3", "GLC=2%", "OD600=0.01,OD600=5%"]);
        Assert.Equal((0.3 * 0.3) + (0.02 * 10 * 0.02 * 10) + 1e-12, combined.Variance(0, 10), 1e-15);
        Assert.Equal(1e-4 + (0.05 * 0.2 * 0.05 * 0.2) + 1e-12, combined.Variance(od, 0.2), 1e-18);
    }

    [Fact]
    public void Noise_PercentOnALogNormalObservable_IsRefused()
    {
        var model = Core.Models.ModelJson.Parse(EcoliTestModel.Json("""{ "distribution": "lognormal", "sd": 0.1 }"""), "ecoli.json");
        var ex = Assert.Throws<CliException>(() => NoiseOption.Parse(model, ["OD600=5%"]));
        Assert.Equal("--noise OD600: OD600 is log-normal, its SD is on the log scale already: give an absolute SD (OD600=0.05 for about 5 %)", ex.Message);
    }

    [Fact]
    public void Loglik_NoiseForAnUnknownName_ListsTheChannels()
    {
        var (code, _, err) = Run("loglik", "--model", EcoliTestModel.Write(Dir), "--data", Millard, "--noise", "GLX=0.3");
        Assert.Equal(CommandLineApp.UsageError, code);
        Assert.Equal("error: --noise GLX: not a channel (species, cell phase or observable) of model 'ecoli-glc-ace' (GLC, ACE, X, OD600)", err.TrimEnd());
    }

    [Fact]
    public void Loglik_StateNotSampledAtTimeZero_RunsAndWarnsOnStderr()
    {
        string csv = Csv("late.csv", string.Join('\n', File.ReadAllLines(Millard).Where(l => l != "1,0.0,X,0.06308")) + "\n");
        var (code, output, err) = Run("loglik", "--model", EcoliTestModel.Write(Dir), "--data", csv, "--noise", "GLC=0.3,ACE=0.1,X=5%");
        Assert.True(code == 0, err);
        Assert.True(double.IsFinite(LogLik(output)));
        Assert.Equal($"warning: {csv}: batch 1: no sample at t = 0 h of X: its initial value is the model's (X = 0.06 gDW/L); measure it at t = 0 or set its initial value in the model file", err.TrimEnd());
    }

    [Fact]
    public void Loglik_Replicates_AreIndependentMeasurements()
    {
        // Under the ODE likelihood two replicates at one time are two independent terms with the same μ and R:
        // ℓ(both) = ℓ(first alone) + ℓ(second alone), to rounding.
        const string start = "batch,time_h,species,value\n1,0,GLC,12.7\n1,0,ACE,1\n1,0,X,0.06\n";
        string model = EcoliTestModel.Write(Dir);
        (double LogLik, int Count) Eval(string name, string rows)
        {
            var (code, output, err) = Run("loglik", "--model", model, "--data", Csv(name, start + rows), "--likelihood", "ode", "--noise", "GLC=0.3");
            Assert.True(code == 0, err);
            using var doc = JsonDocument.Parse(output);
            return (doc.RootElement.GetProperty("loglik").GetDouble(), doc.RootElement.GetProperty("measurements").GetInt32());
        }

        var first = Eval("first.csv", "1,1,GLC,12\n");
        var second = Eval("second.csv", "1,1,GLC,12.2\n");
        var both = Eval("both.csv", "1,1,GLC,12\n1,1,GLC,12.2\n");
        Assert.Equal((1, 1, 2), (first.Count, second.Count, both.Count));
        Assert.NotEqual(first.LogLik, second.LogLik);
        Assert.Equal(first.LogLik + second.LogLik, both.LogLik, 1e-9);
    }

    [Fact]
    public void Loglik_EmWithObservablesOrReplicates_IsRefused_AndNoiseIsSaidToBeUnused()
    {
        string model = EcoliTestModel.Write(Dir);
        string od = Csv("od.csv", "time_h,GLC,ACE,X,OD600\n0,12.7,1,0.06,\n1,12,1.2,0.1,0.21\n");
        var (c1, _, e1) = Run("loglik", "--model", model, "--data", od, "--likelihood", "em");
        Assert.Equal(CommandLineApp.UsageError, c1);
        Assert.Equal($"error: {od}: the Euler–Maruyama likelihood fits complete state trajectories, and the data measure observables (OD600); use --likelihood lna or ode", e1.TrimEnd());

        string rep = Csv("rep.csv", "time_h,GLC,ACE,X\n0,12.7,1,0.06\n1,12,1.2,0.1\n1,12.1,,\n");
        var (c2, _, e2) = Run("loglik", "--model", model, "--data", rep, "--likelihood", "em");
        Assert.Equal(CommandLineApp.UsageError, c2);
        Assert.Contains($"{rep}: species: batch rep: at 1 h replicates (GLC ×2); the Euler–Maruyama likelihood takes one sample per state and time: use --likelihood lna or ode", e2, StringComparison.Ordinal);

        var (c3, o3, e3) = Run("loglik", "--model", model, "--data", Millard, "--likelihood", "em", "--noise", "GLC=0.3");
        Assert.True(c3 == 0, e3);
        Assert.True(double.IsFinite(LogLik(o3)));
        Assert.Equal("warning: --noise is not used by the Euler–Maruyama likelihood (it fits complete trajectories without measurement noise)", e3.TrimEnd());
    }

    [Fact]
    public void Loglik_Omega_LargerSystemSizeBringsTheLnaLikelihoodToTheOdeOne_AsOneOverOmega()
    {
        // Noise-free mean-ODE data: the LNA adds intrinsic variance Σ/Ω to R, so ℓ_ode − ℓ_lna(Ω) > 0 and → 0 as O(1/Ω).
        string csv = Path.Combine(Dir, "ode.csv");
        Assert.Equal(0, Run("simulate", "--model", "cho", "--method", "ode", "--hours", "72", "--interval", "12", "--out", csv).Code);
        const string noise = "GLC=2%,LAC=2%,mAb=0.001,X0=2%,X1=2%";
        double At(string kind, double omega)
        {
            var (code, output, err) = Run("loglik", "--model", "cho", "--data", csv, "--likelihood", kind, "--noise", noise, "--omega", omega.ToString("R", CultureInfo.InvariantCulture));
            Assert.True(code == 0, err);
            return LogLik(output);
        }

        double ode = At("ode", 1);
        Assert.Equal(ode, At("ode", 1e6), 12); // the ODE likelihood has no intrinsic noise: Ω does not enter
        double[] gaps = [.. new[] { 1e4, 1e5, 1e6, 1e7 }.Select(o => ode - At("lna", o))];
        Assert.All(gaps, g => Assert.True(g > 0, $"gap {g}"));
        for (int k = 1; k < gaps.Length; k++)
        {
            double ratio = gaps[k - 1] / gaps[k];
            Assert.True(ratio is > 7 and < 13, $"gap ratio {ratio} between Ω = 1e{k + 3} and 1e{k + 4}"); // 10 for O(1/Ω)
        }

        Assert.True(gaps[^1] < 2e-3, $"gap at Ω = 1e7: {gaps[^1]}");
    }

    [Theory]
    [InlineData("loglik", "0")]
    [InlineData("loglik", "NaN")]
    [InlineData("fit", "0")]
    public void Omega_NotFinitePositive_IsAnError(string command, string omega)
    {
        string[] extra = command == "fit" ? ["--out", Path.Combine(Dir, "fit.json")] : [];
        var (code, _, err) = Run([command, "--model", EcoliTestModel.Write(Dir), "--data", Millard, "--noise", "GLC=0.3,ACE=0.1,X=5%", "--omega", omega, .. extra]);
        Assert.Equal(CommandLineApp.UsageError, code);
        Assert.Equal($"error: --omega must be finite and > 0, not {omega}", err.TrimEnd());
    }

    [Fact]
    public void Fit_WithoutNoise_FailsBeforeFitting()
    {
        var (code, output, err) = Run("fit", "--model", EcoliTestModel.Write(Dir), "--data", EcoliTestModel.DataFile("millard_all_shifted_wide.csv"), "--out", Path.Combine(Dir, "fit.json"));
        Assert.Equal(CommandLineApp.UsageError, code);
        Assert.Empty(output);
        Assert.StartsWith($"error: {EcoliTestModel.DataFile("millard_all_shifted_wide.csv")}: no measurement noise for GLC (mM, lines 3–39), ACE (mM, lines 3–39), X (gDW/L, lines 3–39)", err, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Dir, "fit.json")));
    }
}
