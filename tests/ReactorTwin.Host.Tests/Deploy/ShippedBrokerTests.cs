using System.Reactive.Concurrency;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Adapters.Tests.Mqtt.Integration;
using ReactorTwin.Core.Models;
using ReactorTwin.Runtime.Tests;
using ReactorTwin.Simulator.Plant;

namespace ReactorTwin.Host.Tests.Deploy;

/// <summary>The broker configuration shipped in deploy/raspberrypi, run as it is (paths and port moved into a temporary
/// folder): nobody is anonymous, a dashboard cannot command, and an out-of-bounds setpoint from an operator is refused
/// where it acts.</summary>
public sealed class ShippedBrokerTests
{
    private static async Task<IMqttClient> ConnectAsync(int port, string? user, string? password, string id)
    {
        var (client, result) = await TryConnectAsync(port, user, password, id);
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        return client;
    }

    private static async Task<(IMqttClient Client, MqttClientConnectResult Result)> TryConnectAsync(int port, string? user, string? password, string id)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var options = new MQTTnet.MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(id).WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500);
        if (user is not null)
        {
            options = options.WithCredentials(user, password);
        }

        // MQTTnet 5 returns a refused CONNACK as the result (it does not throw).
        return (client, await client.ConnectAsync(options.Build()));
    }

    [Fact]
    public async Task ShippedBroker_NoAnonymousClients_DashboardsCannotCommand_OutOfBoundsSetpointsAreRefusedAtTheActuator()
    {
        var users = new Dictionary<string, string> { ["twin"] = "t-pw", ["instruments"] = "i-pw", ["operator"] = "o-pw", ["dashboard"] = "d-pw" };
        await using var broker = await ShippedBroker.StartAsync(users);

        // Anonymous: refused at CONNECT.
        var (anonymous, refused) = await TryConnectAsync(broker.Port, null, null, "anon");
        using (anonymous)
        {
            Assert.Equal(MqttClientConnectResultCode.NotAuthorized, refused.ResultCode);
            Assert.False(anonymous.IsConnected);
        }

        using var op = await ConnectAsync(broker.Port, "operator", "o-pw", "op");
        var seen = new List<(string Topic, string Payload)>();
        op.ApplicationMessageReceivedAsync += e =>
        {
            lock (seen)
            {
                seen.Add((e.ApplicationMessage.Topic, e.ApplicationMessage.ConvertPayloadToString()));
            }

            return Task.CompletedTask;
        };
        await op.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("reactortwin/#", MqttQualityOfServiceLevel.AtLeastOnce).Build());

        // A dashboard may read but publish nothing that acts: the broker answers "not authorized" and forwards nothing.
        using var dashboard = await ConnectAsync(broker.Port, "dashboard", "d-pw", "dash");
        foreach (var topic in new[] { "reactortwin/r1/control/batch/set", "reactortwin/r1/proposal/accept/set", "reactortwin/r1/b0001/sensors/GLC", "reactortwin/r1/b0001/batch" })
        {
            var result = await dashboard.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload("{\"GLC\":45}").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
            Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, result.ReasonCode);
        }

        // The actuator (the simulated reactor, as the instruments user) with safety bounds GLC [18, 38].
        await using var plantClient = new Adapters.Mqtt.MqttManagedClient(new Adapters.Mqtt.MqttManagedClientOptions(new Adapters.Mqtt.MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId("plant").WithCredentials("instruments", "i-pw").Build()), null, TimeProvider.System, new Random(1));
        await plantClient.StartAsync();
        var scheduler = new HistoricalScheduler(new DateTimeOffset(2026, 1, 5, 8, 0, 0, TimeSpan.Zero));
        var model = BuiltInModels.Load("cho");
        using var plant = new SimulatedReactor(new ReactorOptions { ReactorId = "r1", Model = model, Channels = [new SensorChannelOptions { Component = "GLC", IntervalHours = 6 }], Batches = 2, SafetyBounds = new Dictionary<string, (double, double)> { ["GLC"] = (18, 38) } }, new MqttMessageBus(plantClient), scheduler);
        plant.Start();
        // A loopback connect and subscribe take milliseconds; 20 s covers two reconnect attempts. Until the broker grants
        // the subscription a setpoint published would not reach the actuator.
        await Eventually.WaitUntil(() => plantClient.IsSubscribed("reactortwin/r1/control/batch/set"), TimeSpan.FromSeconds(20), () => "the plant did not connect and subscribe to its setpoints");
        scheduler.AdvanceBy(TimeSpan.FromHours(1));

        // An operator may command: an out-of-bounds setpoint reaches the actuator, which refuses and reports it; an
        // in-bounds one is applied to the next batch.
        var bad = await op.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("reactortwin/r1/control/batch/set").WithPayload("{\"GLC\":500}").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.Equal(MqttClientPublishReasonCode.Success, bad.ReasonCode);
        await Eventually.WaitUntil(() => { lock (seen) { return seen.Any(s => s.Topic == "reactortwin/r1/errors"); } }, TimeSpan.FromSeconds(20), () => "the actuator did not report the refused setpoint");
        await op.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("reactortwin/r1/control/batch/set").WithPayload("{\"GLC\":30}").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await Eventually.WaitUntil(() => { lock (seen) { return seen.Count(s => s.Topic == "reactortwin/r1/control/batch/set") == 2; } }, TimeSpan.FromSeconds(20), () => "the operator's setpoints did not arrive");
        // The actuator has handled both (the refused one and the applied one) before the batch ends.
        await Eventually.WaitUntil(() => plant.SetpointCommandsHandled == 2, TimeSpan.FromSeconds(20), () => $"the actuator handled {plant.SetpointCommandsHandled} of 2 setpoint commands");
        scheduler.AdvanceBy(TimeSpan.FromHours(72));
        await Eventually.WaitUntil(() => plant.CurrentBatch == "b0002", TimeSpan.FromSeconds(20), () => "no second batch");
        Assert.Equal(30, plant.TrueState[0]);

        lock (seen)
        {
            var error = seen.Single(s => s.Topic == "reactortwin/r1/errors");
            Assert.Contains("GLC = 500 is outside the safety bounds [18, 38]", error.Payload, StringComparison.Ordinal);
            // Nothing the dashboard sent was forwarded.
            Assert.DoesNotContain(seen, s => s.Payload == "{\"GLC\":45}");
        }
    }
}
