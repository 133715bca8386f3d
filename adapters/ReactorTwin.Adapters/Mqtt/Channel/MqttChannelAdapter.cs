using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using ReactorTwin.Adapters.Mqtt.Formatter;
using ReactorTwin.Adapters.Mqtt.Packets;

namespace ReactorTwin.Adapters.Mqtt.Channel;

/// <summary>The framing layer: splits the byte stream into packets (fixed header + remaining length), enforces the
/// maximum packet size in both directions and serialises writers.</summary>
internal sealed class MqttChannelAdapter : IAsyncDisposable
{
    private readonly IMqttChannel _channel;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly TimeProvider _time;
    private byte[] _assembly = [];
    private long _lastSentTimestamp;
    private int _disposed;

    public MqttChannelAdapter(IMqttChannel channel, MqttPacketFormatter formatter, uint maximumIncomingPacketSize, TimeProvider time)
    {
        _channel = channel;
        _input = channel.Pipe.Input;
        _output = channel.Pipe.Output;
        Formatter = formatter;
        MaximumIncomingPacketSize = maximumIncomingPacketSize;
        _time = time;
        _lastSentTimestamp = time.GetTimestamp();
    }

    public MqttPacketFormatter Formatter { get; }

    public string Endpoint => _channel.Endpoint;

    /// <summary>Largest packet accepted from the peer (whole packet, header included).</summary>
    public uint MaximumIncomingPacketSize { get; }

    /// <summary>Largest packet the peer accepts (MQTT 5.0 CONNACK Maximum Packet Size).</summary>
    public uint MaximumOutgoingPacketSize { get; set; } = uint.MaxValue;

    /// <summary>Time since the last packet was written, for keep-alive.</summary>
    public TimeSpan IdleSendTime => _time.GetElapsedTime(Volatile.Read(ref _lastSentTimestamp));

    public long PacketsSent { get; private set; }

    public async ValueTask SendAsync(MqttPacket packet, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Formatter.Encode(packet, _output, MaximumOutgoingPacketSize);
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Writes a PUBLISH from a message without building a packet object (hot path).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SendPublishAsync(MqttMessage message, ushort packetId, bool dup, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Formatter.EncodePublish(message, packetId, dup, _output, MaximumOutgoingPacketSize);
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        var result = await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        PacketsSent++;
        Volatile.Write(ref _lastSentTimestamp, _time.GetTimestamp());
        if (result.IsCompleted)
        {
            throw new IOException("The connection is closed.");
        }
    }

    /// <summary>Reads the next packet.</summary>
    /// <returns>The packet, or <see langword="null"/> when the peer closed the connection between packets.</returns>
    /// <exception cref="MqttProtocolException">Malformed bytes, oversize packet, or a connection closed mid-packet.</exception>
    public async ValueTask<MqttPacket?> ReceiveAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            MqttPacket? packet;
            try
            {
                packet = TryReadPacket(ref buffer);
            }
            catch
            {
                _input.AdvanceTo(buffer.Start);
                throw;
            }

            if (packet is not null)
            {
                _input.AdvanceTo(buffer.Start);
                return packet;
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                var truncated = buffer.Length > 0;
                _input.AdvanceTo(buffer.End);
                if (truncated)
                {
                    throw new MqttProtocolException($"Connection closed in the middle of a packet ({buffer.Length} bytes pending).");
                }

                return null;
            }

            _input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Decodes one packet at the start of <paramref name="buffer"/> and slices it off, or returns null
    /// (buffer untouched) when the packet is not complete yet.</summary>
    internal MqttPacket? TryReadPacket(ref ReadOnlySequence<byte> buffer)
    {
        if (buffer.Length < 2)
        {
            return null;
        }

        Span<byte> head = stackalloc byte[5];
        var headLength = (int)Math.Min(5, buffer.Length);
        buffer.Slice(0, headLength).CopyTo(head);
        var n = MqttEncoding.TryReadVariableByteInteger(head[1..headLength], out var remaining);
        if (n == 0)
        {
            return null;
        }

        var total = 1L + n + remaining;
        if (total > MaximumIncomingPacketSize)
        {
            throw new MqttProtocolException(MqttReasonCode.PacketTooLarge,
                $"Packet of {total} bytes exceeds the maximum packet size of {MaximumIncomingPacketSize} bytes.");
        }

        if (buffer.Length < total)
        {
            return null;
        }

        var body = buffer.Slice(1 + n, remaining);
        MqttPacket packet;
        if (body.IsSingleSegment)
        {
            packet = Formatter.Decode(head[0], body.FirstSpan);
        }
        else
        {
            if (_assembly.Length < remaining)
            {
                _assembly = new byte[Math.Max(remaining, 4096)];
            }

            body.CopyTo(_assembly);
            packet = Formatter.Decode(head[0], _assembly.AsSpan(0, (int)remaining));
        }

        buffer = buffer.Slice(total);
        return packet;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _channel.DisposeAsync().ConfigureAwait(false);
    }
}
