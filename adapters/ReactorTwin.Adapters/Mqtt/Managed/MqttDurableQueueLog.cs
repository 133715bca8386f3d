using System.Buffers.Binary;

namespace ReactorTwin.Adapters.Mqtt.Managed;

/// <summary>Append-only, fsync'd log of the offline publish queue: "enqueue #n" and "remove #n" records, each
/// framed as [length u32][crc32 u32][kind u8][sequence u64][body]. Replay stops at the first torn or corrupt record
/// (a crash mid-append) and truncates it; the log is rewritten compactly (write temp, fsync, atomic rename) on
/// open and truncated whenever the queue drains.</summary>
internal sealed class MqttDurableQueueLog : IDisposable
{
    private const string FileName = "mqtt-queue.log";
    private const byte KindEnqueue = 1;
    private const byte KindRemove = 2;
    private const int HeaderSize = 4 + 4 + 1 + 8;
    private readonly string _path;
    private readonly QueueRecordWriter _writer = new();
    private FileStream _file;

    private MqttDurableQueueLog(string path, FileStream file)
    {
        _path = path;
        _file = file;
    }

    public long CorruptBytesDiscarded { get; private set; }

    /// <summary>Opens (creating the directory if needed) and replays the log.</summary>
    /// <param name="directory">Directory for the log file.</param>
    /// <param name="pending">Messages enqueued and not removed, in sequence order.</param>
    public static MqttDurableQueueLog Open(string directory, out List<(long Sequence, MqttMessage Message)> pending)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        var live = new SortedDictionary<long, MqttMessage>();
        long corrupt = 0;
        if (File.Exists(path))
        {
            var bytes = File.ReadAllBytes(path);
            var offset = 0;
            while (offset < bytes.Length)
            {
                if (!TryReadRecord(bytes.AsSpan(offset), out var length, out var kind, out var sequence, out var body))
                {
                    corrupt = bytes.Length - offset;
                    break;
                }

                if (kind == KindEnqueue)
                {
                    live[sequence] = DecodeMessage(body);
                }
                else
                {
                    live.Remove(sequence);
                }

                offset += length;
            }
        }

        pending = [.. live.Select(kv => (kv.Key, kv.Value))];

