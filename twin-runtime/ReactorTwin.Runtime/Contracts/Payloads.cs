using System.Text.Json.Serialization;

namespace ReactorTwin.Runtime.Contracts;

/// <summary>The retained batch announcement of the reactor (the simulated one, or lab software that starts batches).</summary>
/// <param name="Batch">Batch (experiment) id, a topic level.</param>
/// <param name="Start">Start time, ISO 8601 UTC.</param>
/// <param name="Hours">Planned duration (h), &gt; 0.</param>
/// <param name="Initial">Initial values of state components (model units).</param>
/// <param name="Setpoints">The setpoints that were applied (component → value).</param>
/// <param name="End">End time (ISO 8601 UTC) once the batch has ended, else null.</param>
public sealed record BatchAnnouncement(string Batch, string Start, double Hours, Dictionary<string, double> Initial, Dictionary<string, double> Setpoints, string? End = null);

/// <summary>A sensor reading: <c>{"value": 27.5, "unit": "mM", "ts": "2026-01-05T10:00:00Z"}</c>.</summary>
/// <param name="Value">Measured value in <paramref name="Unit"/> (the model's unit of the component).</param>
/// <param name="Unit">Unit, e.g. <c>mM</c>.</param>
/// <param name="Ts">Instrument timestamp, ISO 8601 (UTC unless an offset is given).</param>
/// <param name="Quality">Driver's grade (good, suspect) for attached sensors; null for instruments that do not say.</param>
public sealed record SensorReadingPayload(double Value, string Unit, string Ts, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Quality = null);

/// <summary>A 95 % band with its standard deviation.</summary>
/// <param name="Sd">Standard deviation (model units).</param>
/// <param name="Lo95">2.5 % quantile.</param>
/// <param name="Hi95">97.5 % quantile.</param>
public sealed record BandPayload(double Sd, double Lo95, double Hi95);

/// <summary>
/// The twin's prediction of one component at one time (now, or the batch's end). <see cref="Mean"/>, <see cref="Sd"/>,
/// <see cref="Lo95"/> and <see cref="Hi95"/> are those of the posterior predictive distribution of the true state —
/// the culture's intrinsic noise and the parameters' uncertainty — censored at 0 (concentrations and cell densities
/// cannot be negative: the Gaussian's mass below 0 is a used-up component); <see cref="StateNoise"/> is the band of
/// the intrinsic noise alone at the estimate, and <see cref="Measurement"/> the band of a future reading (plus the measurement noise).
/// </summary>
/// <param name="Value">= <paramref name="Mean"/>, for dashboards that read "value".</param>
/// <param name="Unit">Unit of the component.</param>
/// <param name="Ts">Time the prediction is for, ISO 8601 UTC.</param>
/// <param name="Mean">Predicted mean.</param>
/// <param name="Sd">Predicted standard deviation.</param>
/// <param name="Lo95">2.5 % quantile.</param>
/// <param name="Hi95">97.5 % quantile.</param>
/// <param name="HorizonHours">Culture time (h since the batch start) the prediction is for.</param>
/// <param name="Band">What the main band includes, in words.</param>
/// <param name="StateNoise">The band of the intrinsic noise only (parameters at their estimate).</param>
/// <param name="Measurement">The band of a reading at that time (state, parameters and measurement noise).</param>
public sealed record PredictionPayload(
    double Value,
    string Unit,
    string Ts,
    double Mean,
    double Sd,
    double Lo95,
    double Hi95,
    [property: JsonPropertyName("horizon_h")] double HorizonHours,
    string Band,
    BandPayload StateNoise,
    BandPayload Measurement);

/// <summary>One time of a <see cref="ForecastPayload"/>: the bands of <see cref="PredictionPayload"/> at that time.</summary>
/// <param name="HorizonHours">Culture time (h since the batch start).</param>
/// <param name="Mean">Predicted mean (posterior predictive, censored at 0).</param>
/// <param name="Lo95">2.5 % quantile of the main band.</param>
/// <param name="Hi95">97.5 % quantile of the main band.</param>
/// <param name="StateNoise">The band of the intrinsic noise only (parameters at their estimate).</param>
/// <param name="Measurement">The band of a reading at that time.</param>
public sealed record ForecastPoint([property: JsonPropertyName("horizon_h")] double HorizonHours, double Mean, double Lo95, double Hi95, BandPayload StateNoise, BandPayload Measurement);

/// <summary>The forecast of one component.</summary>
/// <param name="Unit">Unit of the component.</param>
/// <param name="Points">The forecast's times in increasing order, the first at the latest measurement, the last at the
/// batch's planned end.</param>
public sealed record ForecastSeries(string Unit, List<ForecastPoint> Points);

/// <summary>
/// The twin's forecast of the running batch from its latest measurement to the batch's planned end, on a grid of
/// culture times (every <c>ForecastStepHours</c>, plus both ends), for every channel's component. Each point has the
/// bands of a <see cref="PredictionPayload"/>: the main band (see <see cref="Band"/>), the intrinsic-noise band and the
/// band of a reading.
/// </summary>
/// <param name="Batch">Batch id.</param>
/// <param name="FromHours">Culture time of the latest measurement (the first point).</param>
/// <param name="EndHours">The batch's planned end (the last point).</param>
/// <param name="Band">What the main band includes, in words (as <see cref="PredictionPayload.Band"/>).</param>
/// <param name="Components">Forecast by component.</param>
public sealed record ForecastPayload(
    string Batch,
    [property: JsonPropertyName("from_h")] double FromHours,
    [property: JsonPropertyName("end_h")] double EndHours,
    string Band,
    Dictionary<string, ForecastSeries> Components);

