using ReactorTwin.Host.Cli;
using ReactorTwin.Runtime.Contracts;

namespace ReactorTwin.Host.Dashboard;

/// <summary>The figure of a batch as the page draws it, as one SVG: a chart per measured component — accepted readings,
/// the twin's filtered state with its 95 % band, and the latest forecast to the batch's end with both 95 % bands (the
/// posterior predictive, and the intrinsic noise alone), each labelled.</summary>
internal static class BatchFigure
{
    private static readonly string[] Colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"];

    /// <summary>The SVG of <paramref name="batch"/>.</summary>
    public static string Render(ReactorView reactor, BatchView batch)
    {
        var panels = new List<ChartPanel>();
        for (int k = 0; k < reactor.Channels.Count; k++)
        {
            var (component, unit) = (reactor.Channels[k].Component, reactor.Channels[k].Unit);
            string color = Colors[k % Colors.Length];
            var series = new List<ChartSeries>();
            var filtered = batch.Filtered(component).ToArray();
            bool posterior = filtered.Any(f => f.Posterior);
            series.Add(new ChartSeries(
                $"twin: filtered state, 95 % {(posterior ? "posterior predictive" : "intrinsic noise")}",
                color,
                [.. filtered.Select(f => f.T)],
                [.. filtered.Select(f => f.Mean)],
                [.. filtered.Select(f => f.Lo95)],
                [.. filtered.Select(f => f.Hi95)]));
            if (batch.Forecast is { } forecast && forecast.Components.TryGetValue(component, out var fs))
            {
                var pts = fs.Points;
                double[] t = [.. pts.Select(p => p.HorizonHours)];
                if (forecast.Band == BandLabels.Posterior)
                {
                    series.Add(new ChartSeries("forecast, 95 % posterior predictive (noise and parameters)", color, t, [.. pts.Select(p => p.Mean)], [.. pts.Select(p => p.Lo95)], [.. pts.Select(p => p.Hi95)], Dashed: true, BandOpacity: 0.12));
                    series.Add(new ChartSeries("forecast, 95 % intrinsic noise only", color, t, [.. pts.Select(p => p.Mean)], [.. pts.Select(p => p.StateNoise.Lo95)], [.. pts.Select(p => p.StateNoise.Hi95)], BandOnly: true, BandOpacity: 0.3));
                }
                else
                {
                    series.Add(new ChartSeries("forecast, 95 % intrinsic noise only (parameters' uncertainty not estimated yet)", color, t, [.. pts.Select(p => p.Mean)], [.. pts.Select(p => p.StateNoise.Lo95)], [.. pts.Select(p => p.StateNoise.Hi95)], Dashed: true, BandOpacity: 0.3));
                }
            }

            var measured = batch.Measured(component).OrderBy(m => m.T).ToArray();
            series.Add(new ChartSeries("measured (accepted readings)", "#222222", [.. measured.Select(m => m.T)], [.. measured.Select(m => m.Value)], Points: true));
            panels.Add(new ChartPanel($"{component} ({unit})", "culture time (h)", $"{component} ({unit})", series, 0, batch.Hours));
        }

        return SvgChart.RenderPanels($"Reactor {reactor.Id}, batch {batch.Batch}: readings, twin and forecast", panels);
    }
}
