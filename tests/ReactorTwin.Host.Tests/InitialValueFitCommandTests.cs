using System.Globalization;
using System.Text.Json;

namespace ReactorTwin.Host.Tests;

/// <summary>
/// An initial value estimated from the command line: a model file whose biomass starts at a parameter
/// (<c>"initial": "X0"</c>), data simulated with X0 = 0.35 g/L from which the t = 0 biomass sample is removed, and
/// <c>fit</c>, which must recover X0 (noise-free data: to the optimiser's tolerance).
/// </summary>
public sealed class InitialValueFitCommandTests : CliHarness
{
    private const string Model = """
        {
          "name": "growth-x0",
          "species": [ { "name": "S", "unit": "g/L", "initial": 10 } ],
          "cellPhases": [ { "name": "X", "unit": "g/L", "initial": "X0" } ],
          "parameters": [
            { "name": "mu", "value": 0.3, "lower": 0.01, "upper": 2 },
            { "name": "K", "value": 1.0, "lower": 0.01, "upper": 10, "estimate": false },
            { "name": "X0", "value": 0.1, "lower": 0.001, "upper": 5, "unit": "g/L" }
          ],
          "reactions": [ { "name": "uptake", "stoichiometry": { "S": -2, "X": 1 }, "rate": "mu*S/(K+S)*X" } ]
        }
        """;

    [Fact]
    public void Fit_EstimatesAnInitialValueThatTheDataDoNotMeasure()
    {
        string model = Path.Combine(Dir, "growth-x0.json");
        File.WriteAllText(model, Model);
        string simulated = Path.Combine(Dir, "sim.csv");
        var sim = Run("simulate", "--model", model, "--method", "ode", "--set", "X0=0.35", "--hours", "8", "--interval", "1", "--out", simulated);
        Assert.True(sim.Code == 0, sim.Err);
        var lines = File.ReadAllLines(simulated);
        var header = lines[0].Split(',');
        int time = Array.IndexOf(header, "time_h"), name = Array.IndexOf(header, "species");
        Assert.True(time >= 0 && name >= 0, $"simulate wrote the long format: {lines[0]}");
        string data = Path.Combine(Dir, "data.csv");
        File.WriteAllLines(data, lines.Where((l, i) => i == 0 || !(l.Split(',')[name] == "X" && double.Parse(l.Split(',')[time], CultureInfo.InvariantCulture) == 0)));

        string output = Path.Combine(Dir, "fit.json");
        var fit = Run("fit", "--model", model, "--data", data, "--likelihood", "ode", "--noise", "S=0.05,X=0.01", "--starts", "3", "--seed", "2", "--out", output);
        Assert.True(fit.Code == 0, fit.Err);
        Assert.DoesNotContain("no sample at t = 0 h of X", fit.Err, StringComparison.Ordinal); // estimated, not assumed
        using var doc = JsonDocument.Parse(File.ReadAllText(output));
        var estimates = doc.RootElement.GetProperty("parameters").EnumerateArray()
            .ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("estimate").GetDouble());
        Assert.True(Math.Abs(estimates["X0"] - 0.35) <= 1e-3, $"X0 = {estimates["X0"]:R}");
        Assert.True(Math.Abs(estimates["mu"] - 0.3) <= 1e-3, $"mu = {estimates["mu"]:R}");
    }
}
