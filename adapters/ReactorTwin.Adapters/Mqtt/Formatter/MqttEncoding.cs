using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace ReactorTwin.Adapters.Mqtt;

/// <summary>Primitive data representations shared by both protocol versions (MQTT 5.0 §1.5).</summary>
internal static class MqttEncoding
{
    /// <summary>UTF-8 that throws on unpaired surrogates (encode) and on ill-formed input (decode).</summary>
    public static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Largest value of a Variable Byte Integer (4 bytes).</summary>
    public const int MaxVariableByteInteger = 268_435_455;

    public static int VariableByteIntegerSize(uint value) =>
        value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;

    public static int WriteVariableByteInteger(Span<byte> destination, uint value)
    {
        if (value > MaxVariableByteInteger)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "Larger than the largest Variable Byte Integer.");
        }

        var i = 0;
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            if (value > 0)
            {
                b |= 0x80;
            }

            destination[i++] = b;
        }
        while (value > 0);
        return i;
    }

    /// <summary>Decodes a Variable Byte Integer at the start of <paramref name="source"/>.</summary>
    /// <returns>Bytes consumed, or 0 when more bytes are needed.</returns>
    /// <exception cref="MqttProtocolException">More than four bytes or a non-minimal encoding.</exception>
    public static int TryReadVariableByteInteger(ReadOnlySpan<byte> source, out uint value)
    {
        value = 0;
        var multiplier = 0;
        for (var i = 0; i < 4; i++)
        {
            if (i >= source.Length)
            {
                return 0;
            }

            var b = source[i];
            value |= (uint)(b & 0x7F) << multiplier;
            if ((b & 0x80) == 0)
            {
                if (b == 0 && i > 0)
                {
                    throw new MqttProtocolException("Variable Byte Integer is not minimally encoded.");
                }

                return i + 1;
            }

            multiplier += 7;
        }

        throw new MqttProtocolException("Variable Byte Integer longer than four bytes.");
    }

    /// <summary>Checks a string for U+0000 and unpaired surrogates and returns its UTF-8 length.</summary>
    public static int Utf8Length(string s)
    {
        int n;
        try
        {
            n = StrictUtf8.GetByteCount(s);
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException("String is not well-formed UTF-16 (unpaired surrogate).", nameof(s), e);
        }

        if (n > ushort.MaxValue)
        {
            throw new ArgumentException("String is longer than 65535 UTF-8 bytes.", nameof(s));
        }

        if (s.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("String contains U+0000, which MQTT forbids.", nameof(s));
        }

        return n;
    }
}

/// <summary>Growable byte buffer reused for every packet a connection sends (no allocation once warm).</summary>
internal sealed class MqttBufferWriter
{
    private byte[] _buffer;
    private int _length;

    public MqttBufferWriter(int initialCapacity = 256) => _buffer = new byte[initialCapacity];

    public int Length => _length;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    public void Reset() => _length = 0;

    private Span<byte> Reserve(int count)
    {
        if (_length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        }

        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }

    public void WriteByte(byte value) => Reserve(1)[0] = value;

    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Reserve(2), value);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Reserve(4), value);

    public void WriteVariableByteInteger(uint value)
    {
        Span<byte> tmp = stackalloc byte[4];
        var n = MqttEncoding.WriteVariableByteInteger(tmp, value);
        tmp[..n].CopyTo(Reserve(n));
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    /// <summary>UTF-8 Encoded String: 2-byte length then the bytes (§1.5.4).</summary>
    public void WriteString(string value)
    {
        var n = MqttEncoding.Utf8Length(value);
        WriteUInt16((ushort)n);
        MqttEncoding.StrictUtf8.GetBytes(value, Reserve(n));
    }

    /// <summary>Binary Data: 2-byte length then the bytes (§1.5.6).</summary>
    public void WriteBinary(ReadOnlySpan<byte> value)
    {
        if (value.Length > ushort.MaxValue)
        {
            throw new ArgumentException("Binary data is longer than 65535 bytes.", nameof(value));
        }

        WriteUInt16((ushort)value.Length);
        WriteBytes(value);
    }

    /// <summary>Copies the written bytes to <paramref name="output"/>.</summary>
    public void CopyTo(IBufferWriter<byte> output) => output.Write(WrittenSpan);
}

/// <summary>Bounds-checked reader over one packet's bytes; every underflow is a <see cref="MqttProtocolException"/>.</summary>
internal ref struct MqttReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public MqttReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly int Remaining => _data.Length - _position;

    public readonly bool End => _position >= _data.Length;

    private ReadOnlySpan<byte> Take(int count, string what)
    {
        if (count < 0 || count > Remaining)
        {
            throw new MqttProtocolException($"Packet truncated while reading {what}.");
        }

        var s = _data.Slice(_position, count);
        _position += count;
        return s;
    }

    public byte ReadByte() => Take(1, "a byte")[0];

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2, "a two-byte integer"));

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4, "a four-byte integer"));

    public uint ReadVariableByteInteger()
    {
        var n = MqttEncoding.TryReadVariableByteInteger(_data[_position..], out var value);
        if (n == 0)
        {
            throw new MqttProtocolException("Packet truncated inside a Variable Byte Integer.");
        }

        _position += n;
        return value;
    }

    public string ReadString()
    {
        var len = ReadUInt16();
        var bytes = Take(len, "a UTF-8 string");
        string s;
        try
        {
            s = MqttEncoding.StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new MqttProtocolException("String is not well-formed UTF-8.", e);
        }

        if (s.Contains('\0', StringComparison.Ordinal))
        {
            throw new MqttProtocolException("String contains U+0000.");
        }

        return s;
    }

    public byte[] ReadBinary()
    {
        var len = ReadUInt16();
        return Take(len, "binary data").ToArray();
    }

    public ReadOnlySpan<byte> ReadBytes(int count) => Take(count, "bytes");

    public byte[] ReadToEnd() => Take(Remaining, "payload").ToArray();
}
