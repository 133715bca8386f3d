using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ReactorTwin.Core.Numerics;

/// <summary>
/// Explicit Runge–Kutta 5(4) of Dormand and Prince (1980) with local extrapolation (the 5th-order solution is
/// propagated), FSAL, and the elementary step-size controller (Hairer, Nørsett &amp; Wanner, Solving ODEs I, II.4 and IV.2).
/// The error of a step is the RMS norm of e_i / (atol + rtol·max(|y_i|, |ŷ_i|)); a step is accepted when it is ≤ 1.
/// Output times are hit exactly (the step is shortened to land on them), so no interpolation error is added.
/// <para>All stage vectors live in this instance: after construction a solve allocates nothing. An instance is
/// not thread-safe; use one per thread.</para>
/// </summary>
public sealed class DormandPrince45
{
    // Butcher tableau (Dormand & Prince 1980).
    private const double C2 = 1.0 / 5, C3 = 3.0 / 10, C4 = 4.0 / 5, C5 = 8.0 / 9;
    private const double A21 = 1.0 / 5;
    private const double A31 = 3.0 / 40, A32 = 9.0 / 40;
    private const double A41 = 44.0 / 45, A42 = -56.0 / 15, A43 = 32.0 / 9;
    private const double A51 = 19372.0 / 6561, A52 = -25360.0 / 2187, A53 = 64448.0 / 6561, A54 = -212.0 / 729;
    private const double A61 = 9017.0 / 3168, A62 = -355.0 / 33, A63 = 46732.0 / 5247, A64 = 49.0 / 176, A65 = -5103.0 / 18656;
    private const double A71 = 35.0 / 384, A73 = 500.0 / 1113, A74 = 125.0 / 192, A75 = -2187.0 / 6784, A76 = 11.0 / 84;

    // Error coefficients: 5th-order weights minus 4th-order weights.
    private const double E1 = 71.0 / 57600, E3 = -71.0 / 16695, E4 = 71.0 / 1920, E5 = -17253.0 / 339200, E6 = 22.0 / 525, E7 = -1.0 / 40;

    private readonly double[] _yStage, _k2, _k3, _k4, _k5, _k6;

    // Swapped (not copied) after each accepted step: y ← ŷ and, by FSAL, k1 ← k7.
    private double[] _y, _yNew, _k1, _k7;
    private readonly DormandPrinceOptions _options;
    private readonly int _errorComponents;

    /// <summary>Creates a solver for systems of the given dimension.</summary>
    /// <param name="dimension">Number of ODE components, ≥ 1.</param>
    /// <param name="options">Tolerances and limits; null for the defaults.</param>
    public DormandPrince45(int dimension, DormandPrinceOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        _options = options ?? new DormandPrinceOptions();
        _options.Validate();
        Dimension = dimension;
        _errorComponents = _options.ErrorControlComponents is int ec && ec > 0 ? Math.Min(ec, dimension) : dimension;
        _y = new double[dimension];
        _yNew = new double[dimension];
        _yStage = new double[dimension];
        _k1 = new double[dimension];
        _k2 = new double[dimension];
        _k3 = new double[dimension];
        _k4 = new double[dimension];
        _k5 = new double[dimension];
        _k6 = new double[dimension];
        _k7 = new double[dimension];
    }

    /// <summary>Dimension this solver was made for.</summary>
    public int Dimension { get; }

    /// <summary>The options in force.</summary>
    public DormandPrinceOptions Options => _options;

