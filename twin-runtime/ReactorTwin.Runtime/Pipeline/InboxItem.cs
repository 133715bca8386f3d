using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Core.Estimation;
using ReactorTwin.Runtime.Contracts;
using ReactorTwin.Runtime.Twin;

namespace ReactorTwin.Runtime.Pipeline;

/// <summary>What arrives in a reactor's inbox, in arrival order: messages from the bus, readings of attached sensors,
/// the outcomes of background refits, and commands of the host.</summary>
public abstract record InboxItem;

/// <summary>A message from the bus (its MQTT acknowledgement is deferred until it has been journaled or rejected).</summary>
/// <param name="Message">The message.</param>
public sealed record BusMessage(MqttMessage Message) : InboxItem;

/// <summary>A reading of a sensor attached to this box: it enters the pipeline directly (no broker in between), is
/// journaled, and is mirrored to the broker for dashboards.</summary>
/// <param name="Component">The state component it measures.</param>
/// <param name="Reading">The reading (model units).</param>
public sealed record LocalReading(string Component, SensorReadingPayload Reading) : InboxItem;

/// <summary>A background refit has ended.</summary>
/// <param name="Request">What it refitted.</param>
/// <param name="Outcome">What it found.</param>
/// <param name="BoundarySeq">The journal position its checkpoint covers.</param>
public sealed record RefitDone(RefitRequest Request, StreamingRefitOutcome Outcome, long BoundarySeq) : InboxItem;

/// <summary>Completes the running batch now (without waiting for the next announcement).</summary>
public sealed record CompleteBatchCommand : InboxItem;
