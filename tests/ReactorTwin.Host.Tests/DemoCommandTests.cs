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
}
