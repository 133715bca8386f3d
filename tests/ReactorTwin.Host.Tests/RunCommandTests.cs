namespace ReactorTwin.Host.Tests;

public class RunCommandTests : CliHarness
{
    [Fact]
    public void Run_InvalidConfiguration_NamesEveryProblemByPathAndExitsTwo()
    {
        string path = Path.Combine(Dir, "appsettings.json");
        File.WriteAllText(path, """
            { "ReactorTwin": { "Broker": { "Port": 70000, "CaFile": "", "Username": "twin", "ReconnectMaxSeconds": 0 }, "JournalPath": "/nonexistent-reactortwin-dir/j.db", "Reactors": [
              { "Id": "r 1", "Model": "cho", "Channels": [ { "Component": "sugar", "NoiseSd": 0.2 } ], "Design": { "GLC": [38, 18] }, "Policy": "bayes", "Amortized": "/nonexistent-reactortwin-dir/cho.rtnet" },
              { "Id": "r2", "Model": "nosuchmodel", "Channels": [], "RefitBudgetSeconds": 0, "RefitMaxIterations": 0 } ] } }
            """);
        var (code, stdout, stderr) = Run("run", "--config", path);
        Assert.Equal(2, code);
        Assert.DoesNotContain("   at ", stderr + stdout, StringComparison.Ordinal);
        foreach (var expected in new[]
        {
            "ReactorTwin:Broker:Port: 70000 is not a TCP port",
            "ReactorTwin:Broker:CaFile: empty; give the CA certificate",
            "ReactorTwin:Broker: give both Username and Password, or neither",
            "ReactorTwin:Broker:ReconnectMaxSeconds: 0 is outside 0.1–3600",
            "ReactorTwin:JournalPath: the directory '/nonexistent-reactortwin-dir' does not exist",
            "ReactorTwin:Reactors:0:Id: 'r 1' must be",
            "ReactorTwin:Reactors:0:Channels:0:Component: 'sugar' is not a state component or observable of model 'cho' (channels: GLC, ",
            "ReactorTwin:Reactors:0:Design:GLC: give [lower, upper]",
            "ReactorTwin:Reactors:0:Policy: 'bayes'",
            "ReactorTwin:Reactors:0:Amortized: Could not find a part of the path '/nonexistent-reactortwin-dir/cho.rtnet'",
            "ReactorTwin:Reactors:1:Model:",
            "ReactorTwin:Reactors:1:Channels: configure at least one channel",
            "ReactorTwin:Reactors:1:RefitBudgetSeconds: 0 must be a number of seconds > 0",
            "ReactorTwin:Reactors:1:RefitMaxIterations: 0 must be ≥ 1",
        })
        {
            Assert.Contains(expected, stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Run_InvalidSensors_NamesEveryProblemByPathAndExitsTwo()
    {
        string path = Path.Combine(Dir, "appsettings.json");
        File.WriteAllText(path, """
            { "ReactorTwin": { "Reactors": [
              { "Id": "r1", "Model": "cho", "Channels": [ { "Component": "GLC", "NoiseSd": 0.2, "Min": -2, "Max": 100 } ],
                "Sensors": [
                  { "Name": "t", "Driver": "ds18b20", "DeviceId": "10-000000000001" },
                  { "Name": "od", "Driver": "ads1115", "Component": "X0", "Calibration": [ [0.1, 0] ], "Input": "Ain9" },
                  { "Name": "ph", "Driver": "ezo-ph", "Component": "GLC", "TemperatureSensor": "broth", "Address": 200 },
                  { "Name": "ph", "Driver": "thermocouple", "IntervalSeconds": 0 } ] } ] } }
            """);
        var (code, stdout, stderr) = Run("run", "--config", path);
        Assert.Equal(2, code);
        Assert.DoesNotContain("   at ", stderr + stdout, StringComparison.Ordinal);
        foreach (var expected in new[]
        {
            "ReactorTwin:Reactors:0:Sensors:0:DeviceId: '10-000000000001' is not a DS18B20 id",
            "ReactorTwin:Reactors:0:Sensors:1:Input: 'Ain9' is not one of",
            "ReactorTwin:Reactors:0:Sensors:1:Calibration: give at least two [volts, value] standards",
            "ReactorTwin:Reactors:0:Sensors:1:Unit: must be set",
            "ReactorTwin:Reactors:0:Sensors:1:Component: 'X0' is in",
            "ReactorTwin:Reactors:0:Sensors: 'od' measures X0, which has no entry in Channels",
            "ReactorTwin:Reactors:0:Sensors:2:Address: 200 is outside the 7-bit range",
            "ReactorTwin:Reactors:0:Sensors:2:TemperatureSensor: 'broth' is not a ds18b20 or max31865 sensor of this reactor",
            "ReactorTwin:Reactors:0:Sensors:2:Component: 'GLC' is in mM but this sensor reads pH",
            "ReactorTwin:Reactors:0:Sensors:3:Name: 'ph' is used twice",
            "ReactorTwin:Reactors:0:Sensors:3:Driver: 'thermocouple' is not one of",
        })
        {
            Assert.Contains(expected, stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Run_AttachedSensorMissing_StopsAtStartNamingTheDevice()
    {
        string path = Path.Combine(Dir, "appsettings.json");
        string journal = Path.Combine(Dir, "journal.db").Replace("\\", "/", StringComparison.Ordinal);
        File.WriteAllText(path, $$"""
            { "ReactorTwin": { "JournalPath": "{{journal}}", "Broker": { "Port": 1 }, "Reactors": [
              { "Id": "r1", "Model": "cho", "Channels": [ { "Component": "GLC", "NoiseSd": 0.2, "Min": -2, "Max": 100 } ],
                "Sensors": [ { "Name": "ph", "Driver": "ezo-ph", "Bus": 97 } ] } ] } }
            """);
        var (code, stdout, stderr) = Run("run", "--config", path);
        Assert.Equal(1, code);
        Assert.Contains("an attached sensor could not be opened", stderr, StringComparison.Ordinal);
        Assert.Contains("/dev/i2c-97", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr + stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Simulator_BadTrueParameters_ExitsTwoNamingThemBeforeConnecting()
    {
        var (code, _, stderr) = Run("simulator", "--broker", "127.0.0.1:1", "--params", "nosuch=1,KmGLC0=abc");
        Assert.Equal(2, code);
        Assert.Contains("--params", stderr, StringComparison.Ordinal);
        Assert.Contains("nosuch", stderr, StringComparison.Ordinal);
        Assert.Contains("KmGLC0: 'abc' is not a finite number", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Simulator_BrokerUnreachable_ReportsItInsteadOfWaitingSilently()
    {
        // Port 1 on loopback refuses connections; at 10⁵× real time one 72 h batch takes about 2.6 s.
        var (code, stdout, stderr) = Run("simulator", "--broker", "127.0.0.1:1", "--batches", "1", "--speed", "100000", "--drain-seconds", "0");
        Assert.Equal(1, code); // nothing reached a broker, and it says so instead of counting the readings as sent
        Assert.Contains("simulator: cho reactor 'r1'", stdout, StringComparison.Ordinal);
        Assert.Contains("0 messages acknowledged by the broker", stdout, StringComparison.Ordinal);
        Assert.Contains("still queued (lost: no --queue)", stdout, StringComparison.Ordinal);
        Assert.Contains("warning: MQTT", stderr, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:1", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_MissingConfigFile_ExitsTwo()
    {
        var (code, _, stderr) = Run("run", "--config", Path.Combine(Dir, "none.json"));
        Assert.Equal(2, code);
        Assert.Contains("does not exist", stderr, StringComparison.Ordinal);
    }
}
