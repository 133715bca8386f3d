using System.Reactive.Concurrency;
using System.Reactive.Disposables;

namespace ReactorTwin.Simulator.Plant;

/// <summary>
/// A real-time <see cref="IScheduler"/> whose clock runs <see cref="Speed"/> times faster than the injected
/// <see cref="TimeProvider"/>: Now = epoch + speed × elapsed. Work is run one item at a time on an inner serial
/// scheduler (an event loop), so the simulated reactor needs no locks. Used by <c>reactortwin simulator --speed</c>.
/// </summary>
public sealed class AcceleratedScheduler : IScheduler, IDisposable
{
    private readonly TimeProvider _time;
    private readonly long _start;
    private readonly EventLoopScheduler _loop = new(ts => new Thread(ts) { IsBackground = true, Name = "simulated-reactor" });

    /// <summary>Creates a scheduler starting at <paramref name="epoch"/> and running <paramref name="speed"/>× real time.</summary>
    public AcceleratedScheduler(DateTimeOffset epoch, double speed, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        if (!(speed > 0) || !double.IsFinite(speed))
        {
            throw new ArgumentOutOfRangeException(nameof(speed), speed, "the speed-up must be finite and > 0");
        }

        Epoch = epoch;
        Speed = speed;
        _time = time;
        _start = time.GetTimestamp();
    }

    /// <summary>Virtual time at start.</summary>
    public DateTimeOffset Epoch { get; }

    /// <summary>Virtual seconds per real second.</summary>
    public double Speed { get; }

    /// <inheritdoc/>
    public DateTimeOffset Now => Epoch + TimeSpan.FromTicks((long)(_time.GetElapsedTime(_start).Ticks * Speed));

    /// <inheritdoc/>
    public IDisposable Schedule<TState>(TState state, Func<IScheduler, TState, IDisposable> action) =>
        _loop.Schedule(state, (_, s) => action(this, s));

    /// <inheritdoc/>
    public IDisposable Schedule<TState>(TState state, TimeSpan dueTime, Func<IScheduler, TState, IDisposable> action) =>
        Schedule(state, Now + dueTime, action);

    /// <inheritdoc/>
    public IDisposable Schedule<TState>(TState state, DateTimeOffset dueTime, Func<IScheduler, TState, IDisposable> action)
    {
        var real = TimeSpan.FromTicks((long)Math.Max((dueTime - Now).Ticks / Speed, 0));
        var result = new SingleAssignmentDisposable();
        result.Disposable = _loop.Schedule(state, real, (_, s) => result.IsDisposed ? Disposable.Empty : action(this, s));
        return result;
    }

    /// <inheritdoc/>
    public void Dispose() => _loop.Dispose();
}
