using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ReactorTwin.Core.Models;

/// <summary>Reading a model file into a draft: every structural problem recorded with its JSON path.</summary>
public static partial class ModelJson
{
    /// <summary>Turns a JSON document into a <see cref="ModelDraft"/>, recording structural problems.</summary>
    private sealed partial class DraftReader(string source, Func<string, int> lineOf)
    {
        public List<ModelError> Errors { get; } = [];

        private void Err(string path, string message) => Errors.Add(new ModelError(source, path, message, lineOf(path)));

        public ModelDraft Read(JsonElement root)
        {
            if (root.ValueKind != JsonValueKind.Object)
            {
                Err("$", $"a model file must hold one JSON object, not {Describe(root.ValueKind)}");
                return new ModelDraft(string.Empty, null, 1, [], [], [], [], []);
            }

            CheckKnown(root, "$", "$schema", "name", "description", "timeUnit", "systemSize", "species", "cellPhases", "parameters", "inputs", "reactions", "transitions", "events", "observables");
            string name = String(root, "$", "name", required: true) ?? string.Empty;
            string? description = String(root, "$", "description", required: false);
            string? timeUnit = String(root, "$", "timeUnit", required: false);
            if (timeUnit is not null && timeUnit != "h")
            {
                Err("$.timeUnit", $"time is in hours throughout ReactorTwin; timeUnit must be \"h\", not \"{timeUnit}\"");
            }

            double omega = Number(root, "$", "systemSize", required: false) ?? 1.0;
            var species = Array(root, "$", "species", required: true, (e, p) =>
            {
                CheckKnown(e, p, "name", "unit", "initial", "description");
                var (initial, initialParameter) = Initial(e, p);
                return new Species(String(e, p, "name", true) ?? string.Empty, String(e, p, "unit", false) ?? string.Empty, initial, String(e, p, "description", false)) { InitialParameter = initialParameter };
            });
            var phases = Array(root, "$", "cellPhases", required: false, (e, p) =>
            {
                CheckKnown(e, p, "name", "unit", "initial", "description");
                var (initial, initialParameter) = Initial(e, p);
                return new CellPhase(String(e, p, "name", true) ?? string.Empty, String(e, p, "unit", false) ?? string.Empty, initial, String(e, p, "description", false)) { InitialParameter = initialParameter };
            });
            var parameters = Array(root, "$", "parameters", required: false, (e, p) =>
            {
                CheckKnown(e, p, "name", "value", "lower", "upper", "logScale", "estimate", "perBatch", "unit", "description", "prior");
                double value = Number(e, p, "value", true) ?? double.NaN;
                double lower = Number(e, p, "lower", true) ?? double.NaN;
                double upper = Number(e, p, "upper", true) ?? double.NaN;
                bool logScale = Bool(e, p, "logScale") ?? lower > 0;
                var prior = e.TryGetProperty("prior", out var pe) ? Prior(pe, $"{p}.prior") : null;
                return new Parameter(String(e, p, "name", true) ?? string.Empty, value, lower, upper, logScale, Bool(e, p, "estimate") ?? true, String(e, p, "unit", false) ?? string.Empty, String(e, p, "description", false), prior) { PerBatch = Bool(e, p, "perBatch") ?? false };
            });
            var inputs = Array(root, "$", "inputs", required: false, (e, p) =>
            {
                CheckKnown(e, p, "name", "unit", "value", "interpolation", "description");
                string? interpolation = String(e, p, "interpolation", false);
                var kind = InputInterpolation.Constant;
                if (interpolation == "linear")
                {
                    kind = InputInterpolation.Linear;
                }
                else if (interpolation is not null && interpolation != "constant")
                {
                    Err($"{p}.interpolation", $"unknown interpolation '{interpolation}' (constant: each value holds until the next; linear: straight lines between the points)");
                }

                return new ModelInput(String(e, p, "name", true) ?? string.Empty, String(e, p, "unit", false) ?? string.Empty, Number(e, p, "value", false) ?? 0.0, kind, String(e, p, "description", false));
            });
            var reactions = Array(root, "$", "reactions", required: true, (e, p) =>
            {
                CheckKnown(e, p, "name", "stoichiometry", "rate", "perPhaseRates", "reversible", "deterministic", "description");
                var formulas = new Dictionary<string, string>(StringComparer.Ordinal);
                var stoich = Map(e, p, "stoichiometry", required: true, (v, vp) =>
                {
                    if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double d))
                    {
                        return d;
                    }

                    if (v.ValueKind == JsonValueKind.String)
                    {
                        formulas[vp[(vp.LastIndexOf('.') + 1)..]] = v.GetString()!;
                        return double.NaN;
                    }

                    Err(vp, $"a stoichiometric coefficient must be a number or a formula of parameters (\"-1/Yxs\"), not {Describe(v.ValueKind)}");
                    return double.NaN;
                });
                stoich = stoich?.Where(kv => !formulas.ContainsKey(kv.Key)).ToDictionary(StringComparer.Ordinal);
                var perPhase = Map(e, p, "perPhaseRates", required: false, (v, vp) =>
                {
                    if (v.ValueKind == JsonValueKind.String)
                    {
                        return v.GetString()!;
                    }

                    Err(vp, $"a per-phase rate must be a formula string, not {Describe(v.ValueKind)}");
                    return "0";
                });
                string? rate = String(e, p, "rate", required: false);
                return new Reaction(String(e, p, "name", true) ?? string.Empty, stoich ?? new Dictionary<string, double>(), rate, perPhase, String(e, p, "description", false), formulas.Count > 0 ? formulas : null)
                {
                    Reversible = Bool(e, p, "reversible"),
                    Deterministic = Bool(e, p, "deterministic") ?? false,
                };
            });
            var transitions = Array(root, "$", "transitions", required: false, (e, p) =>
            {
                CheckKnown(e, p, "from", "to", "rate");
                return new PhaseTransition(String(e, p, "from", true) ?? string.Empty, String(e, p, "to", true) ?? string.Empty, String(e, p, "rate", true) ?? "0");
            });
            var events = Array(root, "$", "events", required: false, (e, p) =>
            {
                CheckKnown(e, p, "name", "at", "trigger", "assign", "description");
                List<double>? times = null;
                if (e.TryGetProperty("at", out var at))
                {
                    times = [];
                    if (at.ValueKind == JsonValueKind.Number)
                    {
                        times.Add(at.GetDouble());
                    }
                    else if (at.ValueKind == JsonValueKind.Array && at.EnumerateArray().All(x => x.ValueKind == JsonValueKind.Number))
                    {
                        times.AddRange(at.EnumerateArray().Select(x => x.GetDouble()));
                    }
                    else
                    {
                        Err($"{p}.at", $"'at' must be a time in hours or an array of them, not {Describe(at.ValueKind)}");
                    }
                }

                var assign = Map(e, p, "assign", required: true, (v, vp) =>
                {
                    if (v.ValueKind == JsonValueKind.String)
                    {
                        return v.GetString()!;
                    }

                    if (v.ValueKind == JsonValueKind.Number)
                    {
                        return v.GetDouble().ToString("R", CultureInfo.InvariantCulture);
                    }

                    Err(vp, $"an assignment must be a formula or a number, not {Describe(v.ValueKind)}");
                    return "0";
                });
                return new ModelEvent(String(e, p, "name", true) ?? string.Empty, times, String(e, p, "trigger", false), assign ?? new Dictionary<string, string>(), String(e, p, "description", false));
            });
            var observables = Array(root, "$", "observables", required: false, ReadObservable);
            return new ModelDraft(name, description, omega, species, phases, parameters, reactions, transitions) { Inputs = inputs, Events = events, Observables = observables };
        }

        private void CheckKnown(JsonElement obj, string path, params string[] known)
        {
            foreach (var prop in obj.EnumerateObject())
            {
                if (System.Array.IndexOf(known, prop.Name) < 0)
                {
                    Err($"{path}.{prop.Name}", $"unknown property '{prop.Name}' (expected one of: {string.Join(", ", known)})");
                }
            }
        }

        private PriorSpec? Prior(JsonElement e, string path)
        {
            if (e.ValueKind != JsonValueKind.Object)
            {
                Err(path, $"a prior must be an object such as {{\"kind\": \"lognormal\", \"median\": 1, \"sdLog\": 0.5}}, not {Describe(e.ValueKind)}");
                return null;
            }

            string? kind = String(e, path, "kind", required: true);
            switch (kind)
            {
                case "uniform":
                    CheckKnown(e, path, "kind");
                    return PriorSpec.Uniform;
                case "lognormal":
                    CheckKnown(e, path, "kind", "median", "sdLog");
                    return PriorSpec.LogNormal(Number(e, path, "median", true) ?? double.NaN, Number(e, path, "sdLog", true) ?? double.NaN);
                case "normal":
                    CheckKnown(e, path, "kind", "mean", "sd");
                    return PriorSpec.Normal(Number(e, path, "mean", true) ?? double.NaN, Number(e, path, "sd", true) ?? double.NaN);
                case null:
                    return null;
                default:
                    Err($"{path}.kind", $"unknown prior kind '{kind}' (uniform, lognormal, normal)");
                    return null;
            }
        }

        private string? String(JsonElement obj, string path, string name, bool required)
        {
            if (!obj.TryGetProperty(name, out var v))
            {
                if (required)
                {
                    Err($"{path}.{name}", $"the required property '{name}' is missing");
                }

                return null;
            }

            if (v.ValueKind != JsonValueKind.String)
            {
                Err($"{path}.{name}", $"'{name}' must be a string, not {Describe(v.ValueKind)}");
                return null;
            }

            return v.GetString();
        }

        private double? Number(JsonElement obj, string path, string name, bool required)
        {
            if (!obj.TryGetProperty(name, out var v))
            {
                if (required)
                {
                    Err($"{path}.{name}", $"the required property '{name}' is missing");
                }

                return null;
            }

            if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out double d))
            {
                Err($"{path}.{name}", $"'{name}' must be a number, not {Describe(v.ValueKind)}");
                return null;
            }

            return d;
        }

        /// <summary>A state's <c>initial</c>: a number, or a string naming the parameter that holds it (estimable).</summary>
        private (double Value, string? Parameter) Initial(JsonElement obj, string path)
        {
            if (obj.TryGetProperty("initial", out var v) && v.ValueKind == JsonValueKind.String)
            {
                return (0, v.GetString());
            }

            if (obj.TryGetProperty("initial", out v) && v.ValueKind != JsonValueKind.Number)
            {
                Err($"{path}.initial", $"'initial' must be a number or the name of a parameter (to estimate it), not {Describe(v.ValueKind)}");
                return (0, null);
            }

            return (Number(obj, path, "initial", true) ?? 0, null);
        }

        private bool? Bool(JsonElement obj, string path, string name)
        {
            if (!obj.TryGetProperty(name, out var v))
            {
                return null;
            }

            if (v.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                Err($"{path}.{name}", $"'{name}' must be true or false, not {Describe(v.ValueKind)}");
                return null;
            }

            return v.GetBoolean();
        }

        private List<T> Array<T>(JsonElement obj, string path, string name, bool required, Func<JsonElement, string, T> item)
        {
            var list = new List<T>();
            if (!obj.TryGetProperty(name, out var v))
            {
                if (required)
                {
                    Err($"{path}.{name}", $"the required property '{name}' is missing");
                }

                return list;
            }

            if (v.ValueKind != JsonValueKind.Array)
            {
                Err($"{path}.{name}", $"'{name}' must be an array, not {Describe(v.ValueKind)}");
                return list;
            }

            int i = 0;
            foreach (var e in v.EnumerateArray())
            {
                string p = $"{path}.{name}[{i++}]";
                if (e.ValueKind != JsonValueKind.Object)
                {
                    Err(p, $"each entry of '{name}' must be an object, not {Describe(e.ValueKind)}");
                    continue;
                }

                list.Add(item(e, p));
            }

            return list;
        }

        private Dictionary<string, T>? Map<T>(JsonElement obj, string path, string name, bool required, Func<JsonElement, string, T> value)
        {
            if (!obj.TryGetProperty(name, out var v))
            {
                if (required)
                {
                    Err($"{path}.{name}", $"the required property '{name}' is missing");
                }

                return null;
            }

            if (v.ValueKind != JsonValueKind.Object)
            {
                Err($"{path}.{name}", $"'{name}' must be an object, not {Describe(v.ValueKind)}");
                return null;
            }

            var map = new Dictionary<string, T>(StringComparer.Ordinal);
            foreach (var prop in v.EnumerateObject())
            {
                string p = $"{path}.{name}.{prop.Name}";
                if (!map.TryAdd(prop.Name, value(prop.Value, p)))
                {
                    Err(p, $"'{prop.Name}' appears twice in '{name}'");
                }
            }

            return map;
        }

        private static string Describe(JsonValueKind kind) => kind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            JsonValueKind.Null => "null",
            _ => kind.ToString().ToLower(CultureInfo.InvariantCulture),
        };
    }
}
