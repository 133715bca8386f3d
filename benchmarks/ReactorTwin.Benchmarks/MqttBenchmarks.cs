using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using MQTTnet;
using MQTTnet.Protocol;
using ReactorTwin.Adapters.Mqtt;

namespace ReactorTwin.Benchmarks;

/// <summary>
/// MQTT publish throughput against a local mosquitto started by the benchmark: our publisher path (the managed client
/// the host uses: offline queue, pipelined MQTTnet publishes) side by side with mosquitto_pub publishing the same
/// messages in the same run. One invocation publishes 100 000 messages of 100 B and ends when a subscriber (a bare
/// MQTTnet client, the same for both publishers) has counted all of them. Times are reported per message
/// (OperationsPerInvoke = message count).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 6)]
public class MqttBenchmarks
{
    private const int Messages = 100_000;
    private const int PayloadBytes = 100;
    private readonly string _payloadText = new('x', PayloadBytes);
    private Process _broker = null!;
    private string _dir = null!;
    private int _port;
    private MqttManagedClient _publisher = null!;
    private IMqttClient _counter = null!;
    private byte[] _payload = null!;
    private int _run;
    private string _topic = "";
    private int _expected;
    private int _count;
    private TaskCompletionSource _all = null!;

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
        File.WriteAllText(conf, $"user root\nlistener {_port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 1000000\nmax_inflight_messages 100\nlog_dest none\n");
        _broker = Process.Start(new ProcessStartInfo("/usr/sbin/mosquitto", ["-c", conf]) { UseShellExecute = false, RedirectStandardOutput = true })!;
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

        _payload = System.Text.Encoding.ASCII.GetBytes(_payloadText);
        _publisher = new MqttManagedClient(new MqttManagedClientOptions(new ReactorTwin.Adapters.Mqtt.MqttClientOptions
        {
            Host = "127.0.0.1", Port = _port, ClientId = "bench-pub", ProtocolVersion = ReactorTwin.Adapters.Mqtt.MqttProtocolVersion.V500,
        }) { MaxPendingMessages = Messages + 10 });
        _publisher.StartAsync().GetAwaiter().GetResult();
        _counter = new MqttClientFactory().CreateMqttClient();
        _counter.ApplicationMessageReceivedAsync += _ =>
        {
            if (Interlocked.Increment(ref _count) == _expected)
            {
                _all.TrySetResult();
            }

            return Task.CompletedTask;
        };
        _counter.ConnectAsync(new MQTTnet.MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", _port).WithClientId("bench-count").Build()).GetAwaiter().GetResult();
        while (!_publisher.IsConnected)
        {
            Task.Delay(10).Wait();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _publisher.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _counter.Dispose();
        _broker.Kill();
        _broker.WaitForExit();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Our publisher path, QoS 0: 100 000 messages enqueued into the managed client, counted by the subscriber.</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public async Task OursQos0() => await Count(0, () => Enqueue(MqttQualityOfService.AtMostOnce)).ConfigureAwait(false);

    /// <summary>Our publisher path, QoS 1 (up to 32 awaiting PUBACK), counted by the subscriber.</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public async Task OursQos1() => await Count(1, () => Enqueue(MqttQualityOfService.AtLeastOnce)).ConfigureAwait(false);

    /// <summary>mosquitto_pub --repeat 100000, QoS 0 (process start and connect included), counted by the subscriber.</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public async Task MosquittoPubQos0() => await Count(0, () => MosquittoPub(0)).ConfigureAwait(false);

    /// <summary>mosquitto_pub --repeat 100000, QoS 1 (libmosquitto keeps up to 20 in flight), counted by the subscriber.</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public async Task MosquittoPubQos1() => await Count(1, () => MosquittoPub(1)).ConfigureAwait(false);

    private async Task Count(int qos, Func<Task> publish)
    {
        _topic = $"bench/{qos}/{Interlocked.Increment(ref _run)}";
        await _counter.SubscribeAsync(_topic, (MqttQualityOfServiceLevel)qos).ConfigureAwait(false);
        _count = 0;
        _expected = Messages;
        _all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await publish().ConfigureAwait(false);
        await _all.Task.WaitAsync(TimeSpan.FromMinutes(2)).ConfigureAwait(false);
        await _counter.UnsubscribeAsync(_topic).ConfigureAwait(false);
    }

    private async Task Enqueue(ReactorTwin.Adapters.Mqtt.MqttQualityOfService qos)
    {
        for (var i = 0; i < Messages; i++)
        {
            await _publisher.EnqueueAsync(new MqttMessage(_topic, _payload, qos)).ConfigureAwait(false);
        }
    }

    private async Task MosquittoPub(int qos)
    {
        var psi = new ProcessStartInfo("mosquitto_pub",
            ["-h", "127.0.0.1", "-p", _port.ToString(CultureInfo.InvariantCulture), "-t", _topic, "-q", qos.ToString(CultureInfo.InvariantCulture),
             "-m", _payloadText, "--repeat", Messages.ToString(CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        await p.WaitForExitAsync().ConfigureAwait(false);
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"mosquitto_pub exited with {p.ExitCode}");
        }
    }
}
