using ReactorTwin.Simulator.Devices;

namespace ReactorTwin.Host.Tests.Runtime;

/// <summary>
/// The DS18B20 through the real Iot.Device.OneWire binding. The binding reads the fixed path
/// <c>/sys/devices/&lt;bus&gt;/&lt;device&gt;/w1_slave</c>, so <c>reactortwin sensors</c> runs as a child process in a private
/// mount namespace (<c>unshare --mount</c>, root) in which a fake w1 tree written by <see cref="SimulatedOneWireDirectory"/>
/// is bind-mounted onto <c>/sys/devices</c>; the rest of the machine sees nothing of it. CI runs as root.
/// </summary>
public sealed class OneWireNamespaceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reactortwin-w1-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task SensorsCommand_FakeW1TreeInAMountNamespace_BindingReadsGoodAndFaultyProbes()
    {
        var tree = Path.Combine(_dir, "sys-devices");
        var w1 = new SimulatedOneWireDirectory(tree);
        string good = w1.AddThermometer("00000a1b2c3d", _ => 37.5);
        string crc = w1.AddThermometer("00000a1b2c3e", _ => 36.0);
        string reset = w1.AddThermometer("00000a1b2c3f", _ => 36.0);
        w1.SetFault(crc, SimulatedW1Fault.CrcError);
        w1.SetFault(reset, SimulatedW1Fault.PowerOnReset);
        w1.Refresh(DateTimeOffset.UnixEpoch);
        string config = Path.Combine(_dir, "appsettings.json");
        File.WriteAllText(config, $$"""
            { "ReactorTwin": { "Reactors": [ { "Id": "r1", "Model": "cho", "Sensors": [
                { "Name": "broth", "Driver": "ds18b20", "DeviceId": "{{good}}" },
                { "Name": "crc", "Driver": "ds18b20", "DeviceId": "{{crc}}" },
                { "Name": "reset", "Driver": "ds18b20", "DeviceId": "{{reset}}" },
                { "Name": "gone", "Driver": "ds18b20", "DeviceId": "28-0000deadbeef" } ] } ] } }
            """);

        // unshare(1) from util-linux; the mount exists only in the child's namespace and ends with it.
        string dll = Path.Combine(AppContext.BaseDirectory, "reactortwin.dll");
        // Starting the .NET host and reading four files takes about a second; 60 s covers two loaded cores.
        var (code, output) = await ReactorTwin.Adapters.Tests.Mqtt.Integration.MosquittoBroker.RunToolAsync("unshare", TimeSpan.FromSeconds(60), "--mount", "--propagation", "private", "--", "sh", "-c",
            "mount --bind \"$0\" /sys/devices && exec dotnet \"$1\" sensors --config \"$2\"", tree, dll, config);

        Assert.True(output.Contains("r1/broth:", StringComparison.Ordinal), $"exit {code}: {output} (the test needs root for a private mount namespace)");
        Assert.Contains("r1/broth: 37.5 °C (good)", output, StringComparison.Ordinal);
        Assert.Contains("r1/crc: - (fault: crc: Unable to read temperature from device. (the kernel reported a CRC error", output, StringComparison.Ordinal);
        Assert.Contains("r1/reset: - (fault: reset: 85.000 °C is the DS18B20 power-on value", output, StringComparison.Ordinal);
        Assert.Contains("r1/gone: - (fault: gone: 1-Wire device not readable (", output, StringComparison.Ordinal);
        Assert.Contains("/sys/devices/w1_bus_master1/28-0000deadbeef/w1_slave", output, StringComparison.Ordinal);
        Assert.Equal(1, code); // not every reading is good
        Assert.False(File.Exists("/sys/devices/w1_bus_master1/w1_master_slaves"), "the fake tree leaked out of the namespace");
    }
}
