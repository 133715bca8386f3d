using ReactorTwin.Core.Estimation;
using ReactorTwin.Host.Cli;

namespace ReactorTwin.Host.Tests;

public sealed class ProgressLineTests
{
    [Theory]
    [InlineData(0, 8, 10, "MLE: 0/8 starts, best log-likelihood -12 · 10 s elapsed, estimating the time left")]
    [InlineData(2, 8, 10, "MLE: 2/8 starts, best log-likelihood -12 · 10 s elapsed, about 30 s left")]
    [InlineData(8, 8, 10, "MLE: 8/8 starts, best log-likelihood -12 · 10 s elapsed, done")]
    [InlineData(1, 100, 30, "MLE: 1/100 starts, best log-likelihood -12 · 30 s elapsed, about 49.5 min left")]
    public void Format_StatesWhatRunsAndTheTimeLeftFromTheRateSoFar(long done, long total, double seconds, string expected) =>
        Assert.Equal(expected, ProgressLine.Format(new EstimationProgress("MLE", done, total, "starts", "best log-likelihood -12"), TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Printing_HappensOnceASecondEvenWithoutNewReports()
    {
        var time = new ManualClock();
        var err = new StringWriter();
        using (var line = new ProgressLine(err, time))
        {
            line.Report(new EstimationProgress("MALA", 10, 100, "iterations", ""));
            time.Advance(TimeSpan.FromSeconds(1));
            time.Advance(TimeSpan.FromSeconds(1)); // no report in between: the same state is printed again
        }

        var lines = err.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length); // two ticks and the final line at disposal
        Assert.StartsWith("MALA: 10/100 iterations · 1 s elapsed, about 9 s left", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("MALA: 10/100 iterations · 2 s elapsed", lines[1], StringComparison.Ordinal);
    }

    /// <summary>A clock advanced by hand whose timers fire on <see cref="Advance"/>.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private readonly List<Timer> _timers = [];
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by)
        {
            _ticks += by.Ticks;
            foreach (var t in _timers.ToArray())
            {
                t.Fire(_ticks);
            }
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var t = new Timer(callback, state, _ticks + dueTime.Ticks, period.Ticks, this);
            _timers.Add(t);
            return t;
        }

        private sealed class Timer(TimerCallback callback, object? state, long due, long period, ManualClock owner) : ITimer
        {
            private long _due = due;

            public void Fire(long now)
            {
                while (_due <= now)
                {
                    _due += period;
                    callback(state);
                }
            }

            public bool Change(TimeSpan dueTime, TimeSpan period) => throw new NotSupportedException();

            public void Dispose() => owner._timers.Remove(this);

            public ValueTask DisposeAsync()
            {
                Dispose();
                return ValueTask.CompletedTask;
            }
        }
    }
}
