using System.Globalization;
using System.Text;

namespace ReactorTwin.Host.Cli;

/// <summary>One line with an optional band in an <see cref="SvgChart"/>.</summary>
/// <param name="Label">Legend text.</param>
/// <param name="Color">CSS colour.</param>
/// <param name="X">x values.</param>
/// <param name="Y">y values (NaN breaks the line).</param>
/// <param name="Lower">Band lower edge, or null.</param>
/// <param name="Upper">Band upper edge, or null.</param>
/// <param name="Points">Draw markers instead of a line.</param>
/// <param name="Dashed">Draw the line dashed.</param>
/// <param name="BandOnly">Draw only the band (the legend shows a swatch).</param>
/// <param name="BandOpacity">Opacity of the band's fill.</param>
internal sealed record ChartSeries(string Label, string Color, double[] X, double[] Y, double[]? Lower = null, double[]? Upper = null, bool Points = false, bool Dashed = false, bool BandOnly = false, double BandOpacity = 0.18);

/// <summary>One chart of a figure of stacked charts (<see cref="SvgChart.RenderPanels"/>).</summary>
/// <param name="Title">Title above the chart.</param>
/// <param name="XLabel">x axis label.</param>
/// <param name="YLabel">y axis label.</param>
/// <param name="Series">What to draw.</param>
/// <param name="XMin">Left end of the x axis, or null for the data's.</param>
/// <param name="XMax">Right end of the x axis, or null for the data's.</param>
internal sealed record ChartPanel(string Title, string XLabel, string YLabel, IReadOnlyList<ChartSeries> Series, double? XMin = null, double? XMax = null);

/// <summary>A minimal, dependency-free SVG line chart with shaded bands and an optional log₁₀ y axis; one chart, or
/// several stacked with their legends beside them.</summary>
internal static class SvgChart
{
    private const int Width = 720, Height = 440, Left = 70, Right = 20, Top = 40, Bottom = 50, LegendColumn = 300;

