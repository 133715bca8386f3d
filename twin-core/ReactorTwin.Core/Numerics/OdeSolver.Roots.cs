namespace ReactorTwin.Core.Numerics;

/// <summary>
/// Root location for <see cref="IOdeRootSystem"/> (event triggers): after each accepted step the root functions are
/// evaluated at its end; one that was below zero at the start and is ≥ 0 at the end has crossed, and its crossing is
/// found on the step's continuous extension by the Illinois variant of regula falsi (superlinear, bracketing),
/// to a bracket [lo, hi] of width ≤ 1e−13·max(1, |t|). The solve stops at hi, on the side where the function is ≥ 0, so
/// that a restart from there does not find the same crossing again.
/// </summary>
public sealed partial class OdeSolver
{
    private double[] _gStart = [], _gEnd = [], _gTrial = [], _rootY = [];
    private bool[] _crossed = [];

    /// <summary>
    /// After a solve that stopped with <see cref="OdeExitCondition.RootFound"/>: per root function, whether it crossed at
    /// the stop (the reported root and any other that changed sign by the same time: simultaneous crossings).
    /// </summary>
    internal ReadOnlySpan<bool> RootsCrossed => _crossed;

    /// <summary>
    /// The state where the last solve stopped: at the last output time on success, at the root with
    /// <see cref="OdeExitCondition.RootFound"/>.
    /// </summary>
    public ReadOnlySpan<double> CurrentState => _y;

    /// <summary>Evaluates the root functions at the solve's start (none: returns null).</summary>
    private IOdeRootSystem? BeginRoots(IOdeSystem system, double t)
    {
        if (system is not IOdeRootSystem roots || roots.RootCount == 0)
        {
            return null;
        }

        int m = roots.RootCount;
        if (_gStart.Length != m)
        {
            _gStart = new double[m];
            _gEnd = new double[m];
            _gTrial = new double[m];
            _rootY = new double[Dimension];
            _crossed = new bool[m];
        }

        roots.Roots(t, _y, _gStart);
        return roots;
    }

    /// <summary>
    /// After the step [t, t + h] was accepted (before y is swapped): the earliest upward crossing in it, as the time
    /// <paramref name="tau"/> and the function <paramref name="root"/>; false (and the end values kept for the next
    /// step) when none crossed.
    /// </summary>
    private bool FindRoot(IOdeRootSystem roots, OdeMethod method, double t, double h, double tNew, out double tau, out int root)
    {
        roots.Roots(tNew, _yNew, _gEnd);
        tau = double.PositiveInfinity;
        root = -1;
        double best = 1.0;
        for (int j = 0; j < _gEnd.Length; j++)
        {
            if (!(_gStart[j] < 0 && _gEnd[j] >= 0))
            {
                continue;
            }

            double lo = 0, hi = 1, glo = _gStart[j], ghi = _gEnd[j];
            int side = 0;
            double width = 1e-13 * Math.Max(1.0, Math.Abs(tNew)) / h;
            for (int it = 0; it < 100 && hi - lo > width && lo < best; it++)
            {
                double theta = hi - (ghi * (hi - lo) / (ghi - glo));
                if (!(theta > lo && theta < hi))
                {
                    theta = 0.5 * (lo + hi);
                }

                double g = RootAt(roots, method, t, h, theta, j);
                if (g < 0)
                {
                    lo = theta;
                    glo = g;
                    if (side == -1)
                    {
                        ghi *= 0.5;
                    }

                    side = -1;
                }
                else
                {
                    hi = theta;
                    ghi = g;
                    if (side == 1)
                    {
                        glo *= 0.5;
                    }

                    side = 1;
                }
            }

            if (hi < best || root < 0)
            {
                best = hi;
                root = j;
            }
        }

        if (root < 0)
        {
            (_gStart, _gEnd) = (_gEnd, _gStart);
            return false;
        }

        tau = best >= 1.0 ? tNew : t + (best * h);
        if (best < 1.0)
        {
            Interpolate(method, best, h, _rootY);
        }
        else
        {
            _yNew.AsSpan().CopyTo(_rootY);
        }

        roots.Roots(tau, _rootY, _gTrial);
        for (int j = 0; j < _crossed.Length; j++)
        {
            _crossed[j] = j == root || (_gStart[j] < 0 && _gTrial[j] >= 0);
        }

        return true;
    }

    /// <summary>g_j at t + θh on the continuous extension of the step.</summary>
    private double RootAt(IOdeRootSystem roots, OdeMethod method, double t, double h, double theta, int j)
    {
        Interpolate(method, theta, h, _rootY);
        roots.Roots(t + (theta * h), _rootY, _gTrial);
        return _gTrial[j];
    }

    /// <summary>Writes the outputs before <paramref name="tau"/>, moves y to the root and ends the solve there.</summary>
    private OdeSolveResult StopAtRoot(OdeMethod method, double t, double h, double tau, int root, ReadOnlySpan<double> outputTimes, Span<double> output, ref int outIndex, int nonNegative, ref Counters counters)
    {
        int n = Dimension;
        while (outIndex < outputTimes.Length && outputTimes[outIndex] < tau)
        {
            var row = output.Slice(outIndex * n, n);
            Interpolate(method, (outputTimes[outIndex] - t) / h, h, row);
            ClipNegative(row, _y, nonNegative);
            outIndex++;
        }

        ClipNegative(_rootY, _y, nonNegative);
        _rootY.AsSpan().CopyTo(_y);
        _lastStep = h;
        _lastMethod = method;
        return counters.Result(OdeExitCondition.RootFound, tau, method) with { Root = root, OutputsWritten = outIndex };
    }
}
