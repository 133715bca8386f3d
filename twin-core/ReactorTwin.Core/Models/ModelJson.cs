using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ReactorTwin.Core.Models;

/// <summary>
/// Reads and writes the ReactorTwin model file format (schema: docs/model-format.md). Reading reports every
/// problem at once as a <see cref="ModelDefinitionException"/> whose errors name the source, the JSON path and
/// the line; it never throws anything else for bad content.
/// </summary>
public static partial class ModelJson
{
    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>Parses a model from JSON text.</summary>
    /// <param name="json">The file content.</param>
    /// <param name="source">Name of the source used in errors (a file path or a built-in name).</param>
    /// <exception cref="ModelDefinitionException">The text is not valid JSON or not a valid model.</exception>
    public static ReactionNetwork Parse(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(source);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException ex)
        {
            string msg = ex.Message;
            int cut = msg.IndexOf(" Path:", StringComparison.Ordinal);
            msg = cut > 0 ? msg[..cut] : msg;
            throw new ModelDefinitionException([new ModelError(source, ex.Path ?? "$", "invalid JSON: " + msg, (int)(ex.LineNumber ?? -1) + 1)]);
        }

        using (doc)
        {
            var lines = new LineMap(json);
            var reader = new DraftReader(source, lines.LineOf);
            var draft = reader.Read(doc.RootElement);
            try
            {
                var model = ModelValidator.Build(draft, source, lines.LineOf);
                if (reader.Errors.Count > 0)
                {
                    throw new ModelDefinitionException(reader.Errors);
                }

                return model;
            }
            catch (ModelDefinitionException ex) when (reader.Errors.Count > 0 && !ReferenceEquals(ex.Errors, reader.Errors))
            {
                // Structural problems first; validation findings at or below a path already reported are echoes.
                var merged = new List<ModelError>(reader.Errors);
                merged.AddRange(ex.Errors.Where(e => !reader.Errors.Any(s => e.Path == s.Path || e.Path.StartsWith(s.Path + ".", StringComparison.Ordinal) || e.Path.StartsWith(s.Path + "[", StringComparison.Ordinal))));
                throw new ModelDefinitionException(merged);
            }
        }
    }

    /// <summary>Writes a model as indented JSON that <see cref="Parse"/> reads back to an equivalent model.</summary>
    public static string Write(ReactionNetwork model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("name", model.Name);
            if (model.Description is not null)
            {
                w.WriteString("description", model.Description);
            }

            w.WriteString("timeUnit", "h");
            w.WriteNumber("systemSize", model.SystemSize);
            w.WriteStartArray("species");
            foreach (var s in model.Species)
            {
                w.WriteStartObject();
                w.WriteString("name", s.Name);
                w.WriteString("unit", s.Unit);
                WriteInitial(w, s.Initial, s.InitialParameter);
                WriteOptional(w, "description", s.Description);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("cellPhases");
            foreach (var p in model.CellPhases)
            {
                w.WriteStartObject();
                w.WriteString("name", p.Name);
                w.WriteString("unit", p.Unit);
                WriteInitial(w, p.Initial, p.InitialParameter);
                WriteOptional(w, "description", p.Description);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("parameters");
            foreach (var p in model.Parameters)
            {
                w.WriteStartObject();
                w.WriteString("name", p.Name);
                w.WriteNumber("value", p.Value);
                w.WriteNumber("lower", p.Lower);
                w.WriteNumber("upper", p.Upper);
                w.WriteBoolean("logScale", p.LogScale);
                w.WriteBoolean("estimate", p.Estimate);
                if (p.PerBatch)
                {
                    w.WriteBoolean("perBatch", true);
                }

                w.WriteString("unit", p.Unit);
                WriteOptional(w, "description", p.Description);
                if (p.Prior is { } prior)
                {
                    WritePrior(w, prior);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            if (model.Inputs.Count > 0)
            {
                w.WriteStartArray("inputs");
                foreach (var u in model.Inputs)
                {
                    w.WriteStartObject();
                    w.WriteString("name", u.Name);
                    w.WriteString("unit", u.Unit);
                    w.WriteNumber("value", u.Value);
                    w.WriteString("interpolation", u.Interpolation == InputInterpolation.Linear ? "linear" : "constant");
                    WriteOptional(w, "description", u.Description);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            w.WriteStartArray("reactions");
            foreach (var r in model.Reactions)
            {
                w.WriteStartObject();
                w.WriteString("name", r.Name);
                w.WriteStartObject("stoichiometry");
                foreach (var (k, v) in r.Stoichiometry)
                {
                    w.WriteNumber(k, v);
                }

                foreach (var (k, v) in r.StoichiometryFormulas ?? new Dictionary<string, string>())
                {
                    w.WriteString(k, v);
                }

                w.WriteEndObject();
                if (r.Rate is not null)
                {
                    w.WriteString("rate", r.Rate);
                }
                else
                {
                    w.WriteStartObject("perPhaseRates");
                    foreach (var (k, v) in r.PerPhaseRates!)
                    {
                        w.WriteString(k, v);
                    }

                    w.WriteEndObject();
                }

                if (r.Reversible is bool reversible)
                {
                    w.WriteBoolean("reversible", reversible);
                }

                if (r.Deterministic)
                {
                    w.WriteBoolean("deterministic", true);
                }

                WriteOptional(w, "description", r.Description);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("transitions");
            foreach (var t in model.Transitions)
            {
                w.WriteStartObject();
                w.WriteString("from", t.From);
                w.WriteString("to", t.To);
                w.WriteString("rate", t.Rate);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            WriteEvents(w, model.Events);
            WriteObservables(w, model.Observables);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static void WriteEvents(Utf8JsonWriter w, IReadOnlyList<ModelEvent> events)
    {
        if (events.Count == 0)
        {
            return;
        }

        w.WriteStartArray("events");
        foreach (var e in events)
        {
            w.WriteStartObject();
            w.WriteString("name", e.Name);
            if (e.Times is not null)
            {
                w.WriteStartArray("at");
                foreach (double t in e.Times)
                {
                    w.WriteNumberValue(t);
                }

                w.WriteEndArray();
            }

            WriteOptional(w, "trigger", e.Trigger);
            w.WriteStartObject("assign");
            foreach (var (k, v) in e.Assignments)
            {
                w.WriteString(k, v);
            }

            w.WriteEndObject();
            WriteOptional(w, "description", e.Description);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WritePrior(Utf8JsonWriter w, PriorSpec prior)
    {
        w.WriteStartObject("prior");
        switch (prior.Kind)
        {
            case PriorKind.Uniform:
                w.WriteString("kind", "uniform");
                break;
            case PriorKind.LogNormal:
                w.WriteString("kind", "lognormal");
                w.WriteNumber("median", prior.Center);
                w.WriteNumber("sdLog", prior.Scale);
                break;
            default:
                w.WriteString("kind", "normal");
                w.WriteNumber("mean", prior.Center);
                w.WriteNumber("sd", prior.Scale);
                break;
        }

        w.WriteEndObject();
    }

    private static void WriteInitial(Utf8JsonWriter w, double initial, string? parameter)
    {
        if (parameter is null)
        {
            w.WriteNumber("initial", initial);
        }
        else
        {
            w.WriteString("initial", parameter);
        }
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }
}
