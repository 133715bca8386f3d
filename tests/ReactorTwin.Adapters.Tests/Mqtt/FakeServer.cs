using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Adapters.Mqtt.Channel;
using ReactorTwin.Adapters.Mqtt.Formatter;
using ReactorTwin.Adapters.Mqtt.Packets;

namespace ReactorTwin.Adapters.Tests.Mqtt;

/// <summary>Scripted in-memory server: each client connection attempt yields a <see cref="FakeServerConnection"/>.</summary>
internal sealed class FakeServer(MqttProtocolVersion version)
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly Channel<FakeServerConnection> _accepted = Channel.CreateUnbounded<FakeServerConnection>();

    public MqttClientOptions Options(Func<MqttClientOptions, MqttClientOptions>? configure = null)
    {
        var o = new MqttClientOptions
        {
            ProtocolVersion = version,
            ClientId = "test-client",
            ChannelFactory = _ =>
            {
                var (client, server) = MqttInMemoryChannel.CreatePair();
                _accepted.Writer.TryWrite(new FakeServerConnection(server, MqttPacketFormatter.Create(version)));
                return ValueTask.FromResult<IMqttChannel>(client);
            },
        };
        return configure is null ? o : configure(o);
    }

    public async Task<FakeServerConnection> AcceptAsync() =>
        await _accepted.Reader.ReadAsync().AsTask().WaitAsync(Patience);

    /// <summary>Accepts, reads CONNECT and answers CONNACK.</summary>
    public async Task<(FakeServerConnection Connection, MqttConnectPacket Connect)> AcceptAndAckAsync(bool sessionPresent = false, MqttConnAckPacket? ack = null)
    {
        var c = await AcceptAsync();
        var connect = await c.ExpectAsync<MqttConnectPacket>();
        await c.SendAsync(ack ?? new MqttConnAckPacket { SessionPresent = sessionPresent });
        return (c, connect);
    }
}

internal sealed class FakeServerConnection(MqttInMemoryChannel channel, MqttPacketFormatter formatter)
{
    private readonly MqttChannelAdapter _adapter = new(channel, formatter, 1 << 24, TimeProvider.System);

    public async Task<T> ExpectAsync<T>()
        where T : MqttPacket
    {
        var p = await _adapter.ReceiveAsync(CancellationToken.None).AsTask().WaitAsync(FakeServer.Patience);
        return Assert.IsType<T>(p);
    }

    /// <summary>Returns the next packet, or null when the client closed the connection.</summary>
    public async Task<MqttPacket?> ReceiveAsync() =>
        await _adapter.ReceiveAsync(CancellationToken.None).AsTask().WaitAsync(FakeServer.Patience);

    public Task SendAsync(MqttPacket p) => _adapter.SendAsync(p, CancellationToken.None).AsTask();

    public async Task SendRawAsync(byte[] bytes)
    {
        await channel.Output.WriteAsync(bytes);
    }

    public async Task CloseAsync() => await channel.DisposeAsync();
}

internal sealed class ListLogger : ILogger
{
    public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((logLevel, formatter(state, exception)));
}

internal static class TaskExtensions
{
    public static Task<T> Within<T>(this Task<T> task) => task.WaitAsync(FakeServer.Patience);

    public static Task<T> Within<T>(this ValueTask<T> task) => task.AsTask().WaitAsync(FakeServer.Patience);

    public static Task Within(this Task task) => task.WaitAsync(FakeServer.Patience);

    /// <summary>First element of an observable matching a predicate, subscribed now.</summary>
    public static Task<T> FirstAsync<T>(this IObservable<T> source, Func<T, bool> predicate)
    {
        var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var sub = source.Subscribe(new Observer<T>(v =>
        {
            if (predicate(v))
            {
                tcs.TrySetResult(v);
            }
        }));
        _ = tcs.Task.ContinueWith(_ => sub.Dispose(), TaskScheduler.Default);
        return tcs.Task;
    }

    private sealed class Observer<T>(Action<T> onNext) : IObserver<T>
    {
        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void OnNext(T value) => onNext(value);
    }
}
