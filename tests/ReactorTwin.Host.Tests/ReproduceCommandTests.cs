using System.Globalization;

namespace ReactorTwin.Host.Tests;

public class ReproduceCommandTests : CliHarness
{
    [Fact]
    public void Reproduce_SmallRun_WritesTracesSummaryAndFigures()
    {
        var (code, stdout, stderr) = Run("reproduce", "seed001", "--replications", "2", "--iterations", "3", "--policies", "random,d-optimal", "--threads", "1", "--out", Dir);
        Assert.True(code == 0, stderr);
        Assert.Contains("random", stdout, StringComparison.Ordinal);
        Assert.Contains("d-optimal", stdout, StringComparison.Ordinal);
        Assert.Contains("iterations", stderr, StringComparison.Ordinal);

        var traces = File.ReadAllLines(Path.Combine(Dir, "traces.csv"));
        Assert.Equal("policy,replication,iteration,design_GLC,param_mre,mab_mre,skipped_updates", traces[0]);
        Assert.Equal(1 + (2 * 2 * 4), traces.Length);
        foreach (var line in traces.Skip(1))
        {
            var f = line.Split(',');
            double glucose = double.Parse(f[3], CultureInfo.InvariantCulture);
            Assert.InRange(glucose, 18, 38);
            Assert.True(double.Parse(f[4], CultureInfo.InvariantCulture) >= 0);
        }

        var summary = File.ReadAllLines(Path.Combine(Dir, "summary.csv"));
        Assert.Equal(1 + (2 * 4), summary.Length);
        var svg = File.ReadAllText(Path.Combine(Dir, "figure4-mab.svg"));
        Assert.StartsWith("<svg", svg, StringComparison.Ordinal);
        Assert.Contains("<path d=\"M", svg, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(Dir, "figure5-parameters.svg")));
    }

    [Theory]
    [InlineData("seed009", "unknown study 'seed009'; known: seed001, seed002")]
    [InlineData("seed001", "unknown policy 'bayes'")]
    public void Reproduce_BadArguments_ExitTwoWithReason(string study, string message)
    {
        var (code, _, stderr) = Run("reproduce", study, "--policies", "bayes", "--out", Dir);
        Assert.Equal(2, code);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }
}

/// <summary><c>reproduce seed002</c> at a tiny size: the table has every row of seed 002's Table 1 beside the seed's
/// numbers, R² of the true parameters bounds what the fits reach from below by the noise, and the growth table has one
/// row per training size.</summary>
public sealed class ReproduceSeed002CommandTests : CliHarness
{
    [Fact]
    public void ReproduceSeed002_TinySizes_WritesTableBesideTheSeed()
    {
        string dir = Path.Combine(Dir, "seed002");
        var r = Run("reproduce", "seed002", "--samples", "300,600", "--test-sets", "24", "--epochs", "2", "--threads", "1", "--out", dir);
        Assert.True(r.Code == 0, r.Err);
        string table = File.ReadAllText(Path.Combine(dir, "table1.md"));
        foreach (string row in new[] { "| BFGS, 1 start | ", "| BFGS, 2 starts | ", "| BFGS, 4 starts | ", "| BFGS, 8 starts | ", "| Deep Inference (trained on 600) | ", "| Deep Inference + BFGS | ", "| (true parameters) | " })
        {
            Assert.Contains(row, table, StringComparison.Ordinal);
        }

        Assert.Contains("| 0.928 ± 0.010 | 50 ms |", table, StringComparison.Ordinal);
        var csv = File.ReadAllLines(Path.Combine(dir, "table1.csv"));
        var r2 = csv.Skip(1).Select(l => System.Text.RegularExpressions.Regex.Match(l, "^\"([^\"]*)\",([^,]+),")).ToDictionary(m => m.Groups[1].Value, m => double.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        // More starts never lower the best log-likelihood, and the maximum-likelihood fit minimises the squared errors:
        // the 8-start R² is at least the 1-start one.
        Assert.True(r2["BFGS, 8 starts"] >= r2["BFGS, 1 start"] - 1e-12, $"{r2["BFGS, 8 starts"]} < {r2["BFGS, 1 start"]}");
        Assert.True(r2["BFGS, 8 starts"] >= r2["(true parameters)"] - 1e-3, "the best fit explains the data at least as well as the truth");
        Assert.Equal(3, File.ReadAllLines(Path.Combine(dir, "r2-vs-training-size.csv")).Length);
        Assert.Equal(2, Run("reproduce", "seed002", "--samples", "300,x", "--out", dir).Code);
        Assert.True(File.Exists(Path.Combine(dir, "r2-vs-training-size.svg")));
    }

    [Fact]
    public void ReproduceSeed002_EcoliProblem_WritesTheEcoliColumnBesideTheSeed()
    {
        string dir = Path.Combine(Dir, "seed002-ecoli");
        var r = Run("reproduce", "seed002", "--problem", "ecoli", "--samples", "200", "--test-sets", "4", "--epochs", "1", "--bfgs-iterations", "8", "--threads", "2", "--out", dir);
        Assert.True(r.Code == 0, r.Err);
        string table = File.ReadAllText(Path.Combine(dir, "table1.md"));
        Assert.Contains("(E. coli, model ecoli-batch): 4 test experiments, 30 readings over 6 h, BFGS ≤ 8 iterations", table, StringComparison.Ordinal);
        Assert.Contains("| 0.442 ± 0.108 | 2.04 s |", table, StringComparison.Ordinal);
        Assert.Contains("| 0.990 ± 0.001 | 1.3 s |", table, StringComparison.Ordinal);
        Assert.Contains("mean 8 iterations", table, StringComparison.Ordinal); // one start stops at the limit
        Assert.Contains("BFGS start 8/8", r.Err, StringComparison.Ordinal);
        var coverage = File.ReadAllLines(Path.Combine(dir, "coverage.csv"));
        Assert.Equal(19, coverage.Length); // header + 18 estimated parameters
        Assert.StartsWith("qSmax,", coverage[1], StringComparison.Ordinal);
        Assert.All(coverage.Skip(1), l => Assert.InRange(double.Parse(l.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture), 0.0, 1.0));
        Assert.Contains("| A0 | ", table, StringComparison.Ordinal);
        Assert.True(new FileInfo(Path.Combine(dir, "network.rtnet")).Length > 1000);
        var bad = Run("reproduce", "seed002", "--problem", "cho", "--out", dir);
        Assert.Equal(2, bad.Code);
        Assert.Contains("--problem: 'cho' is not a seed 002 problem (known: mmk, ecoli)", bad.Err, StringComparison.Ordinal);
        Assert.Equal(2, Run("reproduce", "seed002", "--problem", "ecoli", "--bfgs-iterations", "0", "--out", dir).Code);
    }
}
