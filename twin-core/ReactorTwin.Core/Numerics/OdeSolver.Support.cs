namespace ReactorTwin.Core.Numerics;

/// <summary>
/// The parts of <see cref="OdeSolver"/>'s step loop that both methods share: step-size controller, non-negativity
/// check, initial step, argument checks and failure reporting.
/// </summary>
public sealed partial class OdeSolver
{
    /// <summary>h_old/h_new before clamping: err^(1/(q+1))/0.9 with q the order of the embedded solution.</summary>
    private static double ControllerFactor(double err, OdeMethod method) =>
        method == OdeMethod.Implicit
            ? Math.Sqrt(Math.Sqrt(Math.Max(err, 1e-10))) / 0.9
            : Math.Pow(Math.Max(err, 1e-10), 0.2) / 0.9;

    /// <summary>
    /// Checks the non-negative components of ŷ that were non-negative at the step's start (a caller may start from a
    /// negative value, e.g. a Kalman-updated mean; that component is left alone): returns 1 when none is below
    /// −(atol + rtol·|y_i|), setting those within the band to 0 and reporting it in <paramref name="clipped"/>; else
    /// the factor to shorten the step by (to 90 % of the linearly interpolated zero crossing, at least 0.1).
    /// </summary>
    private double NonNegativityShrink(int count, out bool clipped)
    {
        clipped = false;
        double shrink = 1.0;
        double rtol = _options.RelativeTolerance, atol = _options.AbsoluteTolerance;
        for (int i = 0; i < count; i++)
        {
            double yi = _yNew[i], y0 = _y[i];
            if (yi >= 0 || y0 < 0 || -yi <= atol + (rtol * y0))
            {
                continue;
            }

            shrink = Math.Min(shrink, y0 > 0 ? Math.Max(0.1, 0.9 * y0 / (y0 - yi)) : 0.5);
        }

        if (shrink < 1.0)
        {
            return shrink;
        }

        for (int i = 0; i < count; i++)
        {
            if (_yNew[i] < 0 && _y[i] >= 0)
            {
                _yNew[i] = 0.0;
                clipped = true;
            }
        }

        return 1.0;
    }

    /// <summary>An interpolant between two non-negative step ends can dip below zero: such values are set to zero.</summary>
    private static void ClipNegative(Span<double> row, double[] start, int count)
    {
        for (int i = 0; i < count; i++)
        {
            if (row[i] < 0 && start[i] >= 0)
            {
                row[i] = 0.0;
            }
        }
    }

    private double InitialStep<TSystem>(TSystem f, double t, double span, ref Counters counters)
        where TSystem : IOdeSystem
    {
        int n = Dimension;
        double[] k1 = _k[0], k2 = _k[1];
        double rtol = _options.RelativeTolerance, atol = _options.AbsoluteTolerance;
        double d0 = 0, d1 = 0;
        for (int i = 0; i < n; i++)
        {
            double sc = atol + (rtol * Math.Abs(_y[i]));
            d0 += (_y[i] / sc) * (_y[i] / sc);
            d1 += (k1[i] / sc) * (k1[i] / sc);
        }

        d0 = Math.Sqrt(d0 / n);
        d1 = Math.Sqrt(d1 / n);
        double h0 = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
        h0 = Math.Min(h0, span);
        for (int i = 0; i < n; i++)
        {
            _yStage[i] = _y[i] + (h0 * k1[i]);
        }

        f.Evaluate(t + h0, _yStage, k2);
        counters.Evaluations++;
        double d2 = 0;
        for (int i = 0; i < n; i++)
        {
            double sc = atol + (rtol * Math.Abs(_y[i]));
            double r = (k2[i] - k1[i]) / sc;
            d2 += r * r;
        }

        d2 = Math.Sqrt(d2 / n) / h0;
        double dm = Math.Max(d1, d2);
        double h1 = dm <= 1e-15 ? Math.Max(1e-6, h0 * 1e-3) : Math.Pow(0.01 / dm, 0.2);
        double h = Math.Min(100 * h0, h1);
        return double.IsFinite(h) && h > 0 ? Math.Min(h, span) : Math.Min(1e-6, span);
    }

    private int CheckArguments(IOdeSystem system, double t0, ReadOnlySpan<double> y0, ReadOnlySpan<double> outputTimes, Span<double> output)
    {
        ArgumentNullException.ThrowIfNull(system);
        int n = Dimension;
        if (system.Dimension != n)
        {
            throw new ArgumentException($"the system has dimension {system.Dimension} but this solver was made for {n}", nameof(system));
        }

        if (y0.Length != n)
        {
            throw new ArgumentException($"y0 has length {y0.Length}, expected {n}", nameof(y0));
        }

        if (output.Length < outputTimes.Length * n)
        {
            throw new ArgumentException($"output needs {outputTimes.Length * n} values, has {output.Length}", nameof(output));
        }

        if (!double.IsFinite(t0))
        {
            throw new ArgumentOutOfRangeException(nameof(t0), t0, "must be finite");
        }

        double prev = t0;
        for (int j = 0; j < outputTimes.Length; j++)
        {
            if (!double.IsFinite(outputTimes[j]) || outputTimes[j] < prev)
            {
                throw new ArgumentException($"output times must be finite, ≥ t0 and non-decreasing; element {j} is {outputTimes[j]} after {prev}", nameof(outputTimes));
            }

            prev = outputTimes[j];
        }

        if (_options.Method == OdeMethod.Implicit && ImplicitSupport(system) == StageKind.None)
        {
            throw new ArgumentException($"the implicit method needs a system that implements {nameof(IOdeJacobian)} or {nameof(IImplicitStageSystem)}", nameof(system));
        }

        return n;
    }

    private OdeSolveResult Fail(OdeExitCondition exit, Span<double> output, int outIndex, int n, ref Counters counters, double t, OdeMethod method)
    {
        output[(outIndex * n)..].Fill(double.NaN); // rows not reached (the caller sized output ≥ times × n)
        _lastStep = 0;
        return counters.Result(exit, t, method) with { OutputsWritten = outIndex };
    }

    private static bool AllFinite(double[] v)
    {
        foreach (double x in v)
        {
            if (!double.IsFinite(x))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Work counters of one solve.</summary>
    private struct Counters
    {
        public int Accepted, Rejected, Evaluations, ImplicitSteps, Switches, Jacobians;

        public readonly OdeSolveResult Result(OdeExitCondition exit, double t, OdeMethod method) =>
            new(exit, Accepted, Rejected, Evaluations, t)
            {
                ImplicitSteps = ImplicitSteps,
                MethodSwitches = Switches,
                JacobianEvaluations = Jacobians,
                FinalMethod = method,
            };
    }
}
