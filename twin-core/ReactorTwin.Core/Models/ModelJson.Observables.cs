using System.Text.Json;

namespace ReactorTwin.Core.Models;

/// <summary>
/// The <c>observables</c> section of a model file:
/// <c>{"name": "OD600", "formula": "2.6*X", "unit": "AU", "noise": {"distribution": "normal", "sd": 0.02, "relative": 0.05}}</c>.
/// <c>sd</c> is a number (absolute SD, in the observable's unit; log units for log-normal) or a formula string of the
/// parameters, states, inputs, t and the observable's own name (its prediction).
/// </summary>
public static partial class ModelJson
{
    private static void WriteObservables(Utf8JsonWriter w, IReadOnlyList<Observable> observables)
    {
        if (observables.Count == 0)
        {
            return;
        }

        w.WriteStartArray("observables");
        foreach (var o in observables)
        {
            w.WriteStartObject();
            w.WriteString("name", o.Name);
            w.WriteString("formula", o.Formula);
            if (o.Unit.Length > 0)
            {
                w.WriteString("unit", o.Unit);
            }

            if (o.Noise is { } noise)
            {
                w.WriteStartObject("noise");
                w.WriteString("distribution", noise.Distribution == NoiseDistribution.LogNormal ? "lognormal" : "normal");
                if (noise.Formula is not null)
                {
                    w.WriteString("sd", noise.Formula);
                }
                else if (noise.Absolute > 0)
                {
                    w.WriteNumber("sd", noise.Absolute);
                }

                if (noise.Relative > 0)
                {
                    w.WriteNumber("relative", noise.Relative);
                }

                w.WriteEndObject();
            }

            WriteOptional(w, "description", o.Description);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private sealed partial class DraftReader
    {
        private Observable ReadObservable(JsonElement e, string p)
        {
            CheckKnown(e, p, "name", "formula", "unit", "noise", "description");
            NoiseModel? noise = null;
            if (e.TryGetProperty("noise", out var n))
            {
                noise = ReadNoise(n, p + ".noise");
            }

            return new Observable(String(e, p, "name", true) ?? string.Empty, String(e, p, "formula", true) ?? "0", String(e, p, "unit", false) ?? string.Empty, noise, String(e, p, "description", false));
        }

        private NoiseModel? ReadNoise(JsonElement n, string p)
        {
            if (n.ValueKind != JsonValueKind.Object)
            {
                Err(p, $"a noise model must be an object such as {{\"distribution\": \"normal\", \"sd\": 0.05}}, not {Describe(n.ValueKind)}");
                return null;
            }

            CheckKnown(n, p, "distribution", "sd", "relative");
            var distribution = NoiseDistribution.Normal;
            switch (String(n, p, "distribution", required: false))
            {
                case null or "normal":
                    break;
                case "lognormal":
                    distribution = NoiseDistribution.LogNormal;
                    break;
                case var other:
                    Err(p + ".distribution", $"unknown noise distribution '{other}' (normal, lognormal)");
                    break;
            }

            double absolute = 0;
            string? formula = null;
            if (n.TryGetProperty("sd", out var sd))
            {
                if (sd.ValueKind == JsonValueKind.Number)
                {
                    absolute = sd.GetDouble();
                }
                else if (sd.ValueKind == JsonValueKind.String)
                {
                    formula = sd.GetString();
                }
                else
                {
                    Err(p + ".sd", $"'sd' must be a number or a formula, not {Describe(sd.ValueKind)}");
                }
            }

            return new NoiseModel(distribution, absolute, Number(n, p, "relative", required: false) ?? 0, formula);
        }
    }
}
