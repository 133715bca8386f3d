using System.Reactive.Concurrency;
using ReactorTwin.Adapters.Devices;

namespace ReactorTwin.Adapters.Tests.Devices;

public sealed class HardwareClockTests
{
    [Fact]
    public void FromVirtualTime_Wait_AdvancesSchedulerClockWithoutRunningQueuedWork()
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var scheduler = new HistoricalScheduler(start);
        bool ran = false;
        scheduler.Schedule(TimeSpan.FromMilliseconds(100), () => ran = true);
        var clock = HardwareClock.FromVirtualTime(scheduler);
        clock.Wait(TimeSpan.FromMilliseconds(900));
        Assert.Equal(start.AddMilliseconds(900), clock.GetUtcNow());
        Assert.False(ran);
    }

    [Fact]
    public void Elapse_VirtualClockAdvances_RealClockDoesNotWait()
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var scheduler = new HistoricalScheduler(start);
        HardwareClock.FromVirtualTime(scheduler).Elapse(TimeSpan.FromMilliseconds(3));
        Assert.Equal(start.AddMilliseconds(3), scheduler.Now);

        // On the real clock a bus transfer has taken its time already: Elapse returns at once, even for a long span,
        // because the provider's timers never fire here.
        var time = new ManualTimeProvider(start);
        HardwareClock.FromTimeProvider(time).Elapse(TimeSpan.FromHours(1));
        Assert.Equal(start, time.GetUtcNow());
    }

    [Fact]
    public async Task FromTimeProvider_Wait_BlocksUntilProviderTimerFires()
    {
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var clock = HardwareClock.FromTimeProvider(time);
        var waiting = Task.Run(() => clock.Wait(TimeSpan.FromSeconds(1)));
        await time.WaitForTimerAsync();
        Assert.False(waiting.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(time.GetUtcNow(), clock.GetUtcNow());
    }

    /// <summary>A minimal manual TimeProvider: timers fire when <see cref="Advance"/> passes their due time.</summary>
    private sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
    {
        private readonly List<(DateTimeOffset Due, TimerCallback Callback, object? State)> _timers = [];
        private readonly TaskCompletionSource _timerCreated = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow()
        {
            lock (_timers)
            {
                return _now;
            }
        }

        public Task WaitForTimerAsync() => _timerCreated.Task.WaitAsync(TimeSpan.FromSeconds(10));

        public void Advance(TimeSpan by)
        {
            List<(DateTimeOffset, TimerCallback Callback, object? State)> due;
            lock (_timers)
            {
                _now += by;
                due = _timers.Where(t => t.Due <= _now).ToList();
                _timers.RemoveAll(t => t.Due <= _now);
            }

            foreach (var t in due)
            {
                t.Callback(t.State);
            }
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            lock (_timers)
            {
                _timers.Add((_now + dueTime, callback, state));
            }

            _timerCreated.TrySetResult();
            return new NoopTimer();
        }

        private sealed class NoopTimer : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => false;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
