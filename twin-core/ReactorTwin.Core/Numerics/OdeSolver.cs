namespace ReactorTwin.Core.Numerics;

/// <summary>
/// Adaptive ODE integrator with automatic stiffness detection (ADR 0011): the explicit Dormand–Prince 5(4) for
/// non-stiff stretches and the L-stable, stiffly accurate ESDIRK4(3)6L[2]SA of Kennedy &amp; Carpenter (2003) for
/// stiff ones, switching between them as LSODA does. Both are embedded pairs with local error control on the RMS
/// norm of e_i / (atol + rtol·max(|y_i|, |ŷ_i|)) ≤ 1 and continuous extensions (Dormand–Prince: Shampine's 4th-order
/// interpolant; ESDIRK: Kennedy &amp; Carpenter's 3rd-order one), so intermediate output times are interpolated and
/// only the last one ends a step.
/// <para><b>Switching</b> (<see cref="OdeMethod.Auto"/>): after each accepted explicit step Hairer's estimate
/// h|λ| ≈ h‖k₇ − k₆‖/‖y₇ − y₆‖ of the dominant eigenvalue (error-weighted norms) is compared with 2, about 60 % of
/// Dormand–Prince's stability boundary 3.3: accuracy-limited steps keep it well below 1, stability-limited ones
/// settle just under 3.3. After <see cref="OdeOptions.StiffSteps"/> such steps (counted as in Hairer's DOPRI5: six
/// non-stiff ones in a row reset the count) the implicit method takes over. Before each implicit step h·ρ(∂f/∂y)
/// is computed (power iteration on the Jacobian, or the system's own estimate); after
/// <see cref="OdeOptions.NonStiffSteps"/> consecutive steps with h·ρ ≤ 1 the explicit method takes over again.
/// Systems without a Jacobian (<see cref="IOdeJacobian"/>) or stage solver (<see cref="IImplicitStageSystem"/>) stay
/// explicit.</para>
/// <para><b>Non-negative components</b> (<see cref="IOdeSystem.NonNegativeComponents"/>): an accepted step that takes
/// one of them from ≥ 0 to below −(atol + rtol·|y_i|) is rejected and retried with a step shortened towards the zero
/// crossing; a value within that band below zero (integration error, not dynamics) is set to zero and f is
/// re-evaluated there; interpolated outputs are clipped at zero likewise. A component that is already negative at
/// the start of a step (a caller's choice, e.g. a Kalman-updated mean) is left alone.</para>
/// <para>All workspaces live in this instance: after the first solve with a given system type nothing is allocated.
/// Not thread-safe; use one instance per thread.</para>
/// </summary>
public sealed partial class OdeSolver
{
    // Dormand–Prince is stable for h|λ| up to about 3.3 on the negative real axis. An accuracy-limited step keeps
    // h|λ| of the active modes well below 1 (the error of R(z) − e^z grows like z⁶), so h|λ| > 2 means a decayed
    // mode limits the step (stiffness); the implicit method hands back only when h·ρ ≤ 1 (hysteresis, no ping-pong).
    private const double EnterImplicit = 2.0, LeaveImplicit = 1.0;

    private readonly OdeOptions _options;
    private readonly int _errorComponents;

    // Swapped (not copied) after each accepted step: y ← ŷ and, by FSAL, k₁ ← f(ŷ).
    private double[] _y, _yNew;
    private readonly double[][] _k;
    private readonly double[] _yStage;

    // Floors of the error scales (IOdeErrorScale), refreshed at every step start; zero for other systems.
    private readonly double[] _scaleFloor;
    private OdeMethod _lastMethod = OdeMethod.Explicit;
    private double _lastStep;

