using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using ReactorTwin.Adapters.Mqtt;

namespace ReactorTwin.Benchmarks;

/// <summary>
/// Issue 6: MQTT publish throughput and round-trip latency against a local mosquitto started by the benchmark,
/// side by side with mosquitto_pub publishing the same number of messages of the same size in the same run.
/// Throughput benchmarks report the time per message (OperationsPerInvoke = message count).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8)]
public class MqttBenchmarks
{
    private const int Messages = 100_000;
    private const int PayloadBytes = 64;
    private const string Topic = "bench/throughput";
    private readonly string _payloadText = new('x', PayloadBytes);
    private Process _broker = null!;
    private string _dir = null!;
    private int _port;
    private MqttClient _publisher = null!;
    private MqttClient _echo = null!;
    private MqttMessage _qos0 = null!;
    private MqttMessage _qos1 = null!;
    private MqttMessage _ping = null!;
    private TaskCompletionSource _pong = null!;
    private IDisposable _echoSubscription = null!;

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "rt-mqtt-bench-" + Environment.ProcessId);
        Directory.CreateDirectory(_dir);
        using (var l = new TcpListener(IPAddress.Loopback, 0))
        {
            l.Start();
            _port = ((IPEndPoint)l.LocalEndpoint).Port;
        }

        var conf = Path.Combine(_dir, "mosquitto.conf");
        File.WriteAllText(conf, $"user root\nlistener {_port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 1000000\nlog_dest none\n");
        var psi = new ProcessStartInfo("/usr/sbin/mosquitto", ["-c", conf]) { UseShellExecute = false, RedirectStandardOutput = true };
        _broker = Process.Start(psi)!;
        for (var i = 0; ; i++)
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, _port);
                break;
            }
            catch (SocketException) when (i < 200)
            {
                Task.Delay(25).Wait();
            }
        }

        var payload = System.Text.Encoding.ASCII.GetBytes(_payloadText);
        _qos0 = new MqttMessage(Topic, payload, MqttQualityOfService.AtMostOnce);
        _qos1 = new MqttMessage(Topic, payload, MqttQualityOfService.AtLeastOnce);
        _ping = new MqttMessage("bench/ping", payload, MqttQualityOfService.AtMostOnce);
        _publisher = new MqttClient(new MqttClientOptions { Host = "127.0.0.1", Port = _port, ClientId = "bench-pub" });
        _publisher.ConnectAsync().GetAwaiter().GetResult();
        _echo = new MqttClient(new MqttClientOptions { Host = "127.0.0.1", Port = _port, ClientId = "bench-echo" });
        _echo.ConnectAsync().GetAwaiter().GetResult();
        _echoSubscription = _echo.Messages.Subscribe(_ => _pong.TrySetResult());
        _echo.SubscribeAsync("bench/ping", MqttQualityOfService.AtMostOnce).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _echoSubscription.Dispose();
        _publisher.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _echo.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _broker.Kill();
        _broker.WaitForExit();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Our client: 100 000 QoS 0 publishes of 64 B, awaited one by one.</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public async Task PublishQos0()
    {
        for (var i = 0; i < Messages; i++)
        {
            await _publisher.PublishAsync(_qos0).ConfigureAwait(false);
        }
    }

    /// <summary>Our client: 100 000 QoS 1 publishes of 64 B, up to 64 awaiting PUBACK at a time.</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public async Task PublishQos1()
    {
        var window = new Task<MqttPublishResult>[64];
        for (var i = 0; i < Messages; i++)
        {
            var slot = i % window.Length;
            if (window[slot] is { } pending)
            {
                await pending.ConfigureAwait(false);
            }

            window[slot] = _publisher.PublishAsync(_qos1).AsTask();
        }

        await Task.WhenAll(window).ConfigureAwait(false);
    }

    /// <summary>mosquitto_pub: 100 000 QoS 0 publishes of 64 B (--repeat), including its process start and connect.</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public void MosquittoPubQos0() => RunMosquittoPub(0);

    /// <summary>mosquitto_pub: 100 000 QoS 1 publishes of 64 B (libmosquitto keeps up to 20 in flight).</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public void MosquittoPubQos1() => RunMosquittoPub(1);

    /// <summary>Round trip through the broker: publish QoS 0 and wait until our subscriber receives it.</summary>
    [Benchmark]
    public async Task RoundTripLatencyQos0()
    {
        _pong = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _publisher.PublishAsync(_ping).ConfigureAwait(false);
        await _pong.Task.ConfigureAwait(false);
    }

    /// <summary>Round trip of QoS 1: publish, PUBACK, and delivery to the subscriber.</summary>
    [Benchmark]
    public async Task RoundTripLatencyQos1()
    {
        _pong = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _publisher.PublishAsync(new MqttMessage("bench/ping", _qos1.Payload, MqttQualityOfService.AtLeastOnce)).ConfigureAwait(false);
        await _pong.Task.ConfigureAwait(false);
    }

    private void RunMosquittoPub(int qos)
    {
        var psi = new ProcessStartInfo("mosquitto_pub",
            ["-h", "127.0.0.1", "-p", _port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-t", Topic, "-q", qos.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "-m", _payloadText, "--repeat", Messages.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"mosquitto_pub exited with {p.ExitCode}");
        }
    }
}
