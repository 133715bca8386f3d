using System.Diagnostics;

namespace ReactorTwin.Host.Tests.Dashboard;

/// <summary><c>reactortwin demo --serve 127.0.0.1:0 --pace stdin</c> as a child process: the test writes the hours to
/// advance on its standard input and reads <c>clock: H h</c> back.</summary>
internal sealed class DemoProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _out = [];

    private DemoProcess(Process process) => _process = process;

    public static DemoProcess Start(string outDir, string password, int batches)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { Path.Combine(AppContext.BaseDirectory, "reactortwin.dll"), "demo", "--batches", batches.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", outDir, "--serve", "127.0.0.1:0", "--pace", "stdin", "--password", password })
        {
            psi.ArgumentList.Add(a);
        }

        var demo = new DemoProcess(Process.Start(psi)!);
        demo._process.OutputDataReceived += (_, e) => demo.Append(e.Data);
        demo._process.ErrorDataReceived += (_, e) => demo.Append(e.Data is null ? null : "stderr: " + e.Data);
        demo._process.BeginOutputReadLine();
        demo._process.BeginErrorReadLine();
        return demo;
    }

    public string Output
    {
        get
        {
            lock (_out)
            {
                return string.Join('\n', _out);
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_out)
            {
                _out.Add(line);
            }
        }
    }

    /// <summary>The first line that starts with <paramref name="prefix"/>, or null.</summary>
    public string? Line(string prefix)
    {
        lock (_out)
        {
            return _out.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        }
    }

    /// <summary>Advances the demo's clock by <paramref name="hours"/>.</summary>
    public async Task AdvanceAsync(double hours)
    {
        await _process.StandardInput.WriteLineAsync(hours.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Ends the input: the demo runs to its end and exits.</summary>
    public void CloseInput() => _process.StandardInput.Close();

    public Task WaitForExitAsync(TimeSpan bound) => _process.WaitForExitAsync().WaitAsync(bound);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
