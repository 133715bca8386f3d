using System.Text.Json;

namespace ReactorTwin.Host.Tests;

public sealed class FitCommandTests : CliHarness
{
    private string SimulatedData(int replicates)
    {
        string csv = Path.Combine(Dir, "cho.csv");
        Assert.Equal(0, Run("simulate", "--model", "cho", "--method", "cle", "--replicates", replicates.ToString(System.Globalization.CultureInfo.InvariantCulture), "--seed", "2", "--out", csv).Code);
        return csv;
    }

    [Theory]
    [InlineData("mle")]
    [InlineData("bootstrap")]
    public void Fit_Em_WritesEstimateWithIntervalsForEveryEstimatedParameter(string method)
    {
        string result = Path.Combine(Dir, "fit.json");
        var (code, output, err) = Run("fit", "--model", "cho", "--data", SimulatedData(6), "--likelihood", "em", "--method", method, "--starts", "2", "--samples", "12", "--seed", "3", "--out", result);
        Assert.True(code == 0, err);
        Assert.Contains("log-likelihood", output, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(File.ReadAllText(result));
        var parameters = doc.RootElement.GetProperty("parameters").EnumerateArray().ToArray();
        Assert.Equal(new[] { "vmaxHK0", "vmaxmAb0", "KmGLC0", "vmaxg0", "vmaxHK1", "vmaxmAb1", "KmGLC1" }, parameters.Select(p => p.GetProperty("name").GetString()).ToArray());
        foreach (var p in parameters)
        {
            double lo = p.GetProperty("q2_5").GetDouble(), hi = p.GetProperty("q97_5").GetDouble(), est = p.GetProperty("estimate").GetDouble();
            Assert.True(lo > 0 && lo < hi, $"{p}");                         // log-scale parameters stay positive
            if (method == "mle")
            {
                Assert.InRange(est, lo, hi);                                // Wald interval is centred on û in u
            }
        }

        var starts = doc.RootElement.GetProperty("diagnostics").GetProperty("starts").EnumerateArray().ToArray();
        Assert.Equal(2, starts.Length);
        Assert.All(starts, st => Assert.True(st.GetProperty("evaluations").GetInt64() > 0 && st.GetProperty("elapsedSeconds").GetDouble() >= 0));
        var diagnostics = doc.RootElement.GetProperty("diagnostics");
        Assert.Equal(2, diagnostics.GetProperty("startsConverged").GetInt32() + diagnostics.GetProperty("startsStoppedBeforeConverging").GetInt32()
            + diagnostics.GetProperty("startsAbandoned").GetInt32() + diagnostics.GetProperty("startsFailed").GetInt32());
        // Progress on stderr: its last line says every start (and replicate) is done.
        Assert.Contains("MLE: 2/2 starts", err, StringComparison.Ordinal);
        if (method == "bootstrap")
        {
            Assert.Contains("bootstrap: 12/12 replicates", err, StringComparison.Ordinal);
        }

        Assert.True(doc.RootElement.GetProperty("timings").GetProperty("totalSeconds").GetDouble() >= 0);
        if (method == "bootstrap")
        {
            Assert.Equal(12, doc.RootElement.GetProperty("diagnostics").GetProperty("bootstrapReplicates").GetInt32() + doc.RootElement.GetProperty("diagnostics").GetProperty("bootstrapFailed").GetInt32());
        }
    }

    [Theory]
    [InlineData("mala")]
    [InlineData("nuts")]
    public void Fit_Sampler_ReportsPosteriorQuantilesAndChainDiagnostics(string method)
    {
        string result = Path.Combine(Dir, method + ".json");
        var (code, _, err) = Run("fit", "--model", "cho", "--data", SimulatedData(6), "--likelihood", "em", "--method", method, "--starts", "1", "--samples", "200", "--out", result);
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(File.ReadAllText(result));
        var diag = doc.RootElement.GetProperty("diagnostics");
        Assert.Equal(4, diag.GetProperty("chains").GetInt32());
        Assert.Contains($"{(method == "nuts" ? "NUTS" : "MALA")}: 1600/1600 iterations", err, StringComparison.Ordinal); // 4 chains × (200 warm-up + 200)
        // Plumbing check: one acceptance rate and step size per chain. (Adaptation quality is tested on targets
        // with known answers in ReactorTwin.Core.Tests; CHO's α posterior with 200 warm-up draws is a hard ridge.)
        Assert.Equal(4, diag.GetProperty("acceptance").GetArrayLength());
        Assert.All(diag.GetProperty("acceptance").EnumerateArray(), a => Assert.InRange(a.GetDouble(), 0.0, 1.0));
        Assert.All(diag.GetProperty("stepSizes").EnumerateArray(), h => Assert.True(h.GetDouble() > 0));
        foreach (var p in doc.RootElement.GetProperty("parameters").EnumerateArray())
        {
            Assert.True(p.GetProperty("ess").GetDouble() > 0);
            Assert.True(p.GetProperty("q2_5").GetDouble() <= p.GetProperty("q50").GetDouble() && p.GetProperty("q50").GetDouble() <= p.GetProperty("q97_5").GetDouble());
        }
    }

    [Fact]
    public void Fit_SameSeed_SameResult()
    {
        string data = SimulatedData(4);
        string a = Path.Combine(Dir, "a.json"), b = Path.Combine(Dir, "b.json");
        Assert.Equal(0, Run("fit", "--model", "cho", "--data", data, "--likelihood", "em", "--starts", "3", "--seed", "7", "--out", a).Code);
        Assert.Equal(0, Run("fit", "--model", "cho", "--data", data, "--likelihood", "em", "--starts", "3", "--seed", "7", "--out", b).Code);
        static string Strip(string path) => string.Join('\n', File.ReadAllLines(path).Where(l => !l.Contains("Seconds", StringComparison.Ordinal)));
        Assert.Equal(Strip(a), Strip(b));
    }

    [Fact]
    public void Fit_BadStarts_ExitsTwo()
    {
        var (code, _, err) = Run("fit", "--model", "cho", "--data", SimulatedData(2), "--starts", "0", "--out", Path.Combine(Dir, "x.json"));
        Assert.Equal(2, code);
        Assert.Contains("--starts must be", err, StringComparison.Ordinal);
    }
}
