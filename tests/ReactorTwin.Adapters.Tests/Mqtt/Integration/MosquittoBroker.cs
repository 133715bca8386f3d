using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ReactorTwin.Adapters.Tests.Mqtt.Integration;

/// <summary>A real mosquitto broker in the foreground on 127.0.0.1 with a claimed free port (see FreePort) and a generated config.
/// Stopped by its process id (SIGTERM, so a persistent broker saves its database).</summary>
internal sealed class MosquittoBroker : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private Process? _process;

    private MosquittoBroker(string directory, int port, string config)
    {
        Directory = directory;
        Port = port;
        ConfigPath = Path.Combine(directory, "mosquitto.conf");
        File.WriteAllText(ConfigPath, config);
    }

    public string Directory { get; }

    public int Port { get; }

    public string ConfigPath { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static string Executable =>
        new[] { "/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("mosquitto is not installed (apt-get install -y mosquitto mosquitto-clients).");

    public static string NewDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "rt-mosquitto-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(dir);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(dir, (UnixFileMode)0x1FF); // 0777: mosquitto may drop to its own user
        }
        return dir;
    }

    // Ports for test brokers come from below the kernel's ephemeral range (32768–60999 on Linux), so no outgoing
    // connection can take one between the check and the broker's bind (or while a restarted broker is down), and each is
    // claimed with an exclusive lock file that the claiming test process holds until it exits, so two test assemblies
    // running at once (dotnet test runs them in parallel) never pick the same one. Asking the kernel for port 0 and
    // releasing it had both races.
    private const int FirstPort = 20000, PortCount = 12000;
    private static readonly string ClaimDirectory = Path.Combine(Path.GetTempPath(), "reactortwin-test-ports");
    private static readonly System.Collections.Concurrent.ConcurrentBag<FileStream> Claims = [];
    private static int s_cursor = Environment.ProcessId * 127 % PortCount;

    public static int FreePort()
    {
        System.IO.Directory.CreateDirectory(ClaimDirectory);
        for (int attempt = 0; attempt < PortCount; attempt++)
        {
            int port = FirstPort + (int)((uint)Interlocked.Increment(ref s_cursor) % PortCount);
            FileStream claim;
            try
            {
                claim = new FileStream(Path.Combine(ClaimDirectory, port.ToString(System.Globalization.CultureInfo.InvariantCulture)), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                continue; // held by another test process
            }

            try
            {
                using var probe = new TcpListener(IPAddress.Loopback, port);
                probe.Start();
            }
            catch (SocketException)
            {
                claim.Dispose(); // in use by something else on this machine
                continue;
            }

            Claims.Add(claim);
            return port;
        }

        throw new InvalidOperationException($"no free port in {FirstPort}–{FirstPort + PortCount - 1} for a test broker");
    }

    /// <summary>Starts a broker. <paramref name="listenerLines"/> go under the listener line (TLS, auth, max_qos);
    /// <paramref name="globalLines"/> after the defaults (they override them, e.g. max_inflight_messages).</summary>
    /// <summary>Starts a broker with a given configuration file's text (it must listen on <paramref name="port"/>).</summary>
    public static async Task<MosquittoBroker> StartWithConfigAsync(string config, string directory, int port)
    {
        var broker = new MosquittoBroker(directory, port, config);
        await broker.StartProcessAsync();
        return broker;
    }

    public static async Task<MosquittoBroker> StartAsync(bool persistence = false, string listenerLines = "", string? directory = null, int? port = null, string globalLines = "")
    {
        var dir = directory ?? NewDirectory();
        var p = port ?? FreePort();
        var config = new StringBuilder()
            .AppendLine("user root")
            .AppendLine("per_listener_settings true")
            .AppendLine($"listener {p} 127.0.0.1")
            .AppendLine(listenerLines.Contains("password_file", StringComparison.Ordinal) ? "allow_anonymous false" : "allow_anonymous true")
            .AppendLine(listenerLines)
            .AppendLine("max_queued_messages 100000")
            .AppendLine("max_inflight_messages 100")
            .AppendLine("log_dest stdout")
            .AppendLine("log_type error")
            .AppendLine("log_type warning")
            .AppendLine("log_type notice")
            .AppendLine(globalLines);
        if (persistence)
        {
            config.AppendLine("persistence true")
                .AppendLine($"persistence_location {dir}/")
                .AppendLine("autosave_interval 1");
        }

        var broker = new MosquittoBroker(dir, p, config.ToString());
        await broker.StartProcessAsync();
        return broker;
    }

    public async Task StartProcessAsync()
    {
        var psi = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(ConfigPath);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("mosquitto did not start");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var started = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"mosquitto exited with {process.ExitCode}: {Output}");
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (started.Elapsed < TimeSpan.FromSeconds(15))
            {
                await Task.Delay(25);
            }
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>SIGKILL (kill -9: no chance to save anything beyond what it already wrote), then waits for exit.</summary>
    public async Task KillAsync()
    {
        if (_process is not { HasExited: false } p)
        {
            return;
        }

        p.Kill();
        await p.WaitForExitAsync();
        p.Dispose();
        _process = null;
    }

    /// <summary>SIGTERM (graceful: a persistent broker writes its database), then waits for exit.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } p)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill();
            await p.WaitForExitAsync();
        }

        p.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Runs a command-line tool and returns its exit code and standard output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToolAsync(string tool, TimeSpan timeout, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', args)} did not finish: {await stderr}");
        }

        return (p.ExitCode, await stdout + await stderr);
    }
}

/// <summary>TCP proxy between a client and the broker that can drop or black-hole connections.</summary>
internal sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _target;
    private readonly List<Socket> _sockets = [];
    private readonly CancellationTokenSource _cts = new();
    private volatile bool _blackhole;

    public TcpProxy(int targetPort)
    {
        _target = targetPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptLoopAsync();
    }

    public int Port { get; }

    /// <summary>Stops forwarding bytes in both directions but keeps the sockets open (a dead route).</summary>
    public void Blackhole() => _blackhole = true;

    /// <summary>Forwards bytes again (for connections made from now on).</summary>
    public void Restore() => _blackhole = false;

    /// <summary>Closes every proxied connection abruptly (RST).</summary>
    public void DropAll()
    {
        lock (_sockets)
        {
            foreach (var s in _sockets)
            {
                try
                {
                    s.LingerState = new LingerOption(true, 0);
                    s.Close();
                }
                catch (SocketException)
                {
                }
            }

            _sockets.Clear();
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_cts.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_cts.Token);
            }
            catch (Exception) when (_cts.IsCancellationRequested)
            {
                return;
            }

            var server = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await server.ConnectAsync(IPAddress.Loopback, _target);
            lock (_sockets)
            {
                _sockets.Add(client);
                _sockets.Add(server);
            }

            _ = PumpAsync(client, server);
            _ = PumpAsync(server, client);
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[8192];
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer, SocketFlags.None, _cts.Token);
                if (n == 0)
                {
                    if (!_blackhole)
                    {
                        to.Shutdown(SocketShutdown.Send);
                    }

                    return;
                }

                if (!_blackhole)
                {
                    await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _cts.Token);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    public ValueTask DisposeAsync()
    {
        _cts.Cancel();
        _listener.Stop();
        DropAll();
        _cts.Dispose();
        return ValueTask.CompletedTask;
    }
}
