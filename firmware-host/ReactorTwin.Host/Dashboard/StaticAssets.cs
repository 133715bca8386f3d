using System.Security.Cryptography;

namespace ReactorTwin.Host.Dashboard;

/// <summary>One file of the page.</summary>
/// <param name="Name">File name (as in <c>Dashboard/wwwroot</c>).</param>
/// <param name="ContentType">Its media type.</param>
/// <param name="Content">Its bytes.</param>
/// <param name="ETag">A strong validator of its content.</param>
internal sealed record StaticAsset(string Name, string ContentType, byte[] Content, string ETag);

/// <summary>The page's files — HTML, CSS, JavaScript, icon — embedded in the executable from
/// <c>Dashboard/wwwroot</c>: nothing is fetched from anywhere else, so the page works on a box with no internet.</summary>
internal static class StaticAssets
{
    private const string Prefix = "dashboard/";

    private static readonly Lazy<IReadOnlyDictionary<string, StaticAsset>> All = new(Load);

    /// <summary>Every file by name.</summary>
    public static IReadOnlyDictionary<string, StaticAsset> Files => All.Value;

    /// <summary>The file, or null.</summary>
    public static StaticAsset? Find(string name) => Files.GetValueOrDefault(name);

    private static Dictionary<string, StaticAsset> Load()
    {
        var assembly = typeof(StaticAssets).Assembly;
        var files = new Dictionary<string, StaticAsset>(StringComparer.Ordinal);
        foreach (string resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            byte[] content = copy.ToArray();
            string name = resource[Prefix.Length..];
            files[name] = new StaticAsset(name, ContentType(name), content, $"\"{Convert.ToHexString(SHA256.HashData(content))[..16]}\"");
        }

        return files;
    }

    private static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".webmanifest" => "application/manifest+json",
        _ => "application/octet-stream",
    };
}