    /// <summary>
    /// Integrates from (<paramref name="t0"/>, <paramref name="y0"/>) and writes y(t_j) for every output time
    /// into row j of <paramref name="output"/> (row-major, times × dimension).
    /// </summary>
    /// <param name="system">The right-hand side.</param>
    /// <param name="t0">Initial time.</param>
    /// <param name="y0">Initial state (length <see cref="Dimension"/>).</param>
    /// <param name="outputTimes">Non-decreasing times ≥ t0.</param>
    /// <param name="output">Receives outputTimes.Length × Dimension values. Rows past a failure are NaN.</param>
    /// <returns>Exit condition and work counters; check <see cref="OdeSolveResult.Succeeded"/>.</returns>
    public OdeSolveResult Solve<TSystem>(TSystem system, double t0, ReadOnlySpan<double> y0, ReadOnlySpan<double> outputTimes, Span<double> output)
        where TSystem : IOdeSystem
    {
        int n = CheckArguments(system, t0, y0, outputTimes, output);
        y0.CopyTo(_y);
        double rtol = _options.RelativeTolerance, atol = _options.AbsoluteTolerance;
        double t = t0;
        int accepted = 0, rejected = 0, evaluations = 0;
        int outIndex = 0;

        while (outIndex < outputTimes.Length && outputTimes[outIndex] <= t)
        {
            _y.AsSpan().CopyTo(output.Slice(outIndex * n, n));
            outIndex++;
        }

        if (outIndex == outputTimes.Length)
        {
            return new OdeSolveResult(OdeExitCondition.Converged, 0, 0, 0, t);
        }

        system.Evaluate(t, _y, _k1);
        evaluations++;
        if (!AllFinite(_k1))
        {
            return Fail(OdeExitCondition.NonFiniteState, output, outIndex, n, accepted, rejected, evaluations, t);
        }

        double h = _options.InitialStep > 0
            ? _options.InitialStep
            : InitialStep(system, t, outputTimes[^1] - t, ref evaluations);
        h = Math.Min(h, _options.MaxStep);
        bool lastRejected = false;

        while (true)
        {
            double tOut = outputTimes[outIndex];
            double hTry = h;
            bool hits = false;
            if (t + hTry >= tOut || (tOut - t - hTry) < 1e-10 * Math.Abs(tOut))
            {
                hTry = tOut - t;
                hits = true;
            }

            if (accepted + rejected >= _options.MaxSteps)
            {
                return Fail(OdeExitCondition.MaxStepsExceeded, output, outIndex, n, accepted, rejected, evaluations, t);
            }

            if (hTry <= Math.Abs(t) * 1e-14 || hTry < double.Epsilon * 16)
            {
                return Fail(OdeExitCondition.StepSizeTooSmall, output, outIndex, n, accepted, rejected, evaluations, t);
            }

            double err = Step(system, t, hTry, n, rtol, atol);
            evaluations += 6;
            if (double.IsNaN(err) || double.IsInfinity(err))
            {
                // A non-finite trial is treated as a large error: retry with a much smaller step.
                rejected++;
                h = hTry * 0.1;
                lastRejected = true;
                if (h < 1e-14 * Math.Max(1.0, Math.Abs(t)))
                {
                    return Fail(OdeExitCondition.NonFiniteState, output, outIndex, n, accepted, rejected, evaluations, t);
                }

                continue;
            }

            // Elementary (I) controller h_new = h · 0.9 · err^(−1/5), factor clamped to [0.1, 5]: one Math.Pow per
            // step. (Hairer's PI variant with beta = 0.04 costs a second Pow per step for no fewer steps here.)
            double fac11 = Math.Pow(Math.Max(err, 1e-10), 0.2);
            if (err <= 1.0)
            {
                double fac = Math.Clamp(fac11 / 0.9, 0.2, 10.0);
                double hNew = hTry / fac;
                if (lastRejected)
                {
                    hNew = Math.Min(hNew, hTry);
                }

                accepted++;
                t = hits ? tOut : t + hTry;
                (_y, _yNew) = (_yNew, _y);
                (_k1, _k7) = (_k7, _k1); // FSAL
                lastRejected = false;

                // Keep the step the controller wants unless we shortened it only to land on an output time.
                h = Math.Min(hits ? Math.Max(hNew, h) : hNew, _options.MaxStep);
                if (hits)
                {
                    while (outIndex < outputTimes.Length && outputTimes[outIndex] <= t)
                    {
                        _y.AsSpan().CopyTo(output.Slice(outIndex * n, n));
                        outIndex++;
                    }

                    if (outIndex == outputTimes.Length)
                    {
                        return new OdeSolveResult(OdeExitCondition.Converged, accepted, rejected, evaluations, t);
                    }
                }
            }
            else
            {
                rejected++;
                h = hTry / Math.Min(5.0, fac11 / 0.9);
                lastRejected = true;
            }
        }
    }