/// <summary>One parameter's estimate.</summary>
/// <param name="Value">Estimate (natural scale, the model's unit).</param>
/// <param name="Lo95">Lower end of the 95 % interval, or null when the data do not bound it.</param>
/// <param name="Hi95">Upper end of the 95 % interval, or null when the data do not bound it.</param>
/// <param name="Identified">False when the data so far do not determine the parameter (its interval is the prior's,
/// or it sits at a bound): read the value as a guess.</param>
/// <param name="Note">Why it is not identified, or null.</param>
public sealed record ParameterEstimate(double Value, double? Lo95, double? Hi95, bool Identified, string? Note);

/// <summary>The retained parameter estimates after a refit.</summary>
/// <param name="Batch">The batch whose end started the refit.</param>
/// <param name="Batches">Completed batches the estimate is based on.</param>
/// <param name="Refit">How the refit ended (optimiser exit, <c>partial: …</c>, or why it failed).</param>
/// <param name="Method">How the intervals were made, in words.</param>
/// <param name="Parameters">Estimates by parameter name.</param>
public sealed record ParameterEstimatesPayload(string Batch, int Batches, string Refit, string Method, Dictionary<string, ParameterEstimate> Parameters);

/// <summary>The retained proposal for the next batch.</summary>
/// <param name="Id">Proposal number (1, 2, …), quoted by <see cref="AcceptCommand"/>.</param>
/// <param name="Policy">Design policy.</param>
/// <param name="Setpoints">Setpoints after the safety clamp (component → value).</param>
/// <param name="Predicted">The policy's objective at the proposal, or null.</param>
/// <param name="Objective">What the policy optimises, in words.</param>
/// <param name="Applied">Whether the setpoints were sent to the reactor.</param>
/// <param name="Notes">Clamps and other remarks.</param>
public sealed record ProposalPayload(int Id, string Policy, Dictionary<string, double> Setpoints, double? Predicted, string Objective, bool Applied, List<string> Notes);

/// <summary>The command that applies the waiting proposal: <c>{"id": N}</c>, optionally with <c>"by"</c>.</summary>
/// <param name="Id">The id of the waiting proposal.</param>
/// <param name="By">Who accepts it (the dashboard puts its signed-in user here), or null.</param>
public sealed record AcceptCommand(int Id, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? By = null);

/// <summary>A rejected message or a failure, published on an errors topic.</summary>
/// <param name="Topic">The topic of the message concerned (or of the output that failed).</param>
/// <param name="Reason">What was wrong, naming the field.</param>
/// <param name="Payload">The message's payload (UTF-8, at most 200 characters; empty when there was none).</param>
public sealed record ErrorPayload(string Topic, string Reason, string Payload);

/// <summary>A reading of an auxiliary instrument (one that measures no model component, e.g. broth temperature).</summary>
/// <param name="Value">Value, or null for a fault.</param>
/// <param name="Unit">Unit.</param>
/// <param name="Ts">Timestamp, ISO 8601 UTC.</param>
/// <param name="Quality">good, suspect or fault.</param>
/// <param name="Reason">The driver's reason for suspect or fault, else null.</param>
public sealed record InstrumentPayload(double? Value, string Unit, string Ts, string Quality, string? Reason);

/// <summary>One availability topic of a Home Assistant entity.</summary>
/// <param name="Topic">The topic.</param>
public sealed record DiscoveryAvailability(string Topic);

/// <summary>Home Assistant MQTT discovery config of one twin prediction (a sensor entity).</summary>
public sealed record DiscoveryConfig(
    string Name,
    [property: JsonPropertyName("unique_id")] string UniqueId,
    [property: JsonPropertyName("state_topic")] string StateTopic,
    [property: JsonPropertyName("value_template")] string ValueTemplate,
    [property: JsonPropertyName("unit_of_measurement")] string UnitOfMeasurement,
    DiscoveryAvailability[] Availability,
    [property: JsonPropertyName("availability_mode")] string AvailabilityMode,
    [property: JsonPropertyName("payload_available")] string PayloadAvailable,
    [property: JsonPropertyName("payload_not_available")] string PayloadNotAvailable,
    [property: JsonPropertyName("json_attributes_topic")] string JsonAttributesTopic);

/// <summary>Source-generated JSON metadata of every wire payload (camelCase unless a property says otherwise).</summary>
[JsonSerializable(typeof(BatchAnnouncement))]
[JsonSerializable(typeof(SensorReadingPayload))]
[JsonSerializable(typeof(PredictionPayload))]
[JsonSerializable(typeof(ForecastPayload))]
[JsonSerializable(typeof(ParameterEstimatesPayload))]
[JsonSerializable(typeof(ProposalPayload))]
[JsonSerializable(typeof(AcceptCommand))]
[JsonSerializable(typeof(ErrorPayload))]
[JsonSerializable(typeof(InstrumentPayload))]
[JsonSerializable(typeof(DiscoveryConfig))]
[JsonSerializable(typeof(Dictionary<string, double>))]
[JsonSerializable(typeof(string))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, NumberHandling = JsonNumberHandling.Strict)]
public sealed partial class ContractJson : JsonSerializerContext
{
    /// <summary>The context every payload is written and read with: as <see cref="JsonSerializerContext"/>'s default,
    /// but without escaping quotes, apostrophes and non-ASCII letters (messages are not HTML; "µM" and "'sugar'" stay
    /// readable on a broker's console).</summary>
    public static ContractJson Wire => s_wire ??= new ContractJson(new System.Text.Json.JsonSerializerOptions(Default!.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    private static ContractJson? s_wire;
}
