using System.Globalization;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Host.Cli;

/// <summary><c>--noise NAME=SD|NAME=P%[,...]</c>: the measurement noise of channels (species, cell phases, observables).</summary>
internal static class NoiseOption
{
    /// <summary>
    /// The model's noise (<see cref="MeasurementNoise.ForModel"/>: each observable's own noise model) with the items
    /// applied on top: <c>NAME=SD</c> sets the absolute SD σ (the channel's unit; log units for a log-normal
    /// observable), <c>NAME=P%</c> the relative SD ρ = P/100 of the measured value, so that R = σ² + (ρ·y)². The
    /// items of one channel combine (<c>GLC=0.1,GLC=2%</c>) and replace the model's noise of that channel. SD and P
    /// must be finite and ≥ 0.
    /// </summary>
    /// <exception cref="CliException">Every malformed item, unknown channel or invalid number.</exception>
    public static MeasurementNoise Parse(ReactionNetwork model, IEnumerable<string> items)
    {
        var noise = MeasurementNoise.ForModel(model);
        var problems = new List<string>();
        var given = new HashSet<int>();
        foreach (string raw in items.SelectMany(x => x.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            int eq = raw.IndexOf('=', StringComparison.Ordinal);
            string name = eq > 0 ? raw[..eq].Trim() : raw;
            string text = eq > 0 ? raw[(eq + 1)..].Trim() : string.Empty;
            bool relative = text.EndsWith('%');
            if (relative)
            {
                text = text[..^1];
            }

            int ix = model.IndexOfChannel(name);
            if (eq <= 0)
            {
                problems.Add($"--noise '{raw}': expected NAME=SD or NAME=PERCENT%");
            }
            else if (ix < 0)
            {
                problems.Add($"--noise {name}: not a channel (species, cell phase or observable) of model '{model.Name}' ({string.Join(", ", model.ChannelNames)})");
            }
            else if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !(v >= 0) || !double.IsFinite(v))
            {
                problems.Add($"--noise {name}: '{text}' is not a finite number ≥ 0");
            }
            else if (relative && noise.IsLogNormal(ix))
            {
                problems.Add($"--noise {name}: {name} is log-normal, its SD is on the log scale already: give an absolute SD ({name}=0.05 for about 5 %)");
            }
            else
            {
                if (given.Add(ix))
                {
                    noise.SetAbsolute(ix, 0).SetRelative(ix, 0); // the first item replaces the model's noise
                }

                _ = relative ? noise.SetRelative(ix, v / 100.0) : noise.SetAbsolute(ix, v);
            }
        }

        if (problems.Count > 0)
        {
            throw new CliException(string.Join(Environment.NewLine, problems));
        }

        return noise;
    }
}