        // Compact: rewrite only what is pending, then atomically replace the old log.
        var tmp = path + ".tmp";
        var log = new MqttDurableQueueLog(path, new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None));
        foreach (var (seq, message) in pending)
        {
            log.WriteRecord(KindEnqueue, seq, message, flush: false);
        }

        log._file.Flush(flushToDisk: true);
        log._file.Dispose();
        File.Move(tmp, path, overwrite: true);
        log._file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read);
        log._file.Seek(0, SeekOrigin.End);
        log.CorruptBytesDiscarded = corrupt;
        return log;
    }

    public void AppendEnqueue(long sequence, MqttMessage message) => WriteRecord(KindEnqueue, sequence, message, flush: true);

    public void AppendRemove(long sequence) => WriteRecord(KindRemove, sequence, null, flush: true);

    /// <summary>Empties the log (the queue drained).</summary>
    public void Truncate()
    {
        _file.SetLength(0);
        _file.Position = 0;
        _file.Flush(flushToDisk: true);
    }

    private void WriteRecord(byte kind, long sequence, MqttMessage? message, bool flush)
    {
        _writer.Reset();
        _writer.WriteUInt32(0);
        _writer.WriteUInt32(0);
        _writer.WriteByte(kind);
        _writer.WriteUInt32((uint)(sequence >> 32));
        _writer.WriteUInt32((uint)sequence);
        if (message is not null)
        {
            EncodeMessage(_writer, message);
        }

        var record = _writer.WrittenSpan;
        var buffer = record.ToArray();
        BinaryPrimitives.WriteUInt32BigEndian(buffer, (uint)buffer.Length);
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(4), Crc32.Compute(buffer.AsSpan(8)));
        _file.Write(buffer);
        if (flush)
        {
            _file.Flush(flushToDisk: true);
        }
    }

    private static bool TryReadRecord(ReadOnlySpan<byte> data, out int length, out byte kind, out long sequence, out ReadOnlySpan<byte> body)
    {
        length = 0;
        kind = 0;
        sequence = 0;
        body = default;
        if (data.Length < HeaderSize)
        {
            return false;
        }

        var len = BinaryPrimitives.ReadUInt32BigEndian(data);
        if (len < HeaderSize || len > data.Length)
        {
            return false;
        }

        var record = data[..(int)len];
        if (BinaryPrimitives.ReadUInt32BigEndian(record[4..]) != Crc32.Compute(record[8..]))
        {
            return false;
        }

        kind = record[8];
        if (kind is not (KindEnqueue or KindRemove))
        {
            return false;
        }

        length = (int)len;
        sequence = (long)BinaryPrimitives.ReadUInt64BigEndian(record[9..]);
        body = record[HeaderSize..];
        return true;
    }

    private static void EncodeMessage(QueueRecordWriter w, MqttMessage m)
    {
        w.WriteByte((byte)((int)m.QualityOfService | (m.Retain ? 4 : 0)));
        w.WriteString(m.Topic);
        w.WriteUInt32(m.MessageExpiryIntervalSeconds ?? uint.MaxValue);
        w.WriteByte(m.MessageExpiryIntervalSeconds is null ? (byte)0 : (byte)1);
        w.WriteByte(m.PayloadIsUtf8 is null ? (byte)2 : m.PayloadIsUtf8.Value ? (byte)1 : (byte)0);
        w.WriteString(m.ContentType ?? "");
        w.WriteByte(m.ContentType is null ? (byte)0 : (byte)1);
        w.WriteString(m.ResponseTopic ?? "");
        w.WriteByte(m.ResponseTopic is null ? (byte)0 : (byte)1);
        w.WriteBinary(m.CorrelationData is { } cd ? cd.Span : default);
        w.WriteByte(m.CorrelationData is null ? (byte)0 : (byte)1);
        w.WriteUInt16((ushort)m.UserProperties.Count);
        foreach (var p in m.UserProperties)
        {
            w.WriteString(p.Name);
            w.WriteString(p.Value);
        }

        w.WriteUInt32((uint)m.Payload.Length);
        w.WriteBytes(m.Payload.Span);
    }

    private static MqttMessage DecodeMessage(ReadOnlySpan<byte> body)
    {
        var r = new QueueRecordReader(body);
        var flags = r.ReadByte();
        var topic = r.ReadString();
        var expiry = r.ReadUInt32();
        var hasExpiry = r.ReadByte() == 1;
        var utf8 = r.ReadByte();
        var contentType = r.ReadString();
        var hasContentType = r.ReadByte() == 1;
        var responseTopic = r.ReadString();
        var hasResponseTopic = r.ReadByte() == 1;
        var correlation = r.ReadBinary();
        var hasCorrelation = r.ReadByte() == 1;
        var count = r.ReadUInt16();
        var props = new List<MqttUserProperty>(count);
        for (var i = 0; i < count; i++)
        {
            props.Add(new MqttUserProperty(r.ReadString(), r.ReadString()));
        }

        var payloadLength = (int)r.ReadUInt32();
        var payload = r.ReadBytes(payloadLength).ToArray();
        return new MqttMessage(topic, payload, (MqttQualityOfService)(flags & 3), (flags & 4) != 0)
        {
            MessageExpiryIntervalSeconds = hasExpiry ? expiry : null,
            PayloadIsUtf8 = utf8 == 2 ? null : utf8 == 1,
            ContentType = hasContentType ? contentType : null,
            ResponseTopic = hasResponseTopic ? responseTopic : null,
            CorrelationData = hasCorrelation ? new ReadOnlyMemory<byte>(correlation) : (ReadOnlyMemory<byte>?)null,
            UserProperties = props,
        };
    }

    public void Dispose() => _file.Dispose();
}

/// <summary>CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320).</summary>
internal static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    private static uint[] BuildTable()
    {
        var t = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            }

            t[i] = c;
        }

        return t;
    }

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return ~crc;
    }
}
