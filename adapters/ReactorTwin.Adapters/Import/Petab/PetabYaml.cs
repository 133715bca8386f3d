namespace ReactorTwin.Adapters.Import.Petab;

/// <summary>
/// Reads the YAML subset of PEtab problem and solution files: top-level <c>key: value</c> pairs and lists of file
/// names, under the top level or under the single item of <c>problems:</c>. Values are strings; keys keep their order.
/// </summary>
internal static class PetabYaml
{
    public static Dictionary<string, List<string>> Read(string path)
    {
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        string? listKey = null;
        int problems = 0;
        foreach (var raw in File.ReadAllLines(path))
        {
            string line = StripComment(raw);
            if (line.Trim().Length == 0)
            {
                continue;
            }

            string t = line.Trim();
            if (t.StartsWith("- ", StringComparison.Ordinal) || t == "-")
            {
                string item = t.Length > 1 ? t[2..].Trim() : string.Empty;
                if (listKey == "problems")
                {
                    problems++;
                    if (problems > 1)
                    {
                        throw new PetabException($"{path}: a problem file with more than one entry under 'problems' is not supported");
                    }

                    listKey = null;
                    if (item.Length == 0)
                    {
                        continue;
                    }

                    t = item;
                }
                else if (listKey is not null)
                {
                    result[listKey].Add(Unquote(item));
                    continue;
                }
                else
                {
                    throw new PetabException($"{path}: a list item '{t}' outside a key");
                }
            }

            int colon = t.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new PetabException($"{path}: cannot read the line '{raw.Trim()}'");
            }

            string key = t[..colon].Trim();
            string value = t[(colon + 1)..].Trim();
            result[key] = [];
            if (value.Length == 0)
            {
                listKey = key;
            }
            else if (value.StartsWith('[') && value.EndsWith(']'))
            {
                result[key].AddRange(value[1..^1].Split(',').Select(v => Unquote(v.Trim())).Where(v => v.Length > 0));
                listKey = null;
            }
            else
            {
                result[key].Add(Unquote(value));
                listKey = null;
            }
        }

        return result;
    }

    private static string StripComment(string line)
    {
        int hash = line.IndexOf(" #", StringComparison.Ordinal);
        return line.TrimStart().StartsWith('#') ? string.Empty : hash >= 0 ? line[..hash] : line;
    }

    private static string Unquote(string v) =>
        v.Length >= 2 && (v[0] == '"' || v[0] == '\'') && v[^1] == v[0] ? v[1..^1] : v;
}
