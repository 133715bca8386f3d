using System.Globalization;
using System.Text;
using ReactorTwin.Runtime.Contracts;

namespace ReactorTwin.Host.Dashboard;

/// <summary>
/// A batch as long-format CSV, one value per row:
/// <code>
/// batch,time_h,component,kind,band,value,lo95,hi95
/// </code>
/// <c>kind</c> is <c>measured</c> (an accepted reading; no band), <c>filtered</c> (the twin's state at a reading) or
/// <c>forecast</c> (the latest forecast, from the latest reading to the batch's end); <c>band</c> says what
/// <c>lo95</c>–<c>hi95</c> covers: <c>posterior-predictive</c> (the culture's intrinsic noise and the parameters'
/// uncertainty), <c>intrinsic-noise</c> (the intrinsic noise alone, parameters at their estimate) or <c>reading</c>
/// (where a reading would fall: with the measurement noise). Before the first batch has completed only the
/// intrinsic-noise band exists. Time in hours since the batch's start, values in the component's unit.
/// </summary>
internal static class BatchCsv
{
    /// <summary>The header line.</summary>
    public const string Header = "batch,time_h,component,kind,band,value,lo95,hi95";

    private const string Posterior = "posterior-predictive", Noise = "intrinsic-noise", Reading = "reading";

    /// <summary>The CSV of <paramref name="batch"/>, components in the reactor's channel order.</summary>
    public static string Write(ReactorView reactor, BatchView batch)
    {
        var sb = new StringBuilder(Header).Append('\n');
        string b = batch.Batch;
        var components = reactor.Channels.Select(c => c.Component).Concat(batch.Components).Distinct(StringComparer.Ordinal).ToArray();
        foreach (string c in components)
        {
            foreach (var m in batch.Measured(c).OrderBy(m => m.T))
            {
                Row(sb, b, m.T, c, "measured", "", m.Value, double.NaN, double.NaN);
            }

            foreach (var f in batch.Filtered(c))
            {
                Row(sb, b, f.T, c, "filtered", f.Posterior ? Posterior : Noise, f.Mean, f.Lo95, f.Hi95);
                if (f.Posterior)
                {
                    Row(sb, b, f.T, c, "filtered", Noise, f.Mean, f.NoiseLo95, f.NoiseHi95);
                }
            }

            if (batch.Forecast is { } forecast && forecast.Components.TryGetValue(c, out var series))
            {
                bool posterior = forecast.Band == BandLabels.Posterior;
                foreach (var p in series.Points)
                {
                    Row(sb, b, p.HorizonHours, c, "forecast", posterior ? Posterior : Noise, p.Mean, p.Lo95, p.Hi95);
                    if (posterior)
                    {
                        Row(sb, b, p.HorizonHours, c, "forecast", Noise, p.Mean, p.StateNoise.Lo95, p.StateNoise.Hi95);
                    }

                    Row(sb, b, p.HorizonHours, c, "forecast", Reading, p.Mean, p.Measurement.Lo95, p.Measurement.Hi95);
                }
            }
        }

        return sb.ToString();
    }

    private static void Row(StringBuilder sb, string batch, double t, string component, string kind, string band, double value, double lo, double hi) =>
        sb.Append(CultureInfo.InvariantCulture, $"{batch},{t:R},{component},{kind},{band},{value:R},{Number(lo)},{Number(hi)}\n");

    private static string Number(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";
}