    /// <summary>Creates a solver for systems of the given dimension.</summary>
    /// <param name="dimension">Number of ODE components, ≥ 1.</param>
    /// <param name="options">Tolerances, limits and method; null for the defaults.</param>
    public OdeSolver(int dimension, OdeOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        _options = options ?? new OdeOptions();
        _options.Validate();
        Dimension = dimension;
        _errorComponents = _options.ErrorControlComponents is int ec && ec > 0 ? Math.Min(ec, dimension) : dimension;
        _y = new double[dimension];
        _yNew = new double[dimension];
        _yStage = new double[dimension];
        _k = new double[7][];
        for (int i = 0; i < _k.Length; i++)
        {
            _k[i] = new double[dimension];
        }

        _v = new double[dimension];
        _delta = new double[dimension];
        _scaleFloor = new double[dimension];
    }

    /// <summary>Dimension this solver was made for.</summary>
    public int Dimension { get; }

    /// <summary>The options in force.</summary>
    public OdeOptions Options => _options;

    /// <summary>
    /// Integrates from (<paramref name="t0"/>, <paramref name="y0"/>) and writes y(t_j) for every output time into
    /// row j of <paramref name="output"/> (row-major, times × dimension). Output times before the last are
    /// interpolated by the continuous extension of the step that contains them; the last one ends the integration.
    /// </summary>
    /// <param name="system">The right-hand side (and, for the implicit method, its Jacobian or stage solver).</param>
    /// <param name="t0">Initial time.</param>
    /// <param name="y0">Initial state (length <see cref="Dimension"/>).</param>
    /// <param name="outputTimes">Non-decreasing times ≥ t0.</param>
    /// <param name="output">Receives outputTimes.Length × Dimension values. Rows past a failure are NaN.</param>
    /// <param name="resume">
    /// True to start with the step size and method the previous solve of this instance ended with: for a solve that
    /// continues the previous one after a jump of the state (a Kalman update, an event, a new input segment).
    /// False (default), or on the first solve, chooses them afresh.
    /// </param>
    /// <returns>Exit condition and work counters; check <see cref="OdeSolveResult.Succeeded"/>.</returns>
    /// <exception cref="ArgumentException">Bad shapes or times, or <see cref="OdeMethod.Implicit"/> for a system that supplies neither a Jacobian nor a stage solver.</exception>
    public OdeSolveResult Solve<TSystem>(TSystem system, double t0, ReadOnlySpan<double> y0, ReadOnlySpan<double> outputTimes, Span<double> output, bool resume = false)
        where TSystem : IOdeSystem
    {
        int n = CheckArguments(system, t0, y0, outputTimes, output);
        y0.CopyTo(_y);
        var counters = default(Counters);
        _newtonRate = 1.0;
        double t = t0;
        int outIndex = 0;
        while (outIndex < outputTimes.Length && outputTimes[outIndex] <= t)
        {
            _y.AsSpan().CopyTo(output.Slice(outIndex * n, n));
            outIndex++;
        }

        if (outIndex == outputTimes.Length)
        {
            return counters.Result(OdeExitCondition.Converged, t, _lastMethod) with { OutputsWritten = outIndex };
        }

        var stage = ImplicitSupport(system);
        var method = _options.Method == OdeMethod.Implicit ? OdeMethod.Implicit : OdeMethod.Explicit;
        double h = 0;
        if (resume && _lastStep > 0)
        {
            h = _lastStep;
            method = _options.Method == OdeMethod.Auto && stage != StageKind.None ? _lastMethod : method;
        }

        double[] k1 = _k[0];
        system.Evaluate(t, _y, k1);
        counters.Evaluations++;
        if (!AllFinite(k1))
        {
            return Fail(OdeExitCondition.NonFiniteState, output, outIndex, n, ref counters, t, method);
        }

        var roots = BeginRoots(system, t);
        double tEnd = outputTimes[^1];
        if (h == 0)
        {
            h = _options.InitialStep > 0 ? _options.InitialStep : InitialStep(system, t, tEnd - t, ref counters);
        }

        h = Math.Min(h, _options.MaxStep);
        int nonNegative = _options.EnforceNonNegativity ? Math.Min(system.NonNegativeComponents, n) : 0;
        bool autoSwitch = _options.Method == OdeMethod.Auto && stage != StageKind.None;
        var errorScale = system as IOdeErrorScale;
        if (errorScale is null)
        {
            Array.Clear(_scaleFloor);
        }

        bool lastRejected = false, newPoint = true, newFloor = true;
        int stiffCount = 0, calmCount = 0, nonStiffCount = 0;
        while (true)
        {
            double hTry = h;
            bool hits = false;
            if (t + hTry >= tEnd || (tEnd - t - hTry) < 1e-10 * Math.Abs(tEnd))
            {
                hTry = tEnd - t;
                hits = true;
            }

            if (counters.Accepted + counters.Rejected >= _options.MaxSteps)
            {
                return Fail(OdeExitCondition.MaxStepsExceeded, output, outIndex, n, ref counters, t, method);
            }

            if (hTry <= Math.Abs(t) * 1e-14 || hTry < double.Epsilon * 16)
            {
                return Fail(OdeExitCondition.StepSizeTooSmall, output, outIndex, n, ref counters, t, method);
            }

            if (newFloor && errorScale is not null)
            {
                errorScale.ErrorScaleFloor(_y, _scaleFloor);
            }

            newFloor = false;
            double err;
            if (method == OdeMethod.Implicit)
            {
                if (newPoint)
                {
                    double rho = BeginImplicitPoint(system, stage, t, ref counters);
                    newPoint = false;
                    if (autoSwitch && hTry * rho <= LeaveImplicit)
                    {
                        if (++nonStiffCount >= _options.NonStiffSteps)
                        {
                            // Leave the stiff method; k₁ from the implicit stages is f(y) only to the Newton
                            // tolerance, the explicit method needs it exact (FSAL).
                            method = OdeMethod.Explicit;
                            counters.Switches++;
                            nonStiffCount = 0;
                            stiffCount = 0;
                            system.Evaluate(t, _y, k1);
                            counters.Evaluations++;
                            continue;
                        }
                    }
                    else
                    {
                        nonStiffCount = 0;
                    }
                }

                err = ImplicitStep(system, stage, t, hTry, n, ref counters);
                if (double.IsNaN(err))
                {
                    // Newton failure: retry from the same point with a quarter of the step.
                    counters.Rejected++;
                    h = hTry * 0.25;
                    lastRejected = true;
                    continue;
                }
            }
            else
            {
                err = ExplicitStep(system, t, hTry, n);
                counters.Evaluations += 6;
            }

            if (!double.IsFinite(err))
            {
                // A non-finite trial is treated as a large error: retry with a much smaller step.
                counters.Rejected++;
                h = hTry * 0.1;
                lastRejected = true;
                if (h < 1e-14 * Math.Max(1.0, Math.Abs(t)))
                {
                    return Fail(OdeExitCondition.NonFiniteState, output, outIndex, n, ref counters, t, method);
                }

                continue;
            }

            if (err > 1.0)
            {
                counters.Rejected++;
                h = hTry / Math.Min(5.0, Math.Max(ControllerFactor(err, method), 1.0 / 0.9));
                lastRejected = true;
                continue;
            }

            double shrink = NonNegativityShrink(nonNegative, out bool clipped);
            if (shrink < 1.0)
            {
                counters.Rejected++;
                h = hTry * shrink;
                lastRejected = true;
                continue;
            }

            // Accepted.
            counters.Accepted++;
            if (method == OdeMethod.Implicit)
            {
                counters.ImplicitSteps++;
            }

            _observer?.Accepted(method, t, hTry, _y, _k, clipped);
            double tNew = hits ? tEnd : t + hTry;
            if (roots is not null && FindRoot(roots, method, t, hTry, tNew, out double tRoot, out int root))
            {
                return StopAtRoot(method, t, hTry, tRoot, root, outputTimes, output, ref outIndex, nonNegative, ref counters);
            }

            while (outIndex < outputTimes.Length && outputTimes[outIndex] <= tNew)
            {
                var row = output.Slice(outIndex * n, n);
                double tau = outputTimes[outIndex];
                if (tau == tNew)
                {
                    _yNew.AsSpan().CopyTo(row);
                }
                else
                {
                    Interpolate(method, (tau - t) / hTry, hTry, row);
                    ClipNegative(row, _y, nonNegative);
                }

                outIndex++;
            }

            bool stiffNow = autoSwitch && method == OdeMethod.Explicit && StiffnessEstimate() > EnterImplicit;
            t = tNew;
            (_y, _yNew) = (_yNew, _y);
            AdvanceFirstStage(method);
            if (clipped)
            {
                system.Evaluate(t, _y, _k[0]);
                counters.Evaluations++;
            }

            k1 = _k[0];
            newPoint = true;
            newFloor = true;
            double hNew = hTry / Math.Clamp(ControllerFactor(err, method), method == OdeMethod.Implicit ? 0.2 : 0.1, 5.0);
            if (lastRejected)
            {
                hNew = Math.Min(hNew, hTry);
            }

            lastRejected = false;

            // Keep the step the controller wants unless we shortened it only to land on the end.
            h = Math.Min(hits ? Math.Max(hNew, h) : hNew, _options.MaxStep);
            if (autoSwitch && method == OdeMethod.Explicit)
            {
                // Hairer's counting (DOPRI5): a stiff verdict counts up; six non-stiff ones in a row reset the count.
                if (stiffNow)
                {
                    stiffCount++;
                    calmCount = 0;
                }
                else if (++calmCount >= 6)
                {
                    stiffCount = 0;
                }

                if (stiffCount >= _options.StiffSteps)
                {
                    method = OdeMethod.Implicit;
                    counters.Switches++;
                    stiffCount = 0;
                    nonStiffCount = 0;
                }
            }

            if (outIndex == outputTimes.Length)
            {
                _lastStep = h;
                _lastMethod = method;
                return counters.Result(OdeExitCondition.Converged, t, method) with { OutputsWritten = outIndex };
            }
        }
    }

