using System.Diagnostics;
using System.Globalization;

namespace ReactorTwin.Host.Tests.Runtime;

/// <summary><c>reactortwin run --config FILE</c> (or another reactortwin command) as a child process, with its output
/// captured.</summary>
internal sealed class HostProcess : IAsyncDisposable
{
    private readonly List<string> _log = [];
    private Process _process;
    private string[] _arguments = [];

    private HostProcess(Process process) => _process = process;

    /// <summary>Starts the host: <c>reactortwin run --config FILE</c>.</summary>
    public static HostProcess Start(string config) => StartCommand("run", "--config", config);

    /// <summary>Starts <c>reactortwin ARGUMENTS</c>.</summary>
    public static HostProcess StartCommand(params string[] arguments)
    {
        var host = new HostProcess(null!) { _arguments = arguments };
        host._process = host.Launch();
        return host;
    }

    private Process Launch()
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "reactortwin.dll"));
        foreach (var a in _arguments)
        {
            psi.ArgumentList.Add(a);
        }
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, e) => Append(e.Data);
        p.ErrorDataReceived += (_, e) => Append(e.Data);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    /// <summary>Starts the command again with the same arguments (after it exited).</summary>
    public void Restart()
    {
        _process.Dispose();
        _process = Launch();
    }

    /// <summary>Waits for the process to exit by itself.</summary>
    public Task WaitForExitAsync(TimeSpan bound) => _process.WaitForExitAsync().WaitAsync(bound);

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the host printed so far.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return string.Join('\n', _log);
            }
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.Add(line);
            }
        }
    }

    /// <summary>SIGKILL: no graceful shutdown, no last words (the broker publishes the will).</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGSTOP (<paramref name="stop"/> true) or SIGCONT: the process freezes, its connections stay open.</summary>
    public async Task SignalAsync(bool stop)
    {
        using var signal = Process.Start("kill", [stop ? "-STOP" : "-CONT", _process.Id.ToString(CultureInfo.InvariantCulture)]);
        await signal.WaitForExitAsync();
    }

    /// <summary>SIGTERM, then waits for the exit; returns how long the exit took.</summary>
    public async Task<TimeSpan> TerminateAsync(TimeSpan bound)
    {
        var sw = Stopwatch.StartNew();
        using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        await _process.WaitForExitAsync().WaitAsync(bound);
        return sw.Elapsed;
    }

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
