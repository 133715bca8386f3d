using System.Globalization;
using System.Reactive.Concurrency;
using System.Threading.Channels;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Adapters.Mqtt;

namespace ReactorTwin.Host.Cli;

/// <summary>
/// How <c>reactortwin demo</c> moves its virtual time: at once (the report), at a pace in real time, or by the hours
/// given on standard input (so that a person or a test sees each step). The plant, the twin and the in-memory bus all
/// run on the thread that advances the clock; a command from the dashboard (accepting a proposal) is queued here and
/// published on that thread between two steps, never beside them.
/// </summary>
internal sealed class DemoClock
{
    /// <summary>Culture time advanced per step when paced (h).</summary>
    private const double PacedStepHours = 0.05;

    private readonly HistoricalScheduler _scheduler;
    private readonly IMessageBus _bus;
    private readonly TimeProvider _time;
    private readonly TextWriter _stdout;
    private readonly double _hoursPerSecond;
    private readonly Channel<Work> _work = Channel.CreateUnbounded<Work>();
    private readonly DateTimeOffset _epoch;
    private DateTimeOffset _granted;
    private bool _endOfInput;

    private DemoClock(HistoricalScheduler scheduler, IMessageBus bus, TimeProvider time, TextWriter stdout, double hoursPerSecond)
    {
        (_scheduler, _bus, _time, _stdout, _hoursPerSecond) = (scheduler, bus, time, stdout, hoursPerSecond);
        _epoch = _granted = scheduler.Now;
    }

    /// <summary>True when the hours come from standard input.</summary>
    public bool Stepped => _hoursPerSecond == 0;

    /// <summary>Advances at once (the demo without <c>--serve</c>).</summary>
    public static DemoClock Instant(HistoricalScheduler scheduler, IMessageBus bus, TimeProvider time, TextWriter stdout) =>
        new(scheduler, bus, time, stdout, double.PositiveInfinity);

    /// <summary>Advances <paramref name="hoursPerSecond"/> culture hours per real second.</summary>
    public static DemoClock Paced(HistoricalScheduler scheduler, IMessageBus bus, TimeProvider time, TextWriter stdout, double hoursPerSecond) =>
        new(scheduler, bus, time, stdout, hoursPerSecond);

    /// <summary>Advances by the hours read from <paramref name="stdin"/>, one number per line (<c>12</c> or
    /// <c>advance 12</c>); prints <c>clock: H h</c> when it got there. The end of the input lets it run freely.</summary>
    public static DemoClock FromInput(HistoricalScheduler scheduler, IMessageBus bus, TimeProvider time, TextWriter stdout, TextReader stdin)
    {
        var clock = new DemoClock(scheduler, bus, time, stdout, 0);
        _ = Task.Run(async () =>
        {
            while (await stdin.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                string text = line.Trim();
                if (text.StartsWith("advance", StringComparison.OrdinalIgnoreCase))
                {
                    text = text["advance".Length..].Trim();
                }

                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double hours) && hours >= 0 && double.IsFinite(hours))
                {
                    clock._work.Writer.TryWrite(new Advance(hours));
                }
                else if (text.Length > 0)
                {
                    clock._work.Writer.TryWrite(new Advance(double.NaN, $"demo: '{line}' is not a number of hours; ignored"));
                }
            }

            clock._work.Writer.TryWrite(new Advance(double.PositiveInfinity));
        });
        return clock;
    }

    /// <summary>Queues a message to publish on the clock's thread (the dashboard's commands); completes once published.</summary>
    public Task PublishAsync(MqttMessage message)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Writer.TryWrite(new Publish(message, done));
        return done.Task;
    }

    /// <summary>Advances the virtual time by <paramref name="span"/>, at the clock's pace.</summary>
    public async Task AdvanceByAsync(TimeSpan span, CancellationToken cancellationToken)
    {
        var target = _scheduler.Now + span;
        if (double.IsPositiveInfinity(_hoursPerSecond))
        {
            Drain();
            _scheduler.AdvanceTo(target);
            return;
        }

        while (_scheduler.Now < target)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Stepped)
            {
                while (_granted <= _scheduler.Now && !_endOfInput)
                {
                    await WaitForWorkAsync(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
                }

                var next = _endOfInput || _granted > target ? target : _granted;
                _scheduler.AdvanceTo(next);
                if (next == _granted)
                {
                    _stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"clock: {(_scheduler.Now - _epoch).TotalHours:0.###} h"));
                    _stdout.Flush();
                }
            }
            else
            {
                var step = _scheduler.Now + TimeSpan.FromHours(PacedStepHours);
                _scheduler.AdvanceTo(step < target ? step : target);
                await WaitForWorkAsync(TimeSpan.FromSeconds(PacedStepHours / _hoursPerSecond), cancellationToken).ConfigureAwait(false);
            }

            Drain();
        }
    }

    /// <summary>After the last batch: keeps publishing the dashboard's commands until the input ends (stepped) or
    /// <paramref name="cancellationToken"/> fires (paced: Ctrl+C).</summary>
    public async Task IdleAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!(Stepped && _endOfInput))
            {
                await WaitForWorkAsync(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
                Drain();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Waits until work is queued (and takes it: granted hours, or commands) or <paramref name="timeout"/> passes.</summary>
    private async Task WaitForWorkAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var step = timeout == Timeout.InfiniteTimeSpan ? null : new CancellationTokenSource(timeout, _time);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, step?.Token ?? CancellationToken.None);

        try
        {
            await _work.Reader.WaitToReadAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return; // the step's time is up
        }

        Drain();
    }

    private void Drain()
    {
        while (_work.Reader.TryRead(out var work))
        {
            switch (work)
            {
                case Advance { Hours: var h, Note: { } note } when double.IsNaN(h):
                    _stdout.WriteLine(note);
                    break;
                case Advance { Hours: var h } when double.IsPositiveInfinity(h):
                    _endOfInput = true;
                    break;
                case Advance { Hours: var h }:
                    _granted = (_granted > _scheduler.Now ? _granted : _scheduler.Now) + TimeSpan.FromHours(h);
                    break;
                case Publish p:
                    try
                    {
                        _bus.PublishAsync(p.Message).GetAwaiter().GetResult();
                        p.Done.TrySetResult();
                    }
                    catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
                    {
                        p.Done.TrySetException(ex);
                    }

                    break;
            }
        }
    }

    private abstract record Work;

    private sealed record Advance(double Hours, string? Note = null) : Work;

    private sealed record Publish(MqttMessage Message, TaskCompletionSource Done) : Work;
}
