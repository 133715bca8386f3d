using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Runtime.Contracts;

namespace ReactorTwin.Host.Tests.Deploy;

/// <summary>The shipped ACL (deploy/raspberrypi/mosquitto.acl) against the topic tree: the twin user may publish on
/// every topic the host publishes, and read every topic it subscribes to. A topic added to <see cref="Topics"/> and
/// forgotten in the ACL is dropped by the broker as "not authorized" in the field.</summary>
public sealed class ShippedAclTests
{
    [Fact]
    public void TwinUser_MayPublishAndReadEveryTopicOfTheHost()
    {
        var (write, read) = Rules("twin");
        string[] published =
        [
            Topics.Sensor("r1", "b0001", "GLC"), Topics.Prediction("r1", "b0001", "GLC", false), Topics.Prediction("r1", "b0001", "GLC", true),
            Topics.Forecast("r1", "b0001"), Topics.BatchErrors("r1", "b0001"), Topics.Errors("r1"), Topics.Parameters("r1"),
            Topics.Proposal("r1"), Topics.BatchSetpoints("r1"), Topics.ReactorState("r1"), Topics.HostState("edge-1"),
            Topics.Instrument("r1", "ph"),
        ];
        string[] subscribed = [Topics.BatchFilter("r1"), Topics.SensorFilter("r1"), Topics.ProposalAccept("r1")];
        Assert.All(published, t => Assert.True(write.Any(f => MqttTopic.Matches(f, t)), $"the twin may not publish {t}"));
        Assert.All(subscribed, t => Assert.True(read.Any(f => f == t || MqttTopic.Matches(f, t.Replace("+", "x", StringComparison.Ordinal))), $"the twin may not read {t}"));
    }

    /// <summary>The write and read filters of one user's section.</summary>
    private static (List<string> Write, List<string> Read) Rules(string user)
    {
        var (write, read) = (new List<string>(), new List<string>());
        string? current = null;
        foreach (var raw in ShippedBroker.Deploy("mosquitto.acl").Split('\n'))
        {
            var parts = raw.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && parts[0] == "user")
            {
                current = parts[1];
            }
            else if (current == user && parts.Length == 3 && parts[0] == "topic")
            {
                if (parts[1] is "write" or "readwrite")
                {
                    write.Add(parts[2]);
                }

                if (parts[1] is "read" or "readwrite")
                {
                    read.Add(parts[2]);
                }
            }
        }

        Assert.NotEmpty(write);
        return (write, read);
    }
}
