using System.Reactive.Concurrency;

namespace ReactorTwin.Adapters.Devices;

/// <summary>
/// The time source of our own device drivers (the Atlas EZO circuits) and of the simulated chips. Drivers are
/// synchronous (an I2C transfer is a blocking system call) and must wait out documented processing times (an EZO
/// reading takes 600–900 ms); they do so through this class so that tests and simulations run the same code in
/// virtual time. The bindings of Iot.Device.Bindings wait on the real clock themselves; simulated chips make them
/// progress in virtual time by letting each bus transfer take its time (<see cref="Elapse"/>).
/// </summary>
public abstract class HardwareClock
{
    /// <summary>The current time.</summary>
    public abstract DateTimeOffset GetUtcNow();

    /// <summary>Blocks (or, in virtual time, advances the clock) for <paramref name="duration"/>.</summary>
    public abstract void Wait(TimeSpan duration);

    /// <summary>
    /// Time spent by a transfer on a simulated bus (e.g. 9 bits per byte at 100 kHz on I2C): in virtual time the clock
    /// advances by <paramref name="duration"/>, as it would while a real transfer blocks; on the real clock nothing
    /// happens (the transfer took its real time already).
    /// </summary>
    public abstract void Elapse(TimeSpan duration);

    /// <summary>
    /// Real time from <paramref name="timeProvider"/> (use <see cref="TimeProvider.System"/> on a Pi): waits block
    /// the calling thread on a timer created by the provider.
    /// </summary>
    public static HardwareClock FromTimeProvider(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        return new TimeProviderClock(timeProvider);
    }

    /// <summary>
    /// Virtual time from an Rx virtual-time scheduler (e.g. <c>HistoricalScheduler</c>): a wait advances the
    /// scheduler's clock with <c>Sleep</c> without running the work queued in between, exactly as a blocked thread
    /// would see it.
    /// </summary>
    public static HardwareClock FromVirtualTime(VirtualTimeSchedulerBase<DateTimeOffset, TimeSpan> scheduler)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        return new VirtualTimeClock(scheduler);
    }

    private sealed class TimeProviderClock(TimeProvider timeProvider) : HardwareClock
    {
        public override DateTimeOffset GetUtcNow() => timeProvider.GetUtcNow();

        public override void Wait(TimeSpan duration)
        {
            if (duration <= TimeSpan.Zero)
            {
                return;
            }

            using var elapsed = new ManualResetEventSlim(false);
            using var timer = timeProvider.CreateTimer(static state => ((ManualResetEventSlim)state!).Set(), elapsed, duration, Timeout.InfiniteTimeSpan);
            elapsed.Wait();
        }

        public override void Elapse(TimeSpan duration)
        {
        }
    }

    private sealed class VirtualTimeClock(VirtualTimeSchedulerBase<DateTimeOffset, TimeSpan> scheduler) : HardwareClock
    {
        public override DateTimeOffset GetUtcNow() => scheduler.Now;

        public override void Wait(TimeSpan duration)
        {
            if (duration > TimeSpan.Zero)
            {
                scheduler.Sleep(duration);
            }
        }

        public override void Elapse(TimeSpan duration) => Wait(duration);
    }
}
