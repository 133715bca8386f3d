namespace ReactorTwin.Runtime.Contracts;

/// <summary>The texts of <see cref="PredictionPayload.Band"/> and <see cref="ForecastPayload.Band"/>: what the main
/// 95 % band includes. Subscribers may compare with them to tell the two cases apart.</summary>
public static class BandLabels
{
    /// <summary>The main band while the parameters are taken at their estimate (before the first completed batch): it
    /// is the intrinsic-noise band itself.</summary>
    public const string StateNoiseOnly = "intrinsic noise of the culture only: no batch has completed, so the parameters' uncertainty is not estimated yet";

    /// <summary>The main band once the parameters' posterior is known.</summary>
    public const string Posterior = "posterior predictive: intrinsic noise of the culture and the parameters' uncertainty";
}
