using System.Collections.Concurrent;
using System.Security.Authentication;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Adapters.Mqtt.Client;

namespace ReactorTwin.Adapters.Tests.Mqtt.Integration;

/// <summary>Tests that need their own broker: restart with persistence, TLS, authentication.</summary>
[Collection("Mosquitto")]
public sealed class MosquittoBrokerLifecycleTests
{
    private static readonly TimeSpan Patience = Eventually.Patience;

    private static MqttClientOptions Options(int port, string clientId) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        ClientId = clientId,
        KeepAlivePeriod = TimeSpan.FromSeconds(5),
        CommunicationTimeout = TimeSpan.FromSeconds(5),
    };

    [Fact]
    public async Task ManagedClients_BrokerRestartedMidStream_NoQos1MessageLost()
    {
        const int count = 300;
        var dir = MosquittoBroker.NewDirectory();
        var broker = await MosquittoBroker.StartAsync(persistence: true, directory: dir);
        try
        {
            var topic = "rt/restart/" + Guid.NewGuid().ToString("N");
            MqttManagedClientOptions Managed(string id) => new(Options(broker.Port, id) with { CleanSession = false })
            {
                InitialReconnectDelay = TimeSpan.FromMilliseconds(100),
                MaxReconnectDelay = TimeSpan.FromMilliseconds(500),
            };

            await using var subscriber = new MqttManagedClient(Managed("restart-sub"), random: new Random(1));
            var received = new ConcurrentDictionary<string, int>();
            using var s = subscriber.Observe(topic).Subscribe(m => received.AddOrUpdate(m.PayloadAsString(), 1, (_, n) => n + 1));
            await subscriber.SubscribeAsync(new MqttTopicSubscription(topic, MqttQualityOfService.AtLeastOnce));
            await subscriber.StartAsync();
            await Eventually.WaitUntilAsync(() => subscriber.IsConnected, "subscriber connected");

            await using var publisher = new MqttManagedClient(Managed("restart-pub"), random: new Random(2));
            await publisher.StartAsync();
            async Task EnqueueRange(int from, int to)
            {
                for (var i = from; i < to; i++)
                {
                    await publisher.EnqueueAsync(new MqttMessage(topic, Encoding.UTF8.GetBytes(i.ToString()), MqttQualityOfService.AtLeastOnce));
                }
            }

            // A third while the broker runs; kill it mid-stream; a third while it is down (offline queue); restart.
            await EnqueueRange(0, count / 3);
            await Eventually.WaitUntilAsync(() => received.Count >= count / 6, "a sixth received before the restart");
            await broker.StopAsync();
            var receivedBeforeStop = received.Count;
            await Eventually.WaitUntilAsync(() => !publisher.IsConnected && !subscriber.IsConnected, "both see the broker gone");
            await EnqueueRange(count / 3, 2 * count / 3);
            Assert.True(publisher.PendingMessageCount >= count / 3, $"pending {publisher.PendingMessageCount}");
            await broker.StartProcessAsync();
            await EnqueueRange(2 * count / 3, count);
            Assert.True(receivedBeforeStop < count / 3 + 1);

            var start = TimeProvider.System.GetTimestamp();
            while (received.Count < count && TimeProvider.System.GetElapsedTime(start) < Patience)
            {
                await Task.Delay(50);
            }

            var missing = Enumerable.Range(0, count).Select(i => i.ToString()).Where(k => !received.ContainsKey(k)).ToList();
            Assert.True(missing.Count == 0, $"lost {missing.Count}: {string.Join(',', missing.Take(20))}; broker log: {broker.Output}");
            Assert.Equal(0, publisher.DroppedMessageCount);
        }
        finally
        {
            await broker.DisposeAsync();
        }
    }

    [Fact]
    public async Task Authentication_WrongPassword_ReportedAsBadCredentials()
    {
        var dir = MosquittoBroker.NewDirectory();
        var passwordFile = Path.Combine(dir, "passwd");
        var (code, output) = await MosquittoBroker.RunToolAsync("mosquitto_passwd", Patience, "-b", "-c", passwordFile, "reactor", "s3cret");
        Assert.True(code == 0, output);
        await using var broker = await MosquittoBroker.StartAsync(listenerLines: $"password_file {passwordFile}", directory: dir);

        foreach (var v in new[] { MqttProtocolVersion.V311, MqttProtocolVersion.V500 })
        {
            await using var bad = new MqttClientAdapter(Options(broker.Port, "auth-bad") with { ProtocolVersion = v, Username = "reactor", Password = Encoding.UTF8.GetBytes("wrong") }, NullLogger.Instance);
            var e = await Assert.ThrowsAsync<MqttConnectingFailedException>(() => bad.ConnectAsync(null, CancellationToken.None));
            Assert.True(e.ResultCode is MQTTnet.MqttClientConnectResultCode.BadUserNameOrPassword or MQTTnet.MqttClientConnectResultCode.NotAuthorized, e.ResultCode.ToString());
            Assert.Contains("refused", e.Message, StringComparison.Ordinal);

            // The managed client built from the same settings (builder, as the host does) connects with the right password.
            var options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithProtocolVersion(v).WithClientId("auth-good")
                .WithCredentials("reactor", "s3cret").Build();
            await using var good = await TestClients.ConnectedAsync(options);
            Assert.True(good.IsConnected);
        }
    }

    [Fact]
    public async Task Tls_ServerCertificateFromTestCa_ConnectsOnlyWhenCaTrusted()
    {
        var dir = MosquittoBroker.NewDirectory();
        await Openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=ReactorTwin Test CA",
            "-keyout", "ca.key", "-out", "ca.crt");
        await Openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr");
        await File.WriteAllTextAsync(Path.Combine(dir, "san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        await Openssl(dir, "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
            "-extfile", "san.ext", "-out", "server.crt");
        foreach (var f in Directory.GetFiles(dir))
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(f, (UnixFileMode)0x1B6); // 0666
            }
        }

        await using var broker = await MosquittoBroker.StartAsync(directory: dir,
            listenerLines: $"cafile {dir}/ca.crt\ncertfile {dir}/server.crt\nkeyfile {dir}/server.key");

        var tlsOptions = Options(broker.Port, "tls-client") with
        {
            Host = "localhost",
            Tls = new MqttTlsOptions { CaCertificateFile = Path.Combine(dir, "ca.crt") },
        };
        await using var client = await TestClients.ConnectedAsync(tlsOptions, null, new MqttTopicSubscription("rt/tls"));
        var got = new ConcurrentQueue<string>();
        using var s = client.Observe("rt/tls").Subscribe(m => got.Enqueue(m.PayloadAsString()));
        await client.PublishAsync(new MqttMessage("rt/tls", Encoding.UTF8.GetBytes("secure"), MqttQualityOfService.AtLeastOnce));
        await Eventually.WaitUntilAsync(() => got.Contains("secure"), "own message back over TLS");

        // Without the CA (system trust store only) the handshake must fail, with a clear error.
        await using var untrusting = new MqttClientAdapter(tlsOptions with { ClientId = "tls-untrusting", Tls = new MqttTlsOptions() }, NullLogger.Instance);
        var e = await Assert.ThrowsAsync<MqttConnectingFailedException>(() => untrusting.ConnectAsync(null, CancellationToken.None));
        Assert.Contains("TLS", e.Message, StringComparison.Ordinal);
        Assert.NotNull(FindInner<AuthenticationException>(e));

        // Wrong host name: the CA matches but the name does not.
        await using var wrongName = new MqttClientAdapter(tlsOptions with { ClientId = "tls-wrongname", Tls = tlsOptions.Tls with { TargetHost = "example.org" } }, NullLogger.Instance);
        await Assert.ThrowsAsync<MqttConnectingFailedException>(() => wrongName.ConnectAsync(null, CancellationToken.None));
    }

    [Fact]
    public async Task Tls_BrokerRequiresClientCertificate_ConnectsOnlyWithOne()
    {
        var dir = MosquittoBroker.NewDirectory();
        await Openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=ReactorTwin Test CA",
            "-keyout", "ca.key", "-out", "ca.crt");
        await Openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr");
        await File.WriteAllTextAsync(Path.Combine(dir, "san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        await Openssl(dir, "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
            "-extfile", "san.ext", "-out", "server.crt");
        await Openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=reactor-1", "-keyout", "client.key", "-out", "client.csr");
        await Openssl(dir, "x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
            "-out", "client.crt");
        foreach (var f in Directory.GetFiles(dir))
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(f, (UnixFileMode)0x1B6); // 0666
            }
        }

        await using var broker = await MosquittoBroker.StartAsync(directory: dir,
            listenerLines: $"cafile {dir}/ca.crt\ncertfile {dir}/server.crt\nkeyfile {dir}/server.key\nrequire_certificate true");
        using var clientCertificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(
            Path.Combine(dir, "client.crt"), Path.Combine(dir, "client.key"));
        var options = Options(broker.Port, "mtls-client") with
        {
            Host = "localhost",
            Tls = new MqttTlsOptions { CaCertificateFile = Path.Combine(dir, "ca.crt"), ClientCertificate = clientCertificate },
        };
        await using var client = await TestClients.ConnectedAsync(options);
        Assert.True(client.IsConnected);

        await using var anonymous = new MqttClientAdapter(options with { ClientId = "mtls-anonymous", Tls = options.Tls with { ClientCertificate = null } }, NullLogger.Instance);
        await Assert.ThrowsAnyAsync<MqttClientException>(() => anonymous.ConnectAsync(null, CancellationToken.None));
    }

    private static T? FindInner<T>(Exception? e)
        where T : Exception
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is T t)
            {
                return t;
            }
        }

        return null;
    }

    private static async Task Openssl(string dir, params string[] args)
    {
        var all = args.Select(a => a.EndsWith(".key", StringComparison.Ordinal) || a.EndsWith(".crt", StringComparison.Ordinal) || a.EndsWith(".csr", StringComparison.Ordinal) || a == "san.ext" ? Path.Combine(dir, a) : a).ToArray();
        var (code, output) = await MosquittoBroker.RunToolAsync("openssl", Patience, all);
        Assert.True(code == 0, $"openssl {string.Join(' ', all)}: {output}");
    }
}