    /// <summary>
    /// Integrates with a fixed step (no error control) and returns y at <paramref name="t0"/> + steps·h in
    /// <paramref name="result"/>, with <see cref="OdeMethod.Explicit"/> or <see cref="OdeMethod.Implicit"/>. Used to
    /// measure the convergence order; production code uses <see cref="Solve"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">A Newton iteration of the implicit method failed.</exception>
    public void SolveFixedStep<TSystem>(TSystem system, double t0, ReadOnlySpan<double> y0, double step, int steps, Span<double> result, OdeMethod method = OdeMethod.Explicit)
        where TSystem : IOdeSystem
    {
        ArgumentNullException.ThrowIfNull(system);
        if (y0.Length != Dimension || result.Length != Dimension)
        {
            throw new ArgumentException($"y0 and result must have length {Dimension}");
        }

        var stage = ImplicitSupport(system);
        if (method == OdeMethod.Implicit && stage == StageKind.None)
        {
            throw new ArgumentException("the implicit method needs a system with a Jacobian or a stage solver", nameof(system));
        }

        var counters = default(Counters);
        y0.CopyTo(_y);
        double t = t0;
        system.Evaluate(t, _y, _k[0]);
        for (int s = 0; s < steps; s++)
        {
            if (method == OdeMethod.Implicit)
            {
                BeginImplicitPoint(system, stage, t, ref counters);
                if (double.IsNaN(ImplicitStep(system, stage, t, step, Dimension, ref counters)))
                {
                    throw new InvalidOperationException($"the Newton iteration failed at t = {t:G6}");
                }
            }
            else
            {
                ExplicitStep(system, t, step, Dimension);
            }

            t = t0 + ((s + 1) * step);
            (_y, _yNew) = (_yNew, _y);
            AdvanceFirstStage(method == OdeMethod.Implicit ? OdeMethod.Implicit : OdeMethod.Explicit);
        }

        _y.AsSpan().CopyTo(result);
    }
}
