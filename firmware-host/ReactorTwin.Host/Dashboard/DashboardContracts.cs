using System.Text.Json.Serialization;
using ReactorTwin.Runtime.Contracts;

namespace ReactorTwin.Host.Dashboard;

/// <summary>Everything the page shows, as its first server-sent event (<c>snapshot</c>) and on <c>GET /api/state</c>.</summary>
/// <param name="Host">The host's own state.</param>
/// <param name="Reactors">Every configured reactor.</param>
internal sealed record SnapshotDto(HostDto Host, List<ReactorDto> Reactors);

/// <summary>The host's own state (not the broker's retained copy of it).</summary>
/// <param name="State">What the host last published as <c>$state</c>: init, ready or sleeping.</param>
/// <param name="Broker">in-process, connecting, connected or disconnected.</param>
/// <param name="BrokerSince">When the connection last changed (ISO 8601), or null.</param>
/// <param name="BrokerReason">Why it was lost, or null.</param>
/// <param name="Outbox">Messages waiting for the broker.</param>
/// <param name="AcceptEnabled">Whether proposals can be accepted on this page (a user is configured).</param>
internal sealed record HostDto(string State, string Broker, string? BrokerSince, string? BrokerReason, int Outbox, bool AcceptEnabled);

/// <summary>One reactor.</summary>
/// <param name="Id">Reactor id.</param>
/// <param name="Model">The twin's model.</param>
/// <param name="Channels">Measured components with their units, in configuration order.</param>
/// <param name="SafetyBounds">Component → [min, max] of applied setpoints.</param>
/// <param name="Batches">The batches kept, oldest first; only the latest carries its data (the others: GET
/// <c>/api/reactors/{id}/batches/{batch}</c>).</param>
/// <param name="Parameters">The latest parameter estimates, or null before the first refit.</param>
/// <param name="Proposal">The latest proposal (waiting or applied), or null.</param>
/// <param name="Rejections">The latest rejected messages, newest last.</param>
/// <param name="Counts">Counters.</param>
internal sealed record ReactorDto(string Id, string Model, List<ChannelDto> Channels, Dictionary<string, double[]> SafetyBounds, List<BatchDto> Batches, ParameterEstimatesPayload? Parameters, ProposalPayload? Proposal, List<RejectionDto> Rejections, CountsDto Counts);

/// <summary>A measured component.</summary>
/// <param name="Component">State component.</param>
/// <param name="Unit">Its unit.</param>
internal sealed record ChannelDto(string Component, string Unit);

/// <summary>One batch and, when asked for, its data.</summary>
/// <param name="Batch">Batch id.</param>
/// <param name="Start">Start (ISO 8601), or null when only readings of it were seen.</param>
/// <param name="Hours">Planned duration (h), or null.</param>
/// <param name="End">End (ISO 8601) once it ended, else null.</param>
/// <param name="Setpoints">The setpoints it started with.</param>
/// <param name="Measured">Accepted readings by component, in arrival order.</param>
/// <param name="Filtered">The twin's filtered state at each reading, by component, in time order.</param>
/// <param name="AtEnd">The latest prediction at the batch's planned end, by component.</param>
/// <param name="Forecast">The latest forecast to the batch's end, or null.</param>
internal sealed record BatchDto(
    string Batch,
    string? Start,
    double? Hours,
    string? End,
    Dictionary<string, double> Setpoints,
    Dictionary<string, List<MeasuredDto>>? Measured,
    Dictionary<string, List<FilteredDto>>? Filtered,
    Dictionary<string, PredictionPayload>? AtEnd,
    ForecastPayload? Forecast);

/// <summary>An accepted reading.</summary>
/// <param name="T">Culture time (h).</param>
/// <param name="Value">Value (the component's unit).</param>
internal sealed record MeasuredDto(double T, double Value);

/// <summary>The twin's filtered state at a reading.</summary>
/// <param name="T">Culture time (h).</param>
/// <param name="Mean">Mean.</param>
/// <param name="Lo95">Main band (see <paramref name="Posterior"/>), 2.5 %.</param>
/// <param name="Hi95">Main band, 97.5 %.</param>
/// <param name="NoiseLo95">Intrinsic-noise band, 2.5 %.</param>
/// <param name="NoiseHi95">Intrinsic-noise band, 97.5 %.</param>
/// <param name="Posterior">True when the main band is the posterior predictive (parameters' uncertainty included).</param>
internal sealed record FilteredDto(double T, double Mean, double Lo95, double Hi95, double NoiseLo95, double NoiseHi95, bool Posterior);

