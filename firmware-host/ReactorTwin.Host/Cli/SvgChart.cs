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
internal sealed record ChartSeries(string Label, string Color, double[] X, double[] Y, double[]? Lower = null, double[]? Upper = null, bool Points = false);

/// <summary>A minimal, dependency-free SVG line chart with shaded bands and an optional log₁₀ y axis.</summary>
internal static class SvgChart
{
    private const int Width = 720, Height = 440, Left = 70, Right = 20, Top = 40, Bottom = 50;

    public static string Render(string title, string xLabel, string yLabel, IReadOnlyList<ChartSeries> series, bool logY)
    {
        var xs = series.SelectMany(s => s.X).Where(double.IsFinite).ToArray();
        var ys = series.SelectMany(s => s.Y.Concat(s.Lower ?? []).Concat(s.Upper ?? [])).Where(v => double.IsFinite(v) && (!logY || v > 0)).ToArray();
        double x0 = xs.Length > 0 ? xs.Min() : 0, x1 = xs.Length > 0 ? xs.Max() : 1;
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

        double Px(double x) => Left + ((x - x0) / (x1 - x0) * (Width - Left - Right));
        double Py(double y) => Height - Bottom - ((fy(y) - y0) / (y1 - y0) * (Height - Top - Bottom));
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        sb.Append(inv, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n");
        sb.Append(inv, $"<text x=\"{Width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{Escape(title)}</text>\n");
        sb.Append(inv, $"<line x1=\"{Left}\" y1=\"{Height - Bottom}\" x2=\"{Width - Right}\" y2=\"{Height - Bottom}\" stroke=\"black\"/>\n");
        sb.Append(inv, $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Height - Bottom}\" stroke=\"black\"/>\n");
        int xTicks = (int)Math.Round((x1 - x0) / xStep);
        for (int i = 0; i <= xTicks; i++)
        {
            double x = x0 + (xStep * i);
            sb.Append(inv, $"<text x=\"{Px(x):F1}\" y=\"{Height - Bottom + 16}\" text-anchor=\"middle\">{x:G4}</text>\n");
        }

        int yTicks = (int)Math.Round((y1 - y0) / yStep);
        for (int i = 0; i <= yTicks; i++)
        {
            double v = y0 + (yStep * i);
            double py = Height - Bottom - ((v - y0) / (y1 - y0) * (Height - Top - Bottom));
            double percent = Math.Pow(10, v) * 100;
            string label = logY ? percent.ToString(percent >= 1 ? "#,0" : "G3", inv) + " %" : v.ToString("G4", inv);
            sb.Append(inv, $"<line x1=\"{Left}\" y1=\"{py:F1}\" x2=\"{Width - Right}\" y2=\"{py:F1}\" stroke=\"#ddd\"/>\n");
            sb.Append(inv, $"<text x=\"{Left - 6}\" y=\"{py + 4:F1}\" text-anchor=\"end\">{Escape(label)}</text>\n");
        }

        sb.Append(inv, $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 12}\" text-anchor=\"middle\">{Escape(xLabel)}</text>\n");
        sb.Append(inv, $"<text x=\"16\" y=\"{(Top + Height - Bottom) / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {(Top + Height - Bottom) / 2})\">{Escape(yLabel)}</text>\n");
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

                sb.Append(inv, $"<polygon points=\"{string.Join(' ', pts)}\" fill=\"{s.Color}\" fill-opacity=\"0.18\" stroke=\"none\"/>\n");
            }

            if (s.Points)
            {
                for (int i = 0; i < s.X.Length; i++)
                {
                    if (Ok(s.Y[i]))
                    {
                        sb.Append(inv, $"<circle cx=\"{Px(s.X[i]):F1}\" cy=\"{Py(s.Y[i]):F1}\" r=\"2.5\" fill=\"{s.Color}\"/>\n");
                    }
                }

                int py0 = Top + 8 + (legend++ * 16);
                sb.Append(inv, $"<circle cx=\"{Width - Right - 140}\" cy=\"{py0}\" r=\"3\" fill=\"{s.Color}\"/>\n");
                sb.Append(inv, $"<text x=\"{Width - Right - 124}\" y=\"{py0 + 4}\">{Escape(s.Label)}</text>\n");
                continue;
            }

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

            sb.Append(inv, $"<path d=\"{line.ToString().TrimEnd()}\" fill=\"none\" stroke=\"{s.Color}\" stroke-width=\"1.8\"/>\n");
            int ly = Top + 8 + (legend++ * 16);
            sb.Append(inv, $"<line x1=\"{Width - Right - 150}\" y1=\"{ly}\" x2=\"{Width - Right - 130}\" y2=\"{ly}\" stroke=\"{s.Color}\" stroke-width=\"3\"/>\n");
            sb.Append(inv, $"<text x=\"{Width - Right - 124}\" y=\"{ly + 4}\">{Escape(s.Label)}</text>\n");
        }

        sb.Append("</svg>\n");
        return sb.ToString();

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

    private static string Escape(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