    /// <summary>One chart with its legend in the top right corner.</summary>
    public static string Render(string title, string xLabel, string yLabel, IReadOnlyList<ChartSeries> series, bool logY)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        sb.Append(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n");
        AppendPanel(sb, 0, new ChartPanel(title, xLabel, yLabel, series), logY, Width - Right - 150);
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    /// <summary>Charts stacked under a common title, each with its legend to its right.</summary>
    public static string RenderPanels(string title, IReadOnlyList<ChartPanel> panels)
    {
        ArgumentNullException.ThrowIfNull(panels);
        const int head = 30;
        int width = Width + LegendColumn, height = head + (panels.Count * Height);
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        sb.Append(inv, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n");
        sb.Append(inv, $"<text x=\"{width / 2}\" y=\"20\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">{Escape(title)}</text>\n");
        for (int i = 0; i < panels.Count; i++)
        {
            AppendPanel(sb, head + (i * Height), panels[i], logY: false, Width + 10);
        }

        sb.Append("</svg>\n");
        return sb.ToString();
    }

    private static void AppendPanel(StringBuilder sb, double offset, ChartPanel panel, bool logY, double legendX)
    {
        var (title, xLabel, yLabel, series, xMin, xMax) = panel;
        var xs = series.SelectMany(s => s.X).Where(double.IsFinite).ToArray();
        var ys = series.SelectMany(s => s.Y.Concat(s.Lower ?? []).Concat(s.Upper ?? [])).Where(v => double.IsFinite(v) && (!logY || v > 0)).ToArray();
        double x0 = xMin ?? (xs.Length > 0 ? xs.Min() : 0), x1 = xMax ?? (xs.Length > 0 ? xs.Max() : 1);
        if (x1 <= x0)
        {
            x1 = x0 + 1;
        }

        double xStep = NiceStep(x1 - x0);
        x0 = Math.Floor((x0 / xStep) + 1e-9) * xStep;
        x1 = Math.Ceiling((x1 / xStep) - 1e-9) * xStep;

        Func<double, double> fy = logY ? Math.Log10 : v => v;
        double y0 = ys.Length > 0 ? ys.Min(fy) : 0, y1 = ys.Length > 0 ? ys.Max(fy) : 1;
        if (logY)
        {
            y0 = Math.Floor(y0);
            y1 = Math.Ceiling(y1);
        }

        if (y1 <= y0)
        {
            y1 = y0 + 1;
        }

        double yStep = 1.0;
        if (!logY)
        {
            yStep = NiceStep(y1 - y0);
            y0 = Math.Floor((y0 / yStep) + 1e-9) * yStep;
            y1 = Math.Ceiling((y1 / yStep) - 1e-9) * yStep;
        }

        double bottom = offset + Height - Bottom, top = offset + Top;
        double Px(double x) => Left + ((x - x0) / (x1 - x0) * (Width - Left - Right));
        double Py(double y) => bottom - ((fy(y) - y0) / (y1 - y0) * (bottom - top));
        var inv = CultureInfo.InvariantCulture;
        sb.Append(inv, $"<text x=\"{Width / 2}\" y=\"{offset + 22}\" text-anchor=\"middle\" font-size=\"15\">{Escape(title)}</text>\n");
        sb.Append(inv, $"<line x1=\"{Left}\" y1=\"{bottom}\" x2=\"{Width - Right}\" y2=\"{bottom}\" stroke=\"black\"/>\n");
        sb.Append(inv, $"<line x1=\"{Left}\" y1=\"{top}\" x2=\"{Left}\" y2=\"{bottom}\" stroke=\"black\"/>\n");
        int xTicks = (int)Math.Round((x1 - x0) / xStep);
        for (int i = 0; i <= xTicks; i++)
        {
            double x = x0 + (xStep * i);
            sb.Append(inv, $"<text x=\"{Px(x):F1}\" y=\"{bottom + 16}\" text-anchor=\"middle\">{x:G4}</text>\n");
        }

        int yTicks = (int)Math.Round((y1 - y0) / yStep);
        for (int i = 0; i <= yTicks; i++)
        {
            double v = y0 + (yStep * i);
            double py = bottom - ((v - y0) / (y1 - y0) * (bottom - top));
            double percent = Math.Pow(10, v) * 100;
            string label = logY ? percent.ToString(percent >= 1 ? "#,0" : "G3", inv) + " %" : v.ToString("G4", inv);
            sb.Append(inv, $"<line x1=\"{Left}\" y1=\"{py:F1}\" x2=\"{Width - Right}\" y2=\"{py:F1}\" stroke=\"#ddd\"/>\n");
            sb.Append(inv, $"<text x=\"{Left - 6}\" y=\"{py + 4:F1}\" text-anchor=\"end\">{Escape(label)}</text>\n");
        }

        sb.Append(inv, $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{offset + Height - 12}\" text-anchor=\"middle\">{Escape(xLabel)}</text>\n");
        double mid = (top + bottom) / 2;
        sb.Append(inv, $"<text x=\"16\" y=\"{mid:F1}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {mid:F1})\">{Escape(yLabel)}</text>\n");
        int legend = 0;
        foreach (var s in series)
        {
            if (s.Lower is not null && s.Upper is not null)
            {
                var pts = new List<string>();
                for (int i = 0; i < s.X.Length; i++)
                {
                    if (Ok(s.Upper[i]))
                    {
                        pts.Add(string.Create(inv, $"{Px(s.X[i]):F1},{Py(s.Upper[i]):F1}"));
                    }
                }

                for (int i = s.X.Length - 1; i >= 0; i--)
                {
                    if (Ok(s.Lower[i]))
                    {
                        pts.Add(string.Create(inv, $"{Px(s.X[i]):F1},{Py(s.Lower[i]):F1}"));
                    }
                }

                sb.Append(inv, $"<polygon points=\"{string.Join(' ', pts)}\" fill=\"{s.Color}\" fill-opacity=\"{s.BandOpacity:G3}\" stroke=\"none\"/>\n");
            }

            double ly = top + 8 + (legend++ * 16);
            if (s.Points)
            {
                for (int i = 0; i < s.X.Length; i++)
                {
                    if (Ok(s.Y[i]))
                    {
                        sb.Append(inv, $"<circle cx=\"{Px(s.X[i]):F1}\" cy=\"{Py(s.Y[i]):F1}\" r=\"2.5\" fill=\"{s.Color}\"/>\n");
                    }
                }

                sb.Append(inv, $"<circle cx=\"{legendX + 10}\" cy=\"{ly:F1}\" r=\"3\" fill=\"{s.Color}\"/>\n");
            }
            else if (s.BandOnly)
            {
                sb.Append(inv, $"<rect x=\"{legendX}\" y=\"{ly - 5:F1}\" width=\"20\" height=\"10\" fill=\"{s.Color}\" fill-opacity=\"{s.BandOpacity:G3}\"/>\n");
            }
            else
            {
                var line = new StringBuilder();
                bool pen = false;
                for (int i = 0; i < s.X.Length; i++)
                {
                    if (!Ok(s.Y[i]))
                    {
                        pen = false;
                        continue;
                    }

                    line.Append(inv, $"{(pen ? 'L' : 'M')}{Px(s.X[i]):F1},{Py(s.Y[i]):F1} ");
                    pen = true;
                }

                string dash = s.Dashed ? " stroke-dasharray=\"6 4\"" : "";
                sb.Append(inv, $"<path d=\"{line.ToString().TrimEnd()}\" fill=\"none\" stroke=\"{s.Color}\" stroke-width=\"1.8\"{dash}/>\n");
                sb.Append(inv, $"<line x1=\"{legendX}\" y1=\"{ly:F1}\" x2=\"{legendX + 20}\" y2=\"{ly:F1}\" stroke=\"{s.Color}\" stroke-width=\"3\"{dash}/>\n");
            }

            sb.Append(inv, $"<text x=\"{legendX + 26}\" y=\"{ly + 4:F1}\">{Escape(s.Label)}</text>\n");
        }

        bool Ok(double v) => double.IsFinite(v) && (!logY || v > 0);
    }

    /// <summary>A "nice" tick step (1, 2, 2.5 or 5 × 10^k) giving about five intervals over <paramref name="range"/>.</summary>
    private static double NiceStep(double range)
    {
        double raw = range / 5;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double f = raw / magnitude;
        double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
        return nice * magnitude;
    }

    /// <summary>Escapes text for SVG/XML content and attributes.</summary>
    public static string Escape(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal).Replace("\"", "&quot;", StringComparison.Ordinal);
}