    /// <summary>
    /// Integrates with a fixed step (no error control) and returns y at <paramref name="t0"/> + steps·h in
    /// <paramref name="result"/>. Used to measure the convergence order; production code uses <see cref="Solve"/>.
    /// </summary>
    public void SolveFixedStep<TSystem>(TSystem system, double t0, ReadOnlySpan<double> y0, double step, int steps, Span<double> result)
        where TSystem : IOdeSystem
    {
        ArgumentNullException.ThrowIfNull(system);
        if (y0.Length != Dimension || result.Length != Dimension)
        {
            throw new ArgumentException($"y0 and result must have length {Dimension}");
        }

        y0.CopyTo(_y);
        double t = t0;
        system.Evaluate(t, _y, _k1);
        for (int s = 0; s < steps; s++)
        {
            Step(system, t, step, Dimension, 1.0, 1.0);
            t = t0 + ((s + 1) * step);
            (_y, _yNew) = (_yNew, _y);
            (_k1, _k7) = (_k7, _k1);
        }

        _y.AsSpan().CopyTo(result);
    }

    /// <summary>One DP5(4) step from (t, _y) with _k1 = f(t, _y). Fills _yNew, _k7; returns the scaled error norm.</summary>
    /// <remarks>
    /// The stage loops index through <c>ref double</c> (all arrays have length n by construction), which removes
    /// the seven bounds checks per element that would otherwise dominate the cost for small systems.
    /// </remarks>
    private double Step<TSystem>(TSystem f, double t, double h, int n, double rtol, double atol)
        where TSystem : IOdeSystem
    {
        ref double y = ref MemoryMarshal.GetArrayDataReference(_y);
        ref double ys = ref MemoryMarshal.GetArrayDataReference(_yStage);
        ref double k1 = ref MemoryMarshal.GetArrayDataReference(_k1);
        ref double k2 = ref MemoryMarshal.GetArrayDataReference(_k2);
        ref double k3 = ref MemoryMarshal.GetArrayDataReference(_k3);
        ref double k4 = ref MemoryMarshal.GetArrayDataReference(_k4);
        ref double k5 = ref MemoryMarshal.GetArrayDataReference(_k5);
        ref double k6 = ref MemoryMarshal.GetArrayDataReference(_k6);
        ref double k7 = ref MemoryMarshal.GetArrayDataReference(_k7);
        ref double yn = ref MemoryMarshal.GetArrayDataReference(_yNew);
        for (int i = 0; i < n; i++)
        {
            Unsafe.Add(ref ys, i) = Unsafe.Add(ref y, i) + (h * A21 * Unsafe.Add(ref k1, i));
        }

        f.Evaluate(t + (C2 * h), _yStage, _k2);
        for (int i = 0; i < n; i++)
        {
            Unsafe.Add(ref ys, i) = Unsafe.Add(ref y, i) + (h * ((A31 * Unsafe.Add(ref k1, i)) + (A32 * Unsafe.Add(ref k2, i))));
        }

        f.Evaluate(t + (C3 * h), _yStage, _k3);
        for (int i = 0; i < n; i++)
        {
            Unsafe.Add(ref ys, i) = Unsafe.Add(ref y, i) + (h * ((A41 * Unsafe.Add(ref k1, i)) + (A42 * Unsafe.Add(ref k2, i)) + (A43 * Unsafe.Add(ref k3, i))));
        }

        f.Evaluate(t + (C4 * h), _yStage, _k4);
        for (int i = 0; i < n; i++)
        {
            Unsafe.Add(ref ys, i) = Unsafe.Add(ref y, i) + (h * ((A51 * Unsafe.Add(ref k1, i)) + (A52 * Unsafe.Add(ref k2, i)) + (A53 * Unsafe.Add(ref k3, i)) + (A54 * Unsafe.Add(ref k4, i))));
        }

        f.Evaluate(t + (C5 * h), _yStage, _k5);
        for (int i = 0; i < n; i++)
        {
            Unsafe.Add(ref ys, i) = Unsafe.Add(ref y, i) + (h * ((A61 * Unsafe.Add(ref k1, i)) + (A62 * Unsafe.Add(ref k2, i)) + (A63 * Unsafe.Add(ref k3, i)) + (A64 * Unsafe.Add(ref k4, i)) + (A65 * Unsafe.Add(ref k5, i))));
        }

        f.Evaluate(t + h, _yStage, _k6);
        for (int i = 0; i < n; i++)
        {
            Unsafe.Add(ref yn, i) = Unsafe.Add(ref y, i) + (h * ((A71 * Unsafe.Add(ref k1, i)) + (A73 * Unsafe.Add(ref k3, i)) + (A74 * Unsafe.Add(ref k4, i)) + (A75 * Unsafe.Add(ref k5, i)) + (A76 * Unsafe.Add(ref k6, i))));
        }

        f.Evaluate(t + h, _yNew, _k7);
        double sum = 0;
        int nErr = _errorComponents;
        for (int i = 0; i < nErr; i++)
        {
            double e = h * ((E1 * Unsafe.Add(ref k1, i)) + (E3 * Unsafe.Add(ref k3, i)) + (E4 * Unsafe.Add(ref k4, i)) + (E5 * Unsafe.Add(ref k5, i)) + (E6 * Unsafe.Add(ref k6, i)) + (E7 * Unsafe.Add(ref k7, i)));
            double sc = atol + (rtol * Math.Max(Math.Abs(Unsafe.Add(ref y, i)), Math.Abs(Unsafe.Add(ref yn, i))));
            double r = e / sc;
            sum += r * r;
        }

        return Math.Sqrt(sum / nErr);
    }

