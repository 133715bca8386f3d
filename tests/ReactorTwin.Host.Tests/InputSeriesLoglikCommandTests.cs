using System.Globalization;
using System.Text.Json;

namespace ReactorTwin.Host.Tests;

/// <summary>
/// A feed given in the data file drives the likelihood: the built-in fed-batch model simulated with a feed switched on
/// at 10 h, then evaluated on its own trajectory. With the feed rows in the data every residual is ~0, so ℓ is the
/// noise's normalising constant Σ −½ log 2πσ²; without them (F = 0, the model's value) the same readings fit far worse.
/// </summary>
public sealed class InputSeriesLoglikCommandTests : CliHarness
{
    private static readonly Dictionary<string, double> Sd = new() { ["V"] = 0.01, ["S"] = 0.05, ["A"] = 0.05, ["DOT"] = 2, ["DOTm"] = 2, ["X"] = 0.05 };

    [Fact]
    public void Loglik_HonoursTheFeedRowsOfTheData()
    {
        string simulated = Path.Combine(Dir, "fed.csv");
        var sim = Run("simulate", "--model", "ecoli-fedbatch", "--method", "ode", "--input", "F=0@0,F=0.0087@10", "--hours", "16", "--interval", "2", "--out", simulated);
        Assert.True(sim.Code == 0, sim.Err);
        var lines = File.ReadAllLines(simulated);
        string batch = lines[1].Split(',')[0];
        string withFeed = Path.Combine(Dir, "with-feed.csv"), withoutFeed = Path.Combine(Dir, "without-feed.csv");
        File.WriteAllLines(withoutFeed, lines);
        File.WriteAllLines(withFeed, [.. lines, $"{batch},0,F,0", $"{batch},10,F,0.0087"]);
        string noise = string.Join(',', Sd.Select(kv => $"{kv.Key}={kv.Value.ToString(CultureInfo.InvariantCulture)}"));

        var fed = Run("loglik", "--model", "ecoli-fedbatch", "--data", withFeed, "--likelihood", "ode", "--noise", noise);
        var unfed = Run("loglik", "--model", "ecoli-fedbatch", "--data", withoutFeed, "--likelihood", "ode", "--noise", noise);
        Assert.True(fed.Code == 0, fed.Err);
        Assert.True(unfed.Code == 0, unfed.Err);
        double llFed = LogLik(fed.Out), llUnfed = LogLik(unfed.Out);

        int readings = lines.Skip(1).Count(l => double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture) > 0);
        int perState = readings / Sd.Count;
        double constant = Sd.Values.Sum(s => -0.5 * Math.Log(2 * Math.PI * ((s * s) + 1e-12))) * perState;
        // the data are the simulation's own values printed to ~1e−6 relative (well inside every σ): ℓ ≈ its constant
        Assert.True(Math.Abs(llFed - constant) <= 1e-3 * Math.Abs(constant), $"with the feed: ℓ = {llFed:R}, constant {constant:R}");
        Assert.True(llUnfed < llFed - 100, $"without the feed rows: ℓ = {llUnfed:R} against {llFed:R}");
    }

    private static double LogLik(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("loglik").GetDouble();
    }
}
