using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ReactorTwin.Adapters.Mqtt;

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

    /// <summary>Time until the earliest pending timer fires; null when none is pending.</summary>
    public TimeSpan? NextDueIn
    {
        get
        {
            lock (_lock)
            {
                return _timers.Count == 0 ? null : TimeSpan.FromTicks(_timers.Min(t => t.DueTicks) - _ticks);
            }
        }
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

/// <summary>Polling waits for what real processes (mosquitto, the network stack, MQTTnet's tasks) do on their own time.</summary>
internal static class Eventually
{
    /// <summary>Generous bound for one step against a local broker. A step takes milliseconds; 30 s only matters when the
    /// two shared cores are saturated by parallel builds, and a condition that never holds still fails the test.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? within = null)
    {
        var limit = within ?? Patience;
        var start = TimeProvider.System.GetTimestamp();
        while (!condition())
        {
            if (TimeProvider.System.GetElapsedTime(start) > limit)
            {
                Assert.Fail($"not within {limit.TotalSeconds} s: {what}");
            }

            await Task.Delay(10);
        }
    }
}

/// <summary>A logger that keeps what it is given (level and text), for asserting warnings.</summary>
internal sealed class ListLogger : ILogger
{
    public ConcurrentQueue<(LogLevel Level, string Text)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((logLevel, formatter(state, exception)));

    public IEnumerable<string> At(LogLevel level) => Entries.Where(e => e.Level == level).Select(e => e.Text);
}

/// <summary>Managed clients against a local broker, with the settings the tests share.</summary>
internal static class TestClients
{
    private static int _counter;

    public static string Unique(string prefix) => $"{prefix}-{Environment.ProcessId}-{Interlocked.Increment(ref _counter)}";

    public static MqttClientOptions Options(int port, MqttProtocolVersion v = MqttProtocolVersion.V311, string? clientId = null) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        ProtocolVersion = v,
        ClientId = clientId ?? Unique("c"),
        KeepAlivePeriod = TimeSpan.FromSeconds(30),
        CommunicationTimeout = TimeSpan.FromSeconds(10),
    };

    public static MqttManagedClientOptions Managed(MqttClientOptions options) => new(options)
    {
        InitialReconnectDelay = TimeSpan.FromMilliseconds(100),
        MaxReconnectDelay = TimeSpan.FromMilliseconds(500),
    };

    /// <summary>A started managed client, connected, with <paramref name="subscriptions"/> granted: a probe message is
    /// published and acknowledged, and the publish loop only starts once the subscriptions have been restored.</summary>
    public static async Task<MqttManagedClient> ConnectedAsync(MqttClientOptions options, ILogger? logger = null, params MqttTopicSubscription[] subscriptions) =>
        await ConnectedAsync(Managed(options), logger, subscriptions);

    public static async Task<MqttManagedClient> ConnectedAsync(MqttManagedClientOptions options, ILogger? logger = null, params MqttTopicSubscription[] subscriptions)
    {
        var client = new MqttManagedClient(options, logger, random: new Random(1));
        foreach (var s in subscriptions)
        {
            await client.SubscribeAsync(s);
        }

        await client.StartAsync();
        await Eventually.WaitUntilAsync(() => client.IsConnected, $"{options.ClientOptions.ClientId} connected");
        await client.PublishAsync(new MqttMessage($"rt/probe/{options.ClientOptions.ClientId}", ReadOnlyMemory<byte>.Empty, MqttQualityOfService.AtLeastOnce));
        return client;
    }

    /// <summary>Queues a message and waits until its handshake completed.</summary>
    public static async Task PublishAsync(this MqttManagedClient client, MqttMessage message)
    {
        var before = client.PublishedMessageCount + client.DroppedMessageCount;
        await client.EnqueueAsync(message);
        await Eventually.WaitUntilAsync(() => client.PublishedMessageCount + client.DroppedMessageCount > before, $"{message} published");
    }
}
