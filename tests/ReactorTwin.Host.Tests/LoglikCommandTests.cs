using System.Globalization;
using System.Text.Json;
using ReactorTwin.Host.Cli;

namespace ReactorTwin.Host.Tests;

public sealed class LoglikCommandTests : CliHarness
{
    private string SimulatedData()
    {
        string csv = Path.Combine(Dir, "cho.csv");
        Assert.Equal(0, Run("simulate", "--model", "cho", "--method", "cle", "--replicates", "3", "--seed", "4", "--out", csv).Code);
        return csv;
    }

    [Theory]
    [InlineData("em")]
    [InlineData("lna")]
    [InlineData("ode")]
    public void Loglik_SimulateOutput_PrintsJsonWithGradientForEveryEstimatedParameter(string kind)
    {
        var (code, output, err) = Run("loglik", "--model", "cho", "--data", SimulatedData(), "--likelihood", kind, "--noise", "GLC=2%,LAC=2%,mAb=0.001,X0=2%,X1=2%");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        double ll = doc.RootElement.GetProperty("loglik").GetDouble();
        Assert.True(double.IsFinite(ll));
        var names = doc.RootElement.GetProperty("gradient").EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(new[] { "vmaxHK0", "vmaxmAb0", "KmGLC0", "vmaxg0", "vmaxHK1", "vmaxmAb1", "KmGLC1" }, names); // β is not estimated
        Assert.All(doc.RootElement.GetProperty("gradient").EnumerateObject(), p => Assert.True(double.IsFinite(p.Value.GetDouble())));
        Assert.Equal(3, doc.RootElement.GetProperty("batches").GetInt32());
        Assert.Equal(kind switch { "em" => "euler-maruyama", "ode" => "ode", _ => "kalman-lna" }, doc.RootElement.GetProperty("likelihood").GetString());
    }

    [Fact]
    public void Loglik_ParamsChangeTheValue_AndGradientPointsUphill()
    {
        string data = SimulatedData();
        double At(double vmaxg0)
        {
            var (code, output, err) = Run("loglik", "--model", "cho", "--data", data, "--likelihood", "em", "--params", $"vmaxg0={vmaxg0.ToString("R", CultureInfo.InvariantCulture)}");
            Assert.True(code == 0, err);
            using var doc = JsonDocument.Parse(output);
            return doc.RootElement.GetProperty("loglik").GetDouble();
        }

        var (_, o0, _) = Run("loglik", "--model", "cho", "--data", data, "--likelihood", "em");
        using var d0 = JsonDocument.Parse(o0);
        double g = d0.RootElement.GetProperty("gradient").GetProperty("vmaxg0").GetDouble();
        double h = 1e-6 * 0.126;
        double fd = (At(0.126 + h) - At(0.126 - h)) / (2 * h);
        Assert.Equal(fd, g, Math.Abs(fd) * 1e-4); // JSON round-trips doubles; central difference error O(h²)
    }

    [Fact]
    public void Loglik_BadRowsAndUnknownSpecies_AllReportedWithLines()
    {
        string csv = Path.Combine(Dir, "bad.csv");
        File.WriteAllText(csv, "batch,time_h,species,value\n1,0,GLC,28\n1,12,GLX,3\n1,6,GLC,abc\n1,24,GLC,NaN\n");
        var (code, _, err) = Run("loglik", "--model", "cho", "--data", csv);
        Assert.Equal(CommandLineApp.UsageError, code);
        Assert.Contains("bad.csv:3: species: 'GLX'", err, StringComparison.Ordinal);
        Assert.Contains("bad.csv:4: value: 'abc' is not a number", err, StringComparison.Ordinal);
        Assert.Contains("bad.csv:5: value", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Loglik_EmOnPartialData_ExplainsWhatIsMissing()
    {
        string csv = Path.Combine(Dir, "partial.csv");
        File.WriteAllLines(csv, File.ReadAllLines(SimulatedData()).Where(l => !l.Contains(",LAC,", StringComparison.Ordinal)));
        var (code, _, err) = Run("loglik", "--model", "cho", "--data", csv, "--likelihood", "em");
        Assert.Equal(CommandLineApp.UsageError, code);
        Assert.Contains("LAC missing", err, StringComparison.Ordinal);
        var (code2, _, err2) = Run("loglik", "--model", "cho", "--data", csv, "--likelihood", "lna", "--noise", "GLC=0.1,mAb=0.001,X0=2%,X1=2%");
        Assert.True(code2 == 0, err2);
    }

    [Fact]
    public void Loglik_StateNameInParams_IsRejected()
    {
        var (code, _, err) = Run("loglik", "--model", "cho", "--data", SimulatedData(), "--params", "GLC=3");
        Assert.Equal(CommandLineApp.UsageError, code);
        Assert.Contains("takes parameters only", err, StringComparison.Ordinal);
    }
}
