using System.Globalization;
using System.Text.RegularExpressions;

namespace ReactorTwin.Host.Tests;

/// <summary>
/// <c>reactortwin simulate --model FILE.json</c> with events: the fed-batch example of docs/model-format.md, read from
/// the document itself so that the example stays runnable. Closed forms: X grows as X₀e^{μt} and each bolus scales it by
/// V/(V + dV), V steps 1 → 1.1 → 1.2 L, S = S₀ − qs X₀(e^{μt} − 1)/μ before the first event (tolerance 1e−5 relative,
/// the CLI's integrator runs at rtol 1e−6); the rescue keeps S ≥ 0.5 g/L on the mean and on SSA paths.
/// </summary>
public sealed class SimulateEventsTests : CliHarness
{
    private const double Mu = 0.1, Qs = 0.5, X0 = 0.5, S0 = 10;

    private static string FedBatchExample()
    {
        string dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "docs", "model-format.md")))
        {
            dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("docs/model-format.md not found above the test binaries");
        }

        string doc = File.ReadAllText(Path.Combine(dir, "docs", "model-format.md"));
        var block = Regex.Matches(doc, "```json\\n(.*?)```", RegexOptions.Singleline)
            .Select(m => m.Groups[1].Value)
            .Single(b => b.Contains("\"name\": \"fed-batch\"", StringComparison.Ordinal));
        return block;
    }

    private Dictionary<(string Replicate, double Time, string State), double> Simulate(params string[] extra)
    {
        string model = Path.Combine(Dir, "fed-batch.json"), csv = Path.Combine(Dir, "fed-batch.csv");
        File.WriteAllText(model, FedBatchExample());
        var (code, _, err) = Run(["simulate", "--model", model, "--hours", "60", "--interval", "1", "--out", csv, .. extra]);
        Assert.True(code == 0, err);
        return File.ReadAllLines(csv).Skip(1).Select(l => l.Split(','))
            .ToDictionary(
                r => (r[0], double.Parse(r[1], CultureInfo.InvariantCulture), r[2]),
                r => double.Parse(r[3], CultureInfo.InvariantCulture));
    }

    private static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(actual - expected) <= 1e-5 * Math.Abs(expected), $"{what}: {actual:R} vs {expected:R}");

    [Fact]
    public void Simulate_FedBatchExampleWithEvents_FollowsBolusesAndRescue()
    {
        var rows = Simulate("--method", "ode");
        Close(S0 - (Qs * X0 * (Math.Exp(Mu * 10) - 1) / Mu), rows[("1", 10, "S")], "S at 10 h");
        Assert.Equal(1.0, rows[("1", 24, "V")], 12);   // the output at 24 h is before the bolus
        Assert.Equal(1.1, rows[("1", 25, "V")], 12);
        Assert.Equal(1.2, rows[("1", 60, "V")], 12);
        Close(X0 * Math.Exp(Mu * 24), rows[("1", 24, "X")], "X at 24 h");
        Close(X0 * Math.Exp(Mu * 30) / 1.1, rows[("1", 30, "X")], "X at 30 h");
        Close(X0 * Math.Exp(Mu * 60) / 1.2, rows[("1", 60, "X")], "X at 60 h");
        for (int t = 16; t <= 60; t++)
        {
            Assert.InRange(rows[("1", t, "S")], 0.5 - 1e-6, 12); // rescued at 0.5 (by +2, once per crossing); a bolus brings it to (S + 10)/1.1
        }
    }

    [Fact]
    public void Simulate_FedBatchExampleWithEvents_SsaPathsKeepTheEvents()
    {
        var rows = Simulate("--method", "ssa", "--replicates", "2", "--seed", "3");
        foreach (string replicate in new[] { "1", "2" })
        {
            Assert.Equal(1.2, rows[(replicate, 60, "V")], 12);
            Close(X0 * Math.Exp(Mu * 60) / 1.2, rows[(replicate, 60, "X")], $"SSA X at 60 h, replicate {replicate}");
            for (int t = 16; t <= 60; t++)
            {
                Assert.InRange(rows[(replicate, t, "S")], 0.5 - 0.01, 12); // fired at the first molecule below 0.5 (Ω = 100)
            }
        }
    }

    [Fact]
    public void Simulate_EventWithBadTrigger_NamesFileLineAndField()
    {
        string path = Path.Combine(Dir, "bad-event.json");
        File.WriteAllText(path, """
            {
              "name": "bad",
              "species": [ { "name": "S", "unit": "mM", "initial": 1 } ],
              "parameters": [ { "name": "k", "value": 1, "lower": 0.1, "upper": 10 } ],
              "reactions": [ { "name": "decay", "stoichiometry": { "S": -1 }, "rate": "k*S" } ],
              "events": [ { "name": "feed", "trigger": "S + 1", "assign": { "P": "S + 5" } } ]
            }
            """);
        var (code, _, err) = Run("simulate", "--model", path);
        Assert.NotEqual(0, code);
        Assert.Contains($"{path}:6: $.events[0].trigger", err, StringComparison.Ordinal);
        Assert.Contains("must be one comparison", err, StringComparison.Ordinal);
        Assert.Contains("$.events[0].assign.P", err, StringComparison.Ordinal);
    }
}