    private double InitialStep<TSystem>(TSystem f, double t, double span, ref int evaluations)
        where TSystem : IOdeSystem
    {
        int n = Dimension;
        double rtol = _options.RelativeTolerance, atol = _options.AbsoluteTolerance;
        double d0 = 0, d1 = 0;
        for (int i = 0; i < n; i++)
        {
            double sc = atol + (rtol * Math.Abs(_y[i]));
            d0 += (_y[i] / sc) * (_y[i] / sc);
            d1 += (_k1[i] / sc) * (_k1[i] / sc);
        }

        d0 = Math.Sqrt(d0 / n);
        d1 = Math.Sqrt(d1 / n);
        double h0 = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
        h0 = Math.Min(h0, span);
        for (int i = 0; i < n; i++)
        {
            _yStage[i] = _y[i] + (h0 * _k1[i]);
        }

        f.Evaluate(t + h0, _yStage, _k2);
        evaluations++;
        double d2 = 0;
        for (int i = 0; i < n; i++)
        {
            double sc = atol + (rtol * Math.Abs(_y[i]));
            double r = (_k2[i] - _k1[i]) / sc;
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

        return n;
    }

    private static OdeSolveResult Fail(OdeExitCondition exit, Span<double> output, int outIndex, int n, int accepted, int rejected, int evaluations, double t)
    {
        output[(outIndex * n)..].Fill(double.NaN); // rows not reached (the caller sized output ≥ times × n)
        return new OdeSolveResult(exit, accepted, rejected, evaluations, t);
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
}
