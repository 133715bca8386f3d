using ReactorTwin.Adapters.Tests.Mqtt.Integration;

namespace ReactorTwin.Host.Tests.Deploy;

/// <summary>mosquitto with the configuration and ACL shipped in deploy/raspberrypi, paths and port moved into a
/// temporary folder, and the given users.</summary>
internal static class ShippedBroker
{
    /// <summary>The text of a file in deploy/raspberrypi.</summary>
    public static string Deploy(string file)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ReactorTwin.sln")))
        {
            dir = dir.Parent;
        }

        return File.ReadAllText(Path.Combine(dir!.FullName, "deploy", "raspberrypi", file));
    }

    public static async Task<MosquittoBroker> StartAsync(IReadOnlyDictionary<string, string> users)
    {
        string dir = MosquittoBroker.NewDirectory();
        int port = MosquittoBroker.FreePort();
        File.WriteAllText(Path.Combine(dir, "acl"), Deploy("mosquitto.acl"));
        string passwd = Path.Combine(dir, "passwd");
        File.WriteAllText(passwd, "");
        foreach (var (user, password) in users)
        {
            var (code, output) = await MosquittoBroker.RunToolAsync("mosquitto_passwd", TimeSpan.FromSeconds(30), "-b", passwd, user, password);
            Assert.True(code == 0, output);
        }

        string config = "user root\nlog_dest stdout\n" + Deploy("mosquitto.conf")
            .Replace("persistence_location /var/lib/mosquitto/", $"persistence_location {dir}/", StringComparison.Ordinal)
            .Replace("password_file /etc/mosquitto/reactortwin.passwd", $"password_file {passwd}", StringComparison.Ordinal)
            .Replace("acl_file /etc/mosquitto/reactortwin.acl", $"acl_file {Path.Combine(dir, "acl")}", StringComparison.Ordinal)
            .Replace("listener 1883 127.0.0.1", $"listener {port} 127.0.0.1", StringComparison.Ordinal);
        Assert.Contains($"listener {port}", config, StringComparison.Ordinal);
        return await MosquittoBroker.StartWithConfigAsync(config, dir, port);
    }
}