/// <summary>A rejected message (or another error the twin reported).</summary>
/// <param name="Received">When the dashboard saw it (ISO 8601).</param>
/// <param name="Topic">The message's topic.</param>
/// <param name="Reason">Why.</param>
/// <param name="Payload">Its payload (excerpt).</param>
internal sealed record RejectionDto(string Received, string Topic, string Reason, string Payload);

/// <summary>Counters of a reactor.</summary>
/// <param name="Accepted">Readings accepted since the host started (journaled and filtered).</param>
/// <param name="Rejected">Messages rejected since the host started.</param>
/// <param name="Duplicates">Repeated readings dropped since the host started.</param>
/// <param name="Journaled">Measurements in the journal (all time).</param>
/// <param name="Commands">Commands in the journal (all time).</param>
/// <param name="DeadLetters">Rejected messages in the journal (all time).</param>
/// <param name="LastCommand">The latest command in the journal (who sent it, what came of it), or null.</param>
internal sealed record CountsDto(long Accepted, long Rejected, long Duplicates, long Journaled, long Commands, long DeadLetters, CommandDto? LastCommand);

/// <summary>A journaled command.</summary>
/// <param name="Received">When it was handled (ISO 8601).</param>
/// <param name="Origin">Who sent it.</param>
/// <param name="Outcome">What came of it.</param>
internal sealed record CommandDto(string Received, string Origin, string Outcome);

/// <summary>Server-sent event <c>measurement</c>: an accepted reading.</summary>
internal sealed record MeasurementEvent(string Reactor, string Batch, string Component, MeasuredDto Point);

/// <summary>Server-sent event <c>filtered</c>: the filtered state at a reading (replaces one at the same time).</summary>
internal sealed record FilteredEvent(string Reactor, string Batch, string Component, FilteredDto Point);

/// <summary>Server-sent event <c>end</c>: the prediction at the batch's end.</summary>
internal sealed record EndEvent(string Reactor, string Batch, string Component, PredictionPayload Prediction);

/// <summary>Server-sent event <c>forecast</c>.</summary>
internal sealed record ForecastEvent(string Reactor, ForecastPayload Forecast);

/// <summary>Server-sent event <c>batch</c>: a batch was announced or ended (its data are not included).</summary>
internal sealed record BatchEvent(string Reactor, BatchDto Batch);

/// <summary>Server-sent event <c>parameters</c>.</summary>
internal sealed record ParametersEvent(string Reactor, ParameterEstimatesPayload Parameters);

/// <summary>Server-sent event <c>proposal</c>.</summary>
internal sealed record ProposalEvent(string Reactor, ProposalPayload Proposal);

/// <summary>Server-sent event <c>rejection</c>.</summary>
internal sealed record RejectionEvent(string Reactor, RejectionDto Rejection);

/// <summary>Server-sent event <c>status</c>: the host's state and every reactor's counters.</summary>
internal sealed record StatusEvent(HostDto Host, Dictionary<string, CountsDto> Counts);

/// <summary>The body of <c>POST /api/reactors/{id}/proposal/accept</c>.</summary>
/// <param name="Id">The id of the proposal shown.</param>
/// <param name="User">User name.</param>
/// <param name="Password">Password.</param>
internal sealed record AcceptRequest(int Id, string? User, string? Password);

/// <summary>The answer to an accept request.</summary>
/// <param name="Outcome">applied, sent (the twin has not answered yet), or refused.</param>
/// <param name="Message">What happened, in words.</param>
/// <param name="Proposal">The proposal as it is now, or null.</param>
internal sealed record AcceptResponse(string Outcome, string Message, ProposalPayload? Proposal);

/// <summary>Source-generated JSON of everything the dashboard sends and receives (camelCase).</summary>
[JsonSerializable(typeof(SnapshotDto))]
[JsonSerializable(typeof(BatchDto))]
[JsonSerializable(typeof(MeasurementEvent))]
[JsonSerializable(typeof(FilteredEvent))]
[JsonSerializable(typeof(EndEvent))]
[JsonSerializable(typeof(ForecastEvent))]
[JsonSerializable(typeof(BatchEvent))]
[JsonSerializable(typeof(ParametersEvent))]
[JsonSerializable(typeof(ProposalEvent))]
[JsonSerializable(typeof(RejectionEvent))]
[JsonSerializable(typeof(StatusEvent))]
[JsonSerializable(typeof(AcceptRequest))]
[JsonSerializable(typeof(AcceptResponse))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
internal sealed partial class DashboardJson : JsonSerializerContext
{
}
