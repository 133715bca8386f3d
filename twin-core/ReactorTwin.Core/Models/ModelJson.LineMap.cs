using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ReactorTwin.Core.Models;

/// <summary>Line numbers of JSON paths, for the errors of <see cref="ModelJson.Parse"/>.</summary>
public static partial class ModelJson
{
    /// <summary>Maps JSON paths to 1-based line numbers by one pass of a <see cref="Utf8JsonReader"/>.</summary>
    private sealed class LineMap
    {
        private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);

        public LineMap(string json)
        {
            var bytes = Encoding.UTF8.GetBytes(json);
            var lineStarts = new List<long> { 0 };
            for (int i = 0; i < bytes.Length; i++)
            {
                if (bytes[i] == (byte)'\n')
                {
                    lineStarts.Add(i + 1);
                }
            }

            int Line(long offset)
            {
                int idx = lineStarts.BinarySearch(offset);
                return (idx >= 0 ? idx : ~idx - 1) + 1;
            }

            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var stack = new List<(string Path, bool IsArray, int Index)>();
            string? pendingProperty = null;
            while (reader.Read())
            {
                string parent = stack.Count == 0 ? "$" : stack[^1].Path;
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        pendingProperty = parent + "." + reader.GetString();
                        _lines.TryAdd(pendingProperty, Line(reader.TokenStartIndex));
                        continue;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        stack.RemoveAt(stack.Count - 1);
                        continue;
                }

                string here;
                if (pendingProperty is not null)
                {
                    here = pendingProperty;
                    pendingProperty = null;
                }
                else if (stack.Count > 0 && stack[^1].IsArray)
                {
                    var top = stack[^1];
                    here = $"{top.Path}[{top.Index}]";
                    stack[^1] = (top.Path, true, top.Index + 1);
                    _lines.TryAdd(here, Line(reader.TokenStartIndex));
                }
                else
                {
                    here = "$";
                    _lines.TryAdd(here, Line(reader.TokenStartIndex));
                }

                if (reader.TokenType is JsonTokenType.StartObject)
                {
                    stack.Add((here, false, 0));
                }
                else if (reader.TokenType is JsonTokenType.StartArray)
                {
                    stack.Add((here, true, 0));
                }
            }
        }

        /// <summary>Line of the path, or of its nearest ancestor present in the file.</summary>
        public int LineOf(string path)
        {
            string p = path;
            while (true)
            {
                if (_lines.TryGetValue(p, out int line))
                {
                    return line;
                }

                int cut = Math.Max(p.LastIndexOf('.'), p.LastIndexOf('['));
                if (cut <= 0)
                {
                    return 0;
                }

                p = p[..cut];
            }
        }
    }
}
