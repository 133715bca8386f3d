using System.Globalization;
using ReactorTwin.Host.Cli;

namespace ReactorTwin.Host.Tests;

public sealed class CommandLineAppTests : CliHarness
{
    private static List<string[]> ReadCsv(string path) =>
        File.ReadAllLines(path).Skip(1).Select(l => l.Split(',')).ToList();

    [Fact]
    public void Simulate_ChoOde_WritesLongFormatCsvWithEveryStateAtEveryTime()
    {
        string csv = Path.Combine(Dir, "cho.csv");
        var (code, output, err) = Run("simulate", "--model", "cho", "--method", "ode", "--set", "GLC=28", "--hours", "72", "--interval", "12", "--out", csv);
        Assert.True(code == 0, err);
        Assert.Equal("replicate,time_h,species,value", File.ReadLines(csv).First());
        var rows = ReadCsv(csv);
        Assert.Equal(7 * 5, rows.Count); // 7 times (0..72 by 12) × 5 state components
        Assert.Equal(new[] { "0", "12", "24", "36", "48", "60", "72" }, rows.Select(r => r[1]).Distinct().ToArray());
        Assert.Equal(new[] { "GLC", "LAC", "mAb", "X0", "X1" }, rows.Select(r => r[2]).Distinct().ToArray());
        Assert.Equal(28.0, double.Parse(rows.First(r => r[1] == "0" && r[2] == "GLC")[3], CultureInfo.InvariantCulture));
        double glc72 = double.Parse(rows.First(r => r[1] == "72" && r[2] == "GLC")[3], CultureInfo.InvariantCulture);
        Assert.InRange(glc72, 0.0, 28.0); // consumed, never negative on the mean ODE
        Assert.Contains("state at t = 72 h", output, StringComparison.Ordinal);
        Assert.Contains("GLC", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Simulate_SameSeed_GivesIdenticalFiles_DifferentSeed_Differs()
    {
        string a = Path.Combine(Dir, "a.csv"), b = Path.Combine(Dir, "b.csv"), c = Path.Combine(Dir, "c.csv");
        Assert.Equal(0, Run("simulate", "--model", "cho", "--method", "cle", "--replicates", "3", "--seed", "5", "--out", a).Code);
        Assert.Equal(0, Run("simulate", "--model", "cho", "--method", "cle", "--replicates", "3", "--seed", "5", "--out", b).Code);
        Assert.Equal(0, Run("simulate", "--model", "cho", "--method", "cle", "--replicates", "3", "--seed", "6", "--out", c).Code);
        Assert.Equal(File.ReadAllText(a), File.ReadAllText(b));
        Assert.NotEqual(File.ReadAllText(a), File.ReadAllText(c));
        Assert.Equal(3 * 7 * 5, ReadCsv(a).Count);
        Assert.Equal(new[] { "1", "2", "3" }, ReadCsv(a).Select(r => r[0]).Distinct().ToArray());
    }

    [Fact]
    public void Simulate_MichaelisMentenSsa_ConservesEnzymeAndSubstrateExactly()
    {
        string csv = Path.Combine(Dir, "mm.csv");
        Assert.Equal(0, Run("simulate", "--model", "michaelis-menten", "--method", "ssa", "--hours", "0.01", "--interval", "0.001", "--replicates", "4", "--out", csv).Code);
        var rows = ReadCsv(csv);
        foreach (var g in rows.GroupBy(r => (r[0], r[1])))
        {
            var v = g.ToDictionary(r => r[2], r => double.Parse(r[3], CultureInfo.InvariantCulture) * 600); // molecules at Ω = 600
            Assert.Equal(120.0, v["E"] + v["ES"], 9);                 // E + ES conserved
            Assert.Equal(300.0, v["S"] + v["ES"] + v["P"], 9);        // S + ES + P conserved
            Assert.Equal(Math.Round(v["P"]), v["P"], 9);              // whole molecules
        }
    }

    [Fact]
    public void Simulate_UnknownNameAndBadNumber_ExitTwoAndNameBoth()
    {
        var (code, _, err) = Run("simulate", "--model", "cho", "--set", "GLX=3,GLC=abc");
        Assert.Equal(CommandLineApp.UsageError, code);
        Assert.Contains("GLX", err, StringComparison.Ordinal);
        Assert.Contains("'abc' is not a finite number", err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal); // no stack trace
    }

    [Theory]
    [InlineData("--hours", "-1", "--hours must be")]
    [InlineData("--interval", "0", "--interval must be")]
    [InlineData("--replicates", "0", "--replicates must be")]
    [InlineData("--omega", "-5", "--omega must be")]
    [InlineData("--method", "magic", "--method")]
    public void Simulate_BadArgument_ExitsTwoWithMessage(string option, string value, string expected)
    {
        var (code, _, err) = Run("simulate", "--model", "cho", option, value);
        Assert.Equal(CommandLineApp.UsageError, code);
        Assert.Contains(expected, err, StringComparison.Ordinal);
    }

    [Fact]
    public void Simulate_MissingModelFile_SaysSo()
    {
        var (code, _, err) = Run("simulate", "--model", Path.Combine(Dir, "absent.json"));
        Assert.Equal(CommandLineApp.UsageError, code);
        Assert.Contains("neither a built-in model", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Simulate_MalformedModelFile_ReportsFilePathAndLine()
    {
        string path = Path.Combine(Dir, "bad.json");
        File.WriteAllText(path, """
            {
              "name": "bad",
              "species": [ { "name": "A", "unit": "mM", "initial": 1 } ],
              "parameters": [ { "name": "k", "value": 1, "lower": 0.1, "upper": 10 } ],
              "reactions": [ { "name": "decay", "stoichiometry": { "A": -1 }, "rate": "k*B" } ]
            }
            """);
        var (code, _, err) = Run("simulate", "--model", path);
        Assert.Equal(CommandLineApp.UsageError, code);
        Assert.Contains($"{path}:5: $.reactions[0].rate", err, StringComparison.Ordinal);
        Assert.Contains("unknown name 'B'", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Simulate_UserModelFile_Runs()
    {
        string path = Path.Combine(Dir, "decay.json");
        File.WriteAllText(path, """
            {
              "name": "decay",
              "species": [ { "name": "A", "unit": "mM", "initial": 2 } ],
              "parameters": [ { "name": "k", "value": 0.5, "lower": 0.01, "upper": 10 } ],
              "reactions": [ { "name": "decay", "stoichiometry": { "A": -1 }, "rate": "k*A" } ]
            }
            """);
        string csv = Path.Combine(Dir, "decay.csv");
        Assert.Equal(0, Run("simulate", "--model", path, "--hours", "2", "--interval", "1", "--out", csv).Code);
        double a2 = double.Parse(ReadCsv(csv).Single(r => r[1] == "2")[3], CultureInfo.InvariantCulture);
        Assert.Equal(2 * Math.Exp(-1.0), a2, 5); // closed form A(t) = A0 e^{-kt}; rtol 1e-6 of the integrator
    }

    [Fact]
    public void Models_ListsBothBuiltIns()
    {
        var (code, output, _) = Run("models");
        Assert.Equal(0, code);
        Assert.Contains("cho", output, StringComparison.Ordinal);
        Assert.Contains("michaelis-menten", output, StringComparison.Ordinal);
    }
}
