using System.Reactive.Concurrency;
using System.Reactive.Linq;

namespace ReactorTwin.Adapters.Sensors;

/// <summary>
/// Turns configured channels into observable reading streams, each polled at its own interval on an injected
/// scheduler. Reads are synchronous and may block for a device's processing time (an EZO reading takes ~1 s), so on
/// a Pi give each I2C bus its own <c>EventLoopScheduler</c>; tests use a <c>HistoricalScheduler</c> together with
/// <see cref="Devices.HardwareClock.FromVirtualTime"/>.
/// </summary>
public sealed class SensorSource
{
    private readonly IScheduler _scheduler;
    private readonly Dictionary<string, IObservable<SensorReading>> _channels = new(StringComparer.Ordinal);

    /// <summary>Creates an empty source polling on <paramref name="scheduler"/>.</summary>
    public SensorSource(IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        _scheduler = scheduler;
    }

    /// <summary>The reading stream of each channel, by name.</summary>
    public IReadOnlyDictionary<string, IObservable<SensorReading>> Channels => _channels;

    /// <summary>All channels merged.</summary>
    public IObservable<SensorReading> All => _channels.Values.Merge();

    /// <summary>
    /// Adds <paramref name="channel"/>, read first at subscription and then every <paramref name="interval"/>
    /// (cold: each subscription polls; share with <c>Publish</c> when several consumers need it).
    /// </summary>
    /// <returns>The channel's reading stream.</returns>
    public IObservable<SensorReading> Add(SensorChannel channel, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        if (_channels.ContainsKey(channel.Name))
        {
            throw new ArgumentException($"a channel named '{channel.Name}' already exists", nameof(channel));
        }

        var stream = Poll(channel, interval, _scheduler);
        _channels.Add(channel.Name, stream);
        return stream;
    }

    /// <summary>Polls <paramref name="channel"/> every <paramref name="interval"/> on <paramref name="scheduler"/>.</summary>
    public static IObservable<SensorReading> Poll(SensorChannel channel, TimeSpan interval, IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(scheduler);
        return Observable.Timer(TimeSpan.Zero, interval, scheduler).Select(_ => channel.Read(() => scheduler.Now));
    }
}
