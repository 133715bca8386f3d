using System.Globalization;
using ReactorTwin.Host.Cli;

namespace ReactorTwin.Host.Tests;

/// <summary>Runs the CLI in-process with captured output, and owns a temporary folder per test class.</summary>
public abstract class CliHarness : IDisposable
{
    protected string Dir { get; } = Directory.CreateTempSubdirectory("reactortwin-cli-").FullName;

    public void Dispose()
    {
        Directory.Delete(Dir, recursive: true);
        GC.SuppressFinalize(this);
    }

    protected static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter(CultureInfo.InvariantCulture);
        var e = new StringWriter(CultureInfo.InvariantCulture);
        int code = CommandLineApp.Run(args, o, e, TimeProvider.System);
        return (code, o.ToString(), e.ToString());
    }
}
