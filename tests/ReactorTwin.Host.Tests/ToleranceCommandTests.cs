using System.Text.Json;
using ReactorTwin.Host.Cli;

namespace ReactorTwin.Host.Tests;

/// <summary><c>--rtol</c> of loglik and fit: the integrator's tolerance, its effect stated in the output, bad values named.</summary>
public sealed class ToleranceCommandTests : CliHarness
{
    private const string Noise = "GLC=2%,LAC=2%,mAb=0.001,X0=2%,X1=2%";

    private string SimulatedData()
    {
        string csv = Path.Combine(Dir, "cho.csv");
        Assert.Equal(0, Run("simulate", "--model", "cho", "--method", "cle", "--replicates", "2", "--seed", "4", "--out", csv).Code);
        return csv;
    }

    private static (double LogLik, double Gradient, double Tolerance) Loglik(params string[] args)
    {
        var (code, output, err) = Run(["loglik", "--model", "cho", "--noise", Noise, .. args]);
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        return (root.GetProperty("loglik").GetDouble(), root.GetProperty("gradient").GetProperty("vmaxHK0").GetDouble(), root.GetProperty("relativeTolerance").GetDouble());
    }

    [Theory]
    [InlineData("lna")]
    [InlineData("ode")]
    public void Rtol_ErrorOfTheLogLikelihoodScalesWithIt(string kind)
    {
        string data = SimulatedData();
        var reference = Loglik("--data", data, "--likelihood", kind, "--rtol", "1e-11");
        var standard = Loglik("--data", data, "--likelihood", kind);
        var loose = Loglik("--data", data, "--likelihood", kind, "--rtol", "1e-4");
        Assert.Equal(1e-6, standard.Tolerance);
        Assert.Equal(1e-4, loose.Tolerance);
        Assert.Equal(1e-11, reference.Tolerance);

        // The error follows the tolerance: relative to max(1, |ℓ|) within 10·rtol at the default and at 1e-4 (on CHO
        // about 0.4·rtol), and the looser one really is looser (the option reaches the integrator).
        double scale = Math.Max(1.0, Math.Abs(reference.LogLik));
        double errStandard = Math.Abs(standard.LogLik - reference.LogLik) / scale, errLoose = Math.Abs(loose.LogLik - reference.LogLik) / scale;
        Assert.True(errStandard < 1e-5, $"default: |Δℓ|/|ℓ| = {errStandard:E2} (ℓ = {reference.LogLik})");
        Assert.True(errLoose < 1e-3, $"rtol 1e-4: |Δℓ|/|ℓ| = {errLoose:E2} (ℓ = {reference.LogLik})");
        Assert.True(errLoose > 5 * errStandard, $"rtol 1e-4 error {errLoose:E2} against the default's {errStandard:E2}");
        Assert.Equal(reference.Gradient, loose.Gradient, Math.Abs(reference.Gradient) * 1e-3);
    }

    [Theory]
    [InlineData("0.5", "lna", "must lie in [1e-12, 1e-2]")]
    [InlineData("0", "ode", "must lie in")]
    [InlineData("NaN", "lna", "must lie in")]
    [InlineData("1e-4", "em", "the em likelihood integrates nothing")]
    public void Rtol_BadValueOrLikelihood_IsNamed(string rtol, string kind, string message)
    {
        string data = SimulatedData();
        var (code, _, err) = Run("loglik", "--model", "cho", "--data", data, "--noise", Noise, "--likelihood", kind, "--rtol", rtol);
        Assert.Equal(CommandLineApp.UsageError, code);
        Assert.Contains(message, err, StringComparison.Ordinal);
        var (fitCode, _, fitErr) = Run("fit", "--model", "cho", "--data", data, "--noise", Noise, "--likelihood", kind, "--rtol", rtol, "--out", Path.Combine(Dir, "r.json"));
        Assert.Equal(CommandLineApp.UsageError, fitCode);
        Assert.Contains(message, fitErr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Dir, "r.json")));
    }

    [Fact]
    public void Rtol_WithEulerStep_IsRefused()
    {
        var (code, _, err) = Run("loglik", "--model", "cho", "--data", SimulatedData(), "--noise", Noise, "--euler-step", "0.1", "--rtol", "1e-5");
        Assert.Equal(CommandLineApp.UsageError, code);
        Assert.Contains("--euler-step replaces that integrator", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_RecordsTheToleranceItUsed()
    {
        string data = SimulatedData(), result = Path.Combine(Dir, "fit.json");
        var (code, _, err) = Run("fit", "--model", "cho", "--data", data, "--noise", Noise, "--likelihood", "ode", "--starts", "1", "--rtol", "1e-5", "--out", result);
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(File.ReadAllText(result));
        Assert.Equal(1e-5, doc.RootElement.GetProperty("relativeTolerance").GetDouble());
    }
}
