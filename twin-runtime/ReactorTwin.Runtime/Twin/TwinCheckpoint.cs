using System.Text.Json.Serialization;

namespace ReactorTwin.Runtime.Twin;

/// <summary>A checkpoint of one twin (JSON in the journal).</summary>
/// <param name="Estimate">û.</param>
/// <param name="Completed">Completed batches' measurements.</param>
/// <param name="CompletedBatches">Their number.</param>
/// <param name="Batches">Every batch seen, with start and duration.</param>
/// <param name="Proposals">Proposals made so far.</param>
/// <param name="PolicyState">The design policy's state (<see cref="ReactorTwin.Core.Design.IDesignPolicyState"/>), or null.</param>
/// <param name="Pending">The proposal waiting for acceptance, or null.</param>
/// <param name="Covariance">Row-major covariance of û after the refit (the parameter posterior's Laplace
/// approximation), or null.</param>
public sealed record TwinCheckpoint(double[] Estimate, CheckpointRow[] Completed, int CompletedBatches, CheckpointBatch[] Batches, int Proposals, double[]? PolicyState = null, PendingProposal? Pending = null, double[]? Covariance = null);

/// <summary>A proposal waiting for <c>proposal/accept/set</c>.</summary>
/// <param name="Id">Proposal number.</param>
/// <param name="Setpoints">The clamped setpoints to send.</param>
/// <param name="Proposal">The published proposal.</param>
public sealed record PendingProposal(int Id, Dictionary<string, double> Setpoints, Contracts.ProposalPayload Proposal);

/// <summary>A measurement in a checkpoint.</summary>
/// <param name="Batch">Batch id.</param>
/// <param name="Component">State component.</param>
/// <param name="Timestamp">Instrument timestamp.</param>
/// <param name="TimeHours">Culture time (h).</param>
/// <param name="Value">Value.</param>
public sealed record CheckpointRow(string Batch, string Component, DateTimeOffset Timestamp, double TimeHours, double Value);

/// <summary>A batch in a checkpoint.</summary>
/// <param name="Batch">Batch id.</param>
/// <param name="Start">Start time.</param>
/// <param name="Hours">Planned duration (h).</param>
public sealed record CheckpointBatch(string Batch, DateTimeOffset Start, double Hours);

/// <summary>Source-generated JSON metadata of the checkpoint.</summary>
[JsonSerializable(typeof(TwinCheckpoint))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class CheckpointJson : JsonSerializerContext
{
}
