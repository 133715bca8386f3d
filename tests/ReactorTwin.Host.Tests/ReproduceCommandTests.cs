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
    [InlineData("seed002", "unknown study 'seed002'")]
    [InlineData("seed001", "unknown policy 'bayes'")]
    public void Reproduce_BadArguments_ExitTwoWithReason(string study, string message)
    {
        var (code, _, stderr) = Run("reproduce", study, "--policies", "bayes", "--out", Dir);
        Assert.Equal(2, code);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }
}
