using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace ReactorTwin.Runtime.Tests;

/// <summary>The project files keep the references flowing one way: Core ← Adapters ← Runtime ← Host; the simulator sees
/// the runtime's wire contract only; nothing but tests references the host.</summary>
public sealed partial class ArchitectureTests
{
    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ReactorTwin.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("ReactorTwin.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Every project (by assembly name) with the projects it references.</summary>
    private static Dictionary<string, string[]> References()
    {
        string root = RepositoryRoot();
        var projects = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(root, "*.csproj", SearchOption.AllDirectories).Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            var refs = XDocument.Load(file).Descendants("ProjectReference")
                .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')))
                .ToArray();
            projects[Path.GetFileNameWithoutExtension(file)] = refs;
        }

        return projects;
    }

    [Fact]
    public void ProjectReferences_FlowFromCoreToHostAndNothingButTestsReferencesTheHost()
    {
        var projects = References();
        Assert.Empty(projects["ReactorTwin.Core"]);
        Assert.Equal(["ReactorTwin.Core"], projects["ReactorTwin.Adapters"]);
        Assert.Equal(["ReactorTwin.Adapters", "ReactorTwin.Core"], projects["ReactorTwin.Runtime"].Order());
        Assert.Equal(["ReactorTwin.Adapters", "ReactorTwin.Core", "ReactorTwin.Runtime"], projects["ReactorTwin.Simulator"].Order());
        foreach (var (project, refs) in projects.Where(p => !p.Key.EndsWith(".Tests", StringComparison.Ordinal)))
        {
            Assert.DoesNotContain("ReactorTwin.Host", refs);
        }

        // Nothing below the host references a test project or the benchmarks.
        Assert.All(projects.Where(p => !p.Key.EndsWith(".Tests", StringComparison.Ordinal)), p => Assert.DoesNotContain(p.Value, r => r.EndsWith(".Tests", StringComparison.Ordinal) || r.EndsWith(".Benchmarks", StringComparison.Ordinal)));
    }

    [Fact]
    public void Simulator_UsesOnlyTheRuntimesContracts()
    {
        string dir = Path.Combine(RepositoryRoot(), "simulator");
        var offending = new List<string>();
        foreach (var file in Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories).Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            foreach (Match m in RuntimeNamespace().Matches(File.ReadAllText(file)))
            {
                if (m.Groups[1].Value != "Contracts")
                {
                    offending.Add($"{Path.GetRelativePath(dir, file)}: ReactorTwin.Runtime.{m.Groups[1].Value}");
                }
            }
        }

        Assert.Empty(offending);
    }

    [GeneratedRegex(@"ReactorTwin\.Runtime\.(\w+)")]
    private static partial Regex RuntimeNamespace();
}
