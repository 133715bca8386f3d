namespace ReactorTwin.Runtime.Twin;

/// <summary>Something the twin did, for progress views, reports, logs and tests.</summary>
/// <param name="Kind">measurement, rejection, prediction, prediction-end, refit-started, refit (one per parameter),
/// unidentified (a parameter the data do not determine yet, after its refit event), refit-cancelled, proposal (one per
/// setpoint), proposal-accepted, error.</param>
/// <param name="Batch">Batch id ("" when none).</param>
/// <param name="TimeHours">Culture time (h) the event refers to, or NaN.</param>
/// <param name="Component">Component or parameter name ("" when none).</param>
/// <param name="Value">Measured value, predicted mean, estimate or proposed setpoint (or NaN).</param>
/// <param name="Lower">Lower 95 % bound (or NaN).</param>
/// <param name="Upper">Upper 95 % bound (or NaN).</param>
/// <param name="Detail">Free text (rejection reason, refit exit, objective, …).</param>
/// <param name="MeasurementLower">Predictions: lower 95 % bound of a future reading (state, parameters and measurement
/// noise), else NaN.</param>
/// <param name="MeasurementUpper">Predictions: upper 95 % bound of a future reading, else NaN.</param>
public sealed record TwinEvent(string Kind, string Batch, double TimeHours, string Component, double Value, double Lower, double Upper, string Detail, double MeasurementLower = double.NaN, double MeasurementUpper = double.NaN);
