using System.Globalization;
using ReactorTwin.Core.Estimation;

namespace ReactorTwin.Host.Cli;

/// <summary>
/// The progress of a long command on stderr: what runs, how far it is, and an estimate of the time left, printed once a
/// second (whether or not a report came in; on a terminal the line is rewritten, in a log one line per second) and once
/// more when disposed. Reports come from any thread; only the latest counts.
/// </summary>
internal sealed class ProgressLine : IProgress<EstimationProgress>, IDisposable
{
    private readonly TextWriter _stderr;
    private readonly TimeProvider _time;
    private readonly bool _rewrite;
    private readonly long _started;
    private readonly ITimer _timer;
    private readonly object _gate = new();
    private EstimationProgress? _latest;
    private int _lastLength;
    private bool _disposed;

    /// <summary>Starts printing.</summary>
    /// <param name="stderr">Where to print (a terminal's stderr is rewritten in place).</param>
    /// <param name="time">Clock of the elapsed time and of the once-a-second printing.</param>
    public ProgressLine(TextWriter stderr, TimeProvider time)
    {
        _stderr = stderr;
        _time = time;
        _rewrite = ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected;
        _started = time.GetTimestamp();
        _timer = time.CreateTimer(_ => Print(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <inheritdoc/>
    public void Report(EstimationProgress value)
    {
        lock (_gate)
        {
            _latest = value;
        }
    }

    /// <summary>The line for a report after <paramref name="elapsed"/>: "MLE: 3/8 starts, … · 12 s elapsed, about 20 s left".</summary>
    internal static string Format(EstimationProgress p, TimeSpan elapsed)
    {
        var inv = CultureInfo.InvariantCulture;
        string left = p.Done <= 0 ? "estimating the time left"
            : p.Done >= p.Total ? "done"
            : $"about {Duration(elapsed.TotalSeconds * (p.Total - p.Done) / p.Done)} left";
        string detail = string.IsNullOrEmpty(p.Detail) ? "" : $", {p.Detail}";
        return string.Create(inv, $"{p.Stage}: {p.Done}/{p.Total} {p.Unit}{detail} · {Duration(elapsed.TotalSeconds)} elapsed, {left}");
    }

    private static string Duration(double seconds) => seconds switch
    {
        < 100 => string.Create(CultureInfo.InvariantCulture, $"{seconds:F0} s"),
        < 6000 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 60:F1} min"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600:F1} h"),
    };

    private void Print()
    {
        lock (_gate)
        {
            if (_disposed || _latest is not { } p)
            {
                return;
            }

            string line = Format(p, _time.GetElapsedTime(_started));
            if (_rewrite)
            {
                _stderr.Write("\r" + line.PadRight(_lastLength));
                _lastLength = line.Length;
            }
            else
            {
                _stderr.WriteLine(line);
            }
        }
    }

    /// <summary>Prints the final state and stops.</summary>
    public void Dispose()
    {
        _timer.Dispose();
        Print();
        lock (_gate)
        {
            if (_rewrite && _latest is not null)
            {
                _stderr.WriteLine();
            }

            _disposed = true;
        }
    }
}
