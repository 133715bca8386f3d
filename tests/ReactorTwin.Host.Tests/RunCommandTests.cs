namespace ReactorTwin.Host.Tests;

public class RunCommandTests : CliHarness
{
    [Fact]
    public void Run_InvalidConfiguration_NamesEveryProblemByPathAndExitsTwo()
    {
        string path = Path.Combine(Dir, "appsettings.json");
        File.WriteAllText(path, """
            { "ReactorTwin": { "Broker": { "Port": 70000 }, "Reactors": [
              { "Id": "r 1", "Model": "cho", "Channels": [ { "Component": "sugar", "NoiseSd": 0.2 } ], "Design": { "GLC": [38, 18] }, "Policy": "bayes" },
              { "Id": "r2", "Model": "nosuchmodel", "Channels": [] } ] } }
            """);
        var (code, stdout, stderr) = Run("run", "--config", path);
        Assert.Equal(2, code);
        Assert.DoesNotContain("   at ", stderr + stdout, StringComparison.Ordinal);
        foreach (var expected in new[]
        {
            "ReactorTwin:Broker:Port: 70000 is not a TCP port",
            "ReactorTwin:Reactors:0:Id: 'r 1' must be",
            "ReactorTwin:Reactors:0:Channels:0:Component: 'sugar' is not a state component of model 'cho'",
            "ReactorTwin:Reactors:0:Design:GLC: give [lower, upper]",
            "ReactorTwin:Reactors:0:Policy: 'bayes'",
            "ReactorTwin:Reactors:1:Model:",
            "ReactorTwin:Reactors:1:Channels: configure at least one channel",
        })
        {
            Assert.Contains(expected, stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Run_MissingConfigFile_ExitsTwo()
    {
        var (code, _, stderr) = Run("run", "--config", Path.Combine(Dir, "none.json"));
        Assert.Equal(2, code);
        Assert.Contains("does not exist", stderr, StringComparison.Ordinal);
    }
}
