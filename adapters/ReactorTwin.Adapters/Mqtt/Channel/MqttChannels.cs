using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace ReactorTwin.Adapters.Mqtt.Channel;

/// <summary>The byte channel layer: a connected, bidirectional byte stream exposed as a duplex pipe.</summary>
internal interface IMqttChannel : IAsyncDisposable
{
    /// <summary>Reader and writer of the connection.</summary>
    IDuplexPipe Pipe { get; }

    /// <summary>Human-readable endpoint for logs.</summary>
    string Endpoint { get; }
}

/// <summary>Opens a channel; the client calls it once per connection attempt.</summary>
internal delegate ValueTask<IMqttChannel> MqttChannelFactory(CancellationToken cancellationToken);

/// <summary>TCP channel, optionally wrapped in TLS (<see cref="SslStream"/>).</summary>
internal sealed class MqttTcpChannel : IMqttChannel, IDuplexPipe
{
    private readonly Socket _socket;
    private readonly Stream _stream;

    private MqttTcpChannel(Socket socket, Stream stream, string endpoint)
    {
        _socket = socket;
        _stream = stream;
        Endpoint = endpoint;
        Input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 65536, leaveOpen: true));
        Output = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 65536, leaveOpen: true));
    }

    public IDuplexPipe Pipe => this;

    public string Endpoint { get; }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    public static async ValueTask<IMqttChannel> ConnectAsync(string host, int port, MqttTlsOptions? tls, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            await socket.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: false);
            if (tls is not null)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                await ssl.AuthenticateAsClientAsync(CreateSslOptions(host, tls), cancellationToken).ConfigureAwait(false);
            }

            return new MqttTcpChannel(socket, stream, $"{(tls is null ? "mqtt" : "mqtts")}://{host}:{port}");
        }
        catch
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            socket.Dispose();
            throw;
        }
    }

    internal static SslClientAuthenticationOptions CreateSslOptions(string host, MqttTlsOptions tls)
    {
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = tls.TargetHost ?? host,
            EnabledSslProtocols = tls.Protocols,
        };
        if (tls.ClientCertificate is not null)
        {
            options.ClientCertificates = [tls.ClientCertificate];
        }

        if (tls.CertificateValidationCallback is { } callback)
        {
            options.RemoteCertificateValidationCallback = callback;
        }
        else if (tls.CaCertificateFile is { } caFile)
        {
            var ca = X509CertificateLoader.LoadCertificateFromFile(caFile);
            options.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                ValidateAgainstCa(certificate, errors, ca);
        }

        return options;
    }

    /// <summary>Accepts the server certificate only if it chains to <paramref name="ca"/> and its name matched.</summary>
    internal static bool ValidateAgainstCa(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2 ca)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    public async ValueTask DisposeAsync()
    {
        // Close the transport first: that aborts a read or write still pending on it (e.g. a flush blocked on a
        // dead route), after which completing the pipes cannot find an operation in progress.
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already closed by the peer.
        }
        catch (ObjectDisposedException)
        {
            // Already disposed.
        }

        _socket.Dispose();
        try
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // TLS close_notify could not be sent on a dead connection.
        }

        await CompleteQuietlyAsync(Input.CompleteAsync).ConfigureAwait(false);
        await CompleteQuietlyAsync(Output.CompleteAsync).ConfigureAwait(false);
    }

    private static async ValueTask CompleteQuietlyAsync(Func<Exception?, ValueTask> complete)
    {
        try
        {
            await complete(null).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or IOException or ObjectDisposedException)
        {
            // A pending operation on the closed stream; the pipe is abandoned with the connection.
        }
    }
}

/// <summary>In-memory channel: two cross-connected pipes. Used by unit tests and fake servers.</summary>
internal sealed class MqttInMemoryChannel : IMqttChannel, IDuplexPipe
{
    private MqttInMemoryChannel(PipeReader input, PipeWriter output, string endpoint)
    {
        Input = input;
        Output = output;
        Endpoint = endpoint;
    }

    public IDuplexPipe Pipe => this;

    public string Endpoint { get; }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    /// <summary>Creates a connected pair: what one side writes the other reads.</summary>
    public static (MqttInMemoryChannel Client, MqttInMemoryChannel Server) CreatePair()
    {
        var toServer = new Pipe(new PipeOptions(useSynchronizationContext: false));
        var toClient = new Pipe(new PipeOptions(useSynchronizationContext: false));
        return (new MqttInMemoryChannel(toClient.Reader, toServer.Writer, "memory://client"),
                new MqttInMemoryChannel(toServer.Reader, toClient.Writer, "memory://server"));
    }

    public async ValueTask DisposeAsync()
    {
        await Output.CompleteAsync().ConfigureAwait(false);
        await Input.CompleteAsync().ConfigureAwait(false);
    }
}
