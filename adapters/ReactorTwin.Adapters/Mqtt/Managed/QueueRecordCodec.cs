using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace ReactorTwin.Adapters.Mqtt.Managed;

/// <summary>Writes the fields of a durable-queue record: big-endian integers, strings and binary as a u16 length and
/// the bytes (the layout <see cref="MqttDurableQueueLog"/> has always used, so queues written before stay readable).</summary>
internal sealed class QueueRecordWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(256);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public void Reset() => _buffer.ResetWrittenCount();

    public void WriteByte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer.GetSpan(2), value);
        _buffer.Advance(2);
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    public void WriteString(string value) => WriteBinary(Encoding.UTF8.GetBytes(value));

    public void WriteBinary(ReadOnlySpan<byte> value)
    {
        if (value.Length > ushort.MaxValue)
        {
            throw new ArgumentException($"A queued message field is {value.Length} bytes; at most 65535 fit.", nameof(value));
        }

        WriteUInt16((ushort)value.Length);
        WriteBytes(value);
    }

    public void WriteBytes(ReadOnlySpan<byte> value) => _buffer.Write(value);
}

/// <summary>Reads what <see cref="QueueRecordWriter"/> wrote; a record that ends early throws
/// <see cref="InvalidDataException"/>.</summary>
internal ref struct QueueRecordReader(ReadOnlySpan<byte> data)
{
    private ReadOnlySpan<byte> _data = data;

    public byte ReadByte() => Take(1)[0];

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));

    public string ReadString() => Encoding.UTF8.GetString(ReadBinary());

    public byte[] ReadBinary() => Take(ReadUInt16()).ToArray();

    public ReadOnlySpan<byte> ReadBytes(int count) => Take(count);

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _data.Length)
        {
            throw new InvalidDataException("A durable MQTT queue record ends early.");
        }

        var taken = _data[..count];
        _data = _data[count..];
        return taken;
    }
}
