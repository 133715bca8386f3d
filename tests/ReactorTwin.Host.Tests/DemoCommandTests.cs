namespace ReactorTwin.Host.Tests;

public class DemoCommandTests : CliHarness
{
    [Fact]
    public void Demo_OneBatchWithFaults_RejectsGarbageJournalsTheRestAndWritesTheReport()
    {
        var (code, stdout, stderr) = Run("demo", "--batches", "1", "--faults", "--seed", "2", "--out", Dir);
        Assert.True(code == 0, stderr);
        Assert.Contains("batch 1/1:", stdout, StringComparison.Ordinal);
        Assert.Contains("next batch: GLC = ", stdout, StringComparison.Ordinal);
        Assert.Contains("KmGLC0", stdout, StringComparison.Ordinal);
        foreach (var f in new[] { "predictions.csv", "parameters.csv", "rejections.csv", "demo.svg", "journal.db" })
        {
            Assert.True(File.Exists(Path.Combine(Dir, f)), f);
        }

        var rejections = File.ReadAllLines(Path.Combine(Dir, "rejections.csv"));
        Assert.True(rejections.Length > 1, "with --faults some messages must be rejected");
        var predictions = File.ReadAllLines(Path.Combine(Dir, "predictions.csv")).Skip(1).Select(l => l.Split(',')).ToArray();
        Assert.Contains(predictions, p => p[0] == "prediction");
        Assert.All(predictions.Where(p => p[0] == "prediction"), p => Assert.True(double.IsFinite(double.Parse(p[4], System.Globalization.CultureInfo.InvariantCulture))));
        Assert.Equal(7, File.ReadAllLines(Path.Combine(Dir, "parameters.csv")).Length - 1);
    }

    [Fact]
    public void Demo_RunTwiceIntoTheSameDirectory_SecondRunStartsAFreshJournal()
    {
        // The README's command, run again: the second run must not replay the first run's journal (its readings would
        // all be rejected as duplicates of a batch the twin has seen).
        var first = Run("demo", "--batches", "1", "--seed", "3", "--out", Dir);
        Assert.True(first.Code == 0, first.Err);
        var second = Run("demo", "--batches", "1", "--seed", "3", "--out", Dir);
        Assert.True(second.Code == 0, second.Err);
        Assert.Contains(", 0 rejected", second.Out, StringComparison.Ordinal);
        Assert.Equal(
            first.Out.Split('\n').First(l => l.StartsWith("batch 1/1:", StringComparison.Ordinal)),
            second.Out.Split('\n').First(l => l.StartsWith("batch 1/1:", StringComparison.Ordinal)));

        // A journal named explicitly is never overwritten.
        string named = Path.Combine(Dir, "named.db");
        File.WriteAllText(named, "keep me");
        var third = Run("demo", "--batches", "1", "--out", Dir, "--journal", named);
        Assert.Equal(2, third.Code);
        Assert.Contains("exists", third.Err, StringComparison.Ordinal);
        Assert.Equal("keep me", File.ReadAllText(named));
    }
}
