using System.Globalization;
using System.Text.Json;

namespace ReactorTwin.Host.Tests;

/// <summary>
/// Per-batch parameters from the command line: three batches simulated with inocula X0 = 0.15, 0.35 and 0.6 g/L and
/// a shared growth rate, the t = 0 biomass samples removed, and <c>fit --per-batch X0</c>, which must recover each
/// batch's X0 and the shared μ (noise-free data: to the optimiser's tolerance); <c>loglik</c> with
/// <c>--params X0@BATCH=…</c> at the truth gives the noise constant only; and each misuse gets its message.
/// </summary>
public sealed class PerBatchFitCommandTests : CliHarness
{
    private const string Model = """
        {
          "name": "growth-x0",
          "species": [ { "name": "S", "unit": "g/L", "initial": 10 } ],
          "cellPhases": [ { "name": "X", "unit": "g/L", "initial": "X0" } ],
          "parameters": [
            { "name": "mu", "value": 0.2, "lower": 0.01, "upper": 2 },
            { "name": "K", "value": 1.0, "lower": 0.01, "upper": 10, "estimate": false },
            { "name": "X0", "value": 0.1, "lower": 0.001, "upper": 5, "unit": "g/L" }
          ],
          "reactions": [ { "name": "uptake", "stoichiometry": { "S": -2, "X": 1 }, "rate": "mu*S/(K+S)*X" } ]
        }
        """;

    private static readonly (string Id, double X0)[] Batches = [("r1", 0.15), ("r2", 0.35), ("r3", 0.6)];

    /// <summary>Writes the model and the three batches' data (long format, no X at t = 0); returns their paths.</summary>
    private (string Model, string Data) Write()
    {
        string model = Path.Combine(Dir, "growth-x0.json");
        File.WriteAllText(model, Model);
        var rows = new List<string> { "batch,time_h,species,value" };
        foreach (var (id, x0) in Batches)
        {
            string simulated = Path.Combine(Dir, $"{id}.csv");
            var sim = Run("simulate", "--model", model, "--method", "ode", "--set", string.Create(CultureInfo.InvariantCulture, $"X0={x0},mu=0.3"), "--hours", "8", "--interval", "1", "--out", simulated);
            Assert.True(sim.Code == 0, sim.Err);
            foreach (var cells in File.ReadAllLines(simulated).Skip(1).Select(l => l.Split(',')))
            {
                if (!(cells[2] == "X" && cells[1] == "0"))
                {
                    rows.Add($"{id},{cells[1]},{cells[2]},{cells[3]}");
                }
            }
        }

        string data = Path.Combine(Dir, "data.csv");
        File.WriteAllLines(data, rows);
        return (model, data);
    }

    [Fact]
    public void Fit_EstimatesEachBatchsInoculumAndTheSharedGrowthRate()
    {
        var (model, data) = Write();
        string output = Path.Combine(Dir, "fit.json");
        var fit = Run("fit", "--model", model, "--data", data, "--likelihood", "ode", "--noise", "S=0.05,X=0.01", "--per-batch", "X0", "--starts", "3", "--seed", "2", "--out", output);
        Assert.True(fit.Code == 0, fit.Err);
        using var doc = JsonDocument.Parse(File.ReadAllText(output));
        var estimates = doc.RootElement.GetProperty("parameters").EnumerateArray()
            .ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("estimate").GetDouble());
        Assert.Equal(["mu", "X0@r1", "X0@r2", "X0@r3"], estimates.Keys);
        Assert.True(Math.Abs(estimates["mu"] - 0.3) <= 1e-3, $"mu = {estimates["mu"]:R}");
        foreach (var (id, x0) in Batches)
        {
            Assert.True(Math.Abs(estimates[$"X0@{id}"] - x0) <= 1e-3 * x0, $"X0@{id} = {estimates[$"X0@{id}"]:R}, truth {x0}");
        }

        Assert.Contains("X0@r2", fit.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Loglik_TakesEachBatchsValueFromParams()
    {
        var (model, data) = Write();
        string[] common = ["loglik", "--model", model, "--data", data, "--likelihood", "ode", "--noise", "S=0.05,X=0.01", "--per-batch", "X0", "--params", "mu=0.3"];
        var truth = Run([.. common, "--params", "X0@r1=0.15,X0@r2=0.35,X0@r3=0.6"]);
        Assert.True(truth.Code == 0, truth.Err);
        var shared = Run([.. common, "--params", "X0=0.35"]);
        Assert.True(shared.Code == 0, shared.Err);
        using var t = JsonDocument.Parse(truth.Out);
        using var s = JsonDocument.Parse(shared.Out);
        int n = t.RootElement.GetProperty("measurements").GetInt32();
        Assert.Equal(3 * 8 * 2, n); // S and X at 1..8 h per batch (S at 0 is the batch's initial value, not a measurement)
        double constant = -0.5 * 3 * ((8 * Math.Log(2 * Math.PI * 0.05 * 0.05)) + (8 * Math.Log(2 * Math.PI * 0.01 * 0.01)));
        Assert.Equal(constant, t.RootElement.GetProperty("loglik").GetDouble(), 3); // exact data at the truth: residuals ~1e−6
        Assert.True(s.RootElement.GetProperty("loglik").GetDouble() < constant - 1000, "one inoculum for all three batches fits badly");
        var gradient = t.RootElement.GetProperty("gradient");
        Assert.Equal(["mu", "X0@r1", "X0@r2", "X0@r3"], gradient.EnumerateObject().Select(p => p.Name));
    }

    [Theory]
    [InlineData("--per-batch", "X9", "--per-batch X9: model 'growth-x0' has no parameter of that name (parameters: mu, K, X0)")]
    [InlineData("--per-batch", "X", "--per-batch X: model 'growth-x0' has no parameter of that name (X is a state; to give it its own initial value in each batch, write \"initial\": \"X0\"")]
    [InlineData("--params", "X0@r9=0.2", "--params X0@r9: the data have no batch 'r9' (batches: r1, r2, r3)")]
    [InlineData("--params", "mu@r1=0.2", "--params mu@r1: 'mu' has one value for every batch; to give it a value per batch, add --per-batch mu or write \"perBatch\": true in the model file")]
    [InlineData("--params", "X0@r1=abc", "--params X0@r1: 'abc' is not a finite number")]
    public void Misuse_IsReportedWithTheItem(string option, string value, string message)
    {
        var (model, data) = Write();
        string[] perBatch = option == "--per-batch" ? [] : ["--per-batch", "X0"];
        var r = Run(["loglik", "--model", model, "--data", data, "--likelihood", "ode", "--noise", "S=0.05,X=0.01", .. perBatch, option, value]);
        Assert.NotEqual(0, r.Code);
        Assert.Contains(message, r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Bootstrap_RefusesPerBatchParametersByName()
    {
        var (model, data) = Write();
        var r = Run("fit", "--model", model, "--data", data, "--likelihood", "ode", "--noise", "S=0.05,X=0.01", "--per-batch", "X0", "--method", "bootstrap", "--out", Path.Combine(Dir, "b.json"));
        Assert.NotEqual(0, r.Code);
        Assert.Contains("X0 take a value per batch; use --method mle, mala or nuts", r.Err, StringComparison.Ordinal);
    }
}
