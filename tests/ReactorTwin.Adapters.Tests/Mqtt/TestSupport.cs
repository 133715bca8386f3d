using System.Buffers;
using System.Collections;
using System.Reflection;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Adapters.Mqtt.Channel;
using ReactorTwin.Adapters.Mqtt.Formatter;
using ReactorTwin.Adapters.Mqtt.Packets;

namespace ReactorTwin.Adapters.Tests.Mqtt;

/// <summary>Virtual clock: timers fire only when the test calls <see cref="Advance"/>.</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private readonly object _lock = new();
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private long _ticks;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock)
        {
            return _now;
        }
    }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp()
    {
        lock (_lock)
        {
            return _ticks;
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var t = new ManualTimer(this, callback, state);
        t.Change(dueTime, period);
        return t;
    }

    public void Advance(TimeSpan by)
    {
        long target;
        lock (_lock)
        {
            target = _ticks + by.Ticks;
        }

        while (true)
        {
            ManualTimer? due = null;
            lock (_lock)
            {
                foreach (var t in _timers)
                {
                    if (t.DueTicks <= target && (due is null || t.DueTicks < due.DueTicks))
                    {
                        due = t;
                    }
                }

                if (due is null)
                {
                    _now += TimeSpan.FromTicks(target - _ticks);
                    _ticks = target;
                    return;
                }

                _now += TimeSpan.FromTicks(due.DueTicks - _ticks);
                _ticks = Math.Max(_ticks, due.DueTicks);
                if (due.PeriodTicks > 0)
                {
                    due.DueTicks += due.PeriodTicks;
                }
                else
                {
                    _timers.Remove(due);
                }
            }

            due.Fire();
        }
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public long DueTicks;
        public long PeriodTicks;

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._lock)
            {
                owner._timers.Remove(this);
                if (dueTime == Timeout.InfiniteTimeSpan)
                {
                    return true;
                }

                DueTicks = owner._ticks + Math.Max(0, dueTime.Ticks);
                PeriodTicks = period == Timeout.InfiniteTimeSpan ? 0 : period.Ticks;
                owner._timers.Add(this);
            }

            return true;
        }

        public void Dispose()
        {
            lock (owner._lock)
            {
                owner._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>Structural comparison of packets (public and internal properties, lists, byte memory).</summary>
internal static class DeepEqual
{
    public static void AssertEqual(object? expected, object? actual, string path = "packet")
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{path}: {expected ?? "null"} vs {actual ?? "null"}");
            return;
        }

        switch (expected)
        {
            case string or byte or ushort or uint or int or long or bool or Enum:
                Assert.True(expected.Equals(actual), $"{path}: expected {expected}, actual {actual}");
                return;
            case ReadOnlyMemory<byte> m:
                Assert.True(m.Span.SequenceEqual(((ReadOnlyMemory<byte>)actual).Span), $"{path}: bytes differ");
                return;
            case byte[] b:
                Assert.True(b.AsSpan().SequenceEqual((byte[])actual), $"{path}: bytes differ");
                return;
            case MqttUserProperty or MqttSubscription:
                Assert.Equal(expected, actual);
                return;
            case IEnumerable e when expected is not string:
                var a = e.Cast<object?>().ToList();
                var b2 = ((IEnumerable)actual).Cast<object?>().ToList();
                Assert.True(a.Count == b2.Count, $"{path}: count {a.Count} vs {b2.Count}");
                for (var i = 0; i < a.Count; i++)
                {
                    AssertEqual(a[i], b2[i], $"{path}[{i}]");
                }

                return;
        }

        Assert.Equal(expected.GetType(), actual.GetType());
        foreach (var p in expected.GetType().GetProperties(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance))
        {
            if (p.GetIndexParameters().Length > 0)
            {
                continue;
            }

            AssertEqual(Normalize(p.GetValue(expected)), Normalize(p.GetValue(actual)), $"{path}.{p.Name}");
        }
    }

    private static object? Normalize(object? v) => v;
}

internal static class Codec
{
    public static byte[] Encode(MqttProtocolVersion v, MqttPacket p) => MqttPacketFormatter.Create(v).Encode(p);

    /// <summary>Frames and decodes exactly one packet from bytes (throws if incomplete or extra bytes remain).</summary>
    public static MqttPacket Decode(MqttProtocolVersion v, byte[] bytes)
    {
        var adapter = NewAdapter(v);
        var seq = new ReadOnlySequence<byte>(bytes);
        var p = adapter.TryReadPacket(ref seq) ?? throw new InvalidOperationException("incomplete");
        Assert.Equal(0, seq.Length);
        return p;
    }

    public static MqttChannelAdapter NewAdapter(MqttProtocolVersion v, uint max = 1 << 20)
    {
        var (client, _) = MqttInMemoryChannel.CreatePair();
        return new MqttChannelAdapter(client, MqttPacketFormatter.Create(v), max, TimeProvider.System);
    }

    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    public static string Ascii(string s) => Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(s));
}
