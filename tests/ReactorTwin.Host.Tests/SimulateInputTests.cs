using System.Globalization;
using ReactorTwin.Host.Cli;

namespace ReactorTwin.Host.Tests;

/// <summary><c>simulate --input</c>: a feed schedule for the fed-batch E. coli model, and the errors of bad items.</summary>
public sealed class SimulateInputTests : CliHarness
{
    private static Dictionary<(double Time, string State), double> ReadCsv(string path) =>
        File.ReadAllLines(path).Skip(1).Select(l => l.Split(','))
            .ToDictionary(r => (double.Parse(r[1], CultureInfo.InvariantCulture), r[2]), r => double.Parse(r[3], CultureInfo.InvariantCulture));

    [Fact]
    public void Simulate_EcoliFedBatchOdeWithFeedSchedule_FeedsFromTenHoursAndMatchesSciPy()
    {
        string csv = Path.Combine(Dir, "ecoli.csv");
        var (code, output, err) = Run("simulate", "--model", "ecoli-fedbatch", "--method", "ode", "--input", "F=0@0,F=0.0087@10", "--hours", "16", "--interval", "1", "--out", csv);
        Assert.True(code == 0, err);
        var v = ReadCsv(csv);
        Assert.Equal(17 * 6, v.Count);
        Assert.Equal(2.0, v[(9, "V")], 12);                     // batch: no feed before 10 h
        Assert.Equal(2.0 + (0.0087 * 6), v[(16, "V")], 9);      // V = V0 + F (t − 10)
        // benchmarks/scipy/ecoli_fedbatch_reference.py (Radau, rtol 1e-12): X and S at 16 h; the CLI runs at rtol 1e-6
        Assert.Equal(7.196729046476, v[(16, "X")], 7.196729046476 * 1e-3);
        Assert.Equal(1.493873188264e-02, v[(16, "S")], 1.493873188264e-02 * 1e-2);
        Assert.Contains("inputs: F=0@0,F=0.0087@10", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Simulate_EcoliFedBatchWithoutInput_IsABatchAtConstantVolume()
    {
        string csv = Path.Combine(Dir, "batch.csv");
        var (code, _, err) = Run("simulate", "--model", "ecoli-fedbatch", "--hours", "16", "--interval", "4", "--out", csv);
        Assert.True(code == 0, err);
        var v = ReadCsv(csv);
        Assert.Equal(2.0, v[(16, "V")], 12);
        Assert.InRange(v[(16, "S")], 0.0, 1e-3); // the glucose is used up by about 9.5 h
    }

    [Fact]
    public void Simulate_EcoliFedBatchSsa_ExitsTwoAndPointsToTheCle()
    {
        var (code, _, err) = Run("simulate", "--model", "ecoli-fedbatch", "--method", "ssa", "--hours", "1", "--interval", "0.5");
        Assert.Equal(CommandLineApp.UsageError, code);
        Assert.Contains("--method ssa: model 'ecoli-fedbatch' has deterministic channels that change species", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ecoli-fedbatch", "G=0.01", "no input of that name")]
    [InlineData("ecoli-fedbatch", "F=abc", "'abc' is not a finite number")]
    [InlineData("ecoli-fedbatch", "F=0.01@-2", "must be a finite number of hours ≥ 0")]
    [InlineData("ecoli-fedbatch", "F=0.01@2,F=0.02@2", "two values at 2 h")]
    [InlineData("ecoli-fedbatch", "F", "expected NAME=VALUE or NAME=VALUE@HOURS")]
    [InlineData("cho", "F=0.01", "it has no inputs")]
    public void Simulate_BadInput_ExitsTwoNamingTheItem(string model, string item, string expected)
    {
        var (code, _, err) = Run("simulate", "--model", model, "--input", item);
        Assert.Equal(CommandLineApp.UsageError, code);
        Assert.Contains(expected, err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
    }
}
