using ReactorTwin.Core.Estimation;
using ReactorTwin.Runtime.Contracts;

namespace ReactorTwin.Runtime.Twin;

/// <summary>Something the <see cref="DigitalTwin"/> produced in answer to an input: a typed value, not yet a message.</summary>
public abstract record TwinOutput;

/// <summary>A measurement went into the filter.</summary>
/// <param name="Batch">Batch id.</param>
/// <param name="TimeHours">Culture time (h).</param>
/// <param name="Component">State component.</param>
/// <param name="Value">Measured value.</param>
public sealed record MeasurementAbsorbed(string Batch, double TimeHours, string Component, double Value) : TwinOutput;

/// <summary>A prediction of one channel's component.</summary>
/// <param name="Batch">Batch id.</param>
/// <param name="Component">State component.</param>
/// <param name="AtBatchEnd">True for the prediction at the batch's planned end, false for "now".</param>
/// <param name="Payload">What is published.</param>
public sealed record PredictionOutput(string Batch, string Component, bool AtBatchEnd, PredictionPayload Payload) : TwinOutput;

/// <summary>The forecast of every channel from the latest measurement to the batch's planned end.</summary>
/// <param name="Batch">Batch id.</param>
/// <param name="Payload">What is published (retained).</param>
public sealed record ForecastOutput(string Batch, ForecastPayload Payload) : TwinOutput;

/// <summary>A batch is complete and its refit is to run (inline or in the background); its outcome goes back to
/// <see cref="DigitalTwin.ApplyRefit"/>.</summary>
/// <param name="Batch">The completed batch.</param>
/// <param name="Refit">The refit over every completed batch.</param>
/// <param name="WarmStart">θ to start from (natural scale, all parameters): the estimate when the batch completed.</param>
/// <param name="Batches">Every batch announced when it completed (for the checkpoint after the refit).</param>
public sealed record RefitRequest(string Batch, StreamingRefit Refit, double[] WarmStart, IReadOnlyList<CheckpointBatch> Batches) : TwinOutput;

/// <summary>New parameter estimates after a refit.</summary>
/// <param name="Payload">What is published.</param>
public sealed record ParametersOutput(ParameterEstimatesPayload Payload) : TwinOutput;

/// <summary>The amortized network's estimate of the running batch's parameters, from its readings so far.</summary>
/// <param name="Payload">What is published (refit <c>amortized</c>).</param>
public sealed record AmortizedParametersOutput(ParameterEstimatesPayload Payload) : TwinOutput;

/// <summary>A proposal for the next batch.</summary>
/// <param name="Payload">What is published (retained).</param>
public sealed record ProposalOutput(ProposalPayload Payload) : TwinOutput;

/// <summary>Setpoints to send to the reactor (a proposal applied automatically or accepted).</summary>
/// <param name="Setpoints">Component → value, within the safety bounds.</param>
/// <param name="ProposalId">The proposal they come from.</param>
/// <param name="Accepted">True when a person accepted them (false: applied automatically).</param>
public sealed record SetpointsOutput(IReadOnlyDictionary<string, double> Setpoints, int ProposalId, bool Accepted) : TwinOutput;

/// <summary>The twin's state after a refit, to checkpoint with the journal position of the refit's batch.</summary>
/// <param name="Request">The refit it follows.</param>
/// <param name="State">What to save.</param>
public sealed record CheckpointOutput(RefitRequest Request, TwinCheckpoint State) : TwinOutput;

/// <summary>Something went wrong with an input or an output; published on the errors topic.</summary>
/// <param name="Topic">The topic concerned.</param>
/// <param name="Reason">What was wrong.</param>
/// <param name="Payload">The payload concerned (excerpt), or empty.</param>
public sealed record TwinError(string Topic, string Reason, string Payload = "") : TwinOutput;
