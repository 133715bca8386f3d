namespace ReactorTwin.Host.Runtime;

/// <summary>What the runtime itself knows of its state, independent of any broker: the availability it last published
/// (<c>$state</c>) and its connection to the broker.</summary>
/// <param name="State">stopped (before start), init, ready or sleeping: what the host last set its <c>$state</c> topics
/// to.</param>
/// <param name="Broker">in-process (no broker: the demo), connecting (not connected yet), connected or disconnected.</param>
/// <param name="BrokerSince">When the broker connection last changed, or null.</param>
/// <param name="BrokerReason">Why the connection was lost (the client's reason), or null.</param>
public sealed record HostStatus(string State, string Broker, DateTimeOffset? BrokerSince, string? BrokerReason);

/// <summary>Something that joins the runtime once its bus, journal and pipelines exist, before the broker connection
/// opens (so that it sees every message from the start): the dashboard.</summary>
internal interface IRuntimeAttachment
{
    /// <summary>Called from <see cref="TwinHostedService.StartAsync"/> after the pipelines have started.</summary>
    void Attach(TwinHostedService runtime);
}
