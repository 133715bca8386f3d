using ReactorTwin.Core.Estimation;

namespace ReactorTwin.Core.Tests.Estimation;

/// <summary>Objectives and clocks shared by the estimation tests.</summary>
internal static class TestDensities
{
    /// <summary>log π(u) = −(1 − x)² − 100 (y − x²)², the banana whose valley a quasi-Newton method needs ~40
    /// iterations to follow; records the best value evaluated.</summary>
    public sealed class Rosenbrock : ILogDensity
    {
        public int Dimension => 2;

        public int Evaluations { get; private set; }

        public double BestSeen { get; private set; } = double.NegativeInfinity;

        public (int After, CancellationTokenSource Source)? CancelAfter { get; init; }

        public double Evaluate(ReadOnlySpan<double> u, Span<double> gradient)
        {
            Evaluations++;
            if (CancelAfter is { } c && Evaluations == c.After)
            {
                c.Source.Cancel();
            }

            double x = u[0], y = u[1];
            gradient[0] = (2 * (1 - x)) + (400 * x * (y - (x * x)));
            gradient[1] = -200 * (y - (x * x));
            double f = -((1 - x) * (1 - x)) - (100 * (y - (x * x)) * (y - (x * x)));
            BestSeen = Math.Max(BestSeen, f);
            return f;
        }
    }

    public sealed class SteppingClock(TimeSpan step) : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Add(ref _ticks, step.Ticks);
    }
}
