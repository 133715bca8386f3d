using ReactorTwin.Core.Estimation;
using ReactorTwin.Runtime.Twin;

namespace ReactorTwin.Runtime.Pipeline;

/// <summary>
/// Runs the twin's refits under their time budget: inline (<see cref="RunNow"/>), or in the background one at a time in
/// batch order, each warm-started where the previous one ended, delivering <see cref="RefitDone"/> to the inbox.
/// <see cref="Cancel"/> stops a running refit at its next evaluation (its outcome is then not applied).
/// </summary>
internal sealed class RefitRunner(bool background, TimeProvider time, Action<InboxItem> deliver) : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private Task _chain = Task.CompletedTask;
    private double[]? _warm;

    /// <summary>Whether refits run in the background.</summary>
    public bool Background => background;

    /// <summary>Whether a background refit is queued or running.</summary>
    public bool Busy
    {
        get
        {
            lock (_gate)
            {
                return !_chain.IsCompleted;
            }
        }
    }

    /// <summary>Runs a refit now, on the calling thread.</summary>
    public StreamingRefitOutcome RunNow(RefitRequest request) => Run(request, request.WarmStart);

    /// <summary>Queues a refit behind the running one; its outcome is delivered as <see cref="RefitDone"/>.</summary>
    public void Enqueue(RefitRequest request, long boundarySeq)
    {
        lock (_gate)
        {
            _chain = _chain.ContinueWith(
                _ =>
                {
                    StreamingRefitOutcome outcome;
                    try
                    {
                        outcome = Run(request, _warm ?? request.WarmStart);
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException)
                    {
                        // Nothing may escape a background task unseen: the twin keeps its estimate and says why.
                        outcome = request.Refit.Failed(_warm ?? request.WarmStart, $"refit failed: {ex.GetType().Name}: {ex.Message}");
                    }

                    if (!_stop.IsCancellationRequested)
                    {
                        deliver(new RefitDone(request, outcome, boundarySeq));
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.LongRunning,
                TaskScheduler.Default);
        }
    }

    /// <summary>Waits until the queued refits have ended (or were dropped).</summary>
    /// <returns>False if <paramref name="timeout"/> passed first.</returns>
    public bool WaitForIdle(TimeSpan timeout)
    {
        Task chain;
        lock (_gate)
        {
            chain = _chain;
        }

        return chain.Wait(timeout);
    }

    /// <summary>Cancels the running and queued refits; none is delivered after this.</summary>
    public void Cancel() => _stop.Cancel();

    /// <summary>Cancels, waits up to 10 s for the running refit to stop, and releases the cancellation source (unless the
    /// refit is still running, which then keeps it).</summary>
    public void Dispose()
    {
        Cancel();
        if (WaitForIdle(TimeSpan.FromSeconds(10)))
        {
            _stop.Dispose();
        }
    }

    private StreamingRefitOutcome Run(RefitRequest request, double[] warmStart)
    {
        var outcome = request.Refit.Run(warmStart, computeCovariance: true, time, _stop.Token);
        if (outcome.Failure is null)
        {
            var theta = (double[])warmStart.Clone();
            request.Refit.ToNatural(outcome.Estimate, theta);
            _warm = theta;
        }

        return outcome;
    }
}
