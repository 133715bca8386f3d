using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Core.Tests;

public class DormandPrinceTests
{
    /// <summary>y' = y cos t, y(0) = 1: y = exp(sin t) (non-autonomous, so the stage times matter).</summary>
    private sealed class ExpSin : IOdeSystem
    {
        public int Dimension => 1;

        public static double Exact(double t) => Math.Exp(Math.Sin(t));

        public void Evaluate(double t, double[] y, double[] dydt) => dydt[0] = y[0] * Math.Cos(t);
    }

    /// <summary>y1' = y2, y2' = −ω² y1, y(0) = (1, 0): y = (cos ωt, −ω sin ωt), ω = 2.</summary>
    private sealed class Oscillator : IOdeSystem
    {
        public const double Omega = 2.0;

        public int Dimension => 2;

        public static double[] Exact(double t) => [Math.Cos(Omega * t), -Omega * Math.Sin(Omega * t)];

        public void Evaluate(double t, double[] y, double[] dydt)
        {
            dydt[0] = y[1];
            dydt[1] = -Omega * Omega * y[0];
        }
    }

    /// <summary>y' = y², y(0) = 1: y = 1/(1 − t), blows up at t = 1.</summary>
    private sealed class BlowUp : IOdeSystem
    {
        public int Dimension => 1;

        public void Evaluate(double t, double[] y, double[] dydt) => dydt[0] = y[0] * y[0];
    }

    /// <summary>Counts evaluations and checks that the solver fills every component.</summary>
    private sealed class Counting(IOdeSystem inner) : IOdeSystem
    {
        public int Calls { get; private set; }

        public int Dimension => inner.Dimension;

        public void Evaluate(double t, double[] y, double[] dydt)
        {
            Calls++;
            inner.Evaluate(t, y, dydt);
        }
    }

    private static double[] ObservedOrders(Func<int, double> errorWithSteps, int[] steps)
    {
        var e = steps.Select(errorWithSteps).ToArray();
        return Enumerable.Range(0, e.Length - 1).Select(i => Math.Log2(e[i] / e[i + 1])).ToArray();
    }

    [Fact]
    public void SolveFixedStep_ExpSin_ObservedOrderIsFive()
    {
        // The propagated solution is the 5th-order one, so halving h divides the global error by ~2^5.
        // Window [4.7, 5.4]: observed orders of a 5th-order method approach 5 from the pre-asymptotic side; the
        // step range (T/20 … T/160 on [0, 3], errors 1e-8 … 4e-13) is asymptotic yet far above rounding (~1e-15).
        var solver = new DormandPrince45(1);
        var result = new double[1];
        const double T = 3.0;
        var orders = ObservedOrders(
            n =>
            {
                solver.SolveFixedStep(new ExpSin(), 0.0, [1.0], T / n, n, result);
                return Math.Abs(result[0] - ExpSin.Exact(T));
            },
            [20, 40, 80, 160]);
        Assert.All(orders, p => Assert.InRange(p, 4.7, 5.4));
    }

    [Fact]
    public void SolveFixedStep_Oscillator_ObservedOrderIsFive()
    {
        // Same window as above; on [0, 10] with ω = 2 the asymptotic regime starts at ωh ≈ 0.125 (n = 160),
        // errors 3e-7 … 1e-11.
        var solver = new DormandPrince45(2);
        var result = new double[2];
        const double T = 10.0;
        var orders = ObservedOrders(
            n =>
            {
                solver.SolveFixedStep(new Oscillator(), 0.0, [1.0, 0.0], T / n, n, result);
                var exact = Oscillator.Exact(T);
                return Math.Max(Math.Abs(result[0] - exact[0]), Math.Abs(result[1] - exact[1]));
            },
            [160, 320, 640, 1280]);
        Assert.All(orders, p => Assert.InRange(p, 4.7, 5.4));
    }

    [Fact]
    public void SolveFixedStep_StartTime_IsPassedToTheRightHandSide()
    {
        // Starting at t0 = 1 from exp(sin 1) must follow the same solution: with 200 steps of 0.01 the
        // 5th-order error is ~1e-12; 1e-10 relative leaves a wide margin but catches an ignored t0 (error ~0.3).
        var solver = new DormandPrince45(1);
        var result = new double[1];
        solver.SolveFixedStep(new ExpSin(), 1.0, [ExpSin.Exact(1.0)], 0.01, 200, result);
        Assert.True(Math.Abs(result[0] - ExpSin.Exact(3.0)) <= 1e-10 * ExpSin.Exact(3.0), $"{result[0]:R}");
    }

    public static TheoryData<double> Tolerances => new() { 1e-4, 1e-6, 1e-8 };

    private static readonly double[] OutputTimes = Enumerable.Range(1, 20).Select(i => i * 0.5).ToArray();

    private static double MaxRelativeErrorExpSin(double rtol, out OdeSolveResult result)
    {
        var solver = new DormandPrince45(1, new DormandPrinceOptions { RelativeTolerance = rtol, AbsoluteTolerance = rtol * 1e-3 });
        var output = new double[OutputTimes.Length];
        result = solver.Solve(new ExpSin(), 0.0, [1.0], OutputTimes, output);
        double worst = 0;
        for (int j = 0; j < OutputTimes.Length; j++)
        {
            double exact = ExpSin.Exact(OutputTimes[j]);
            worst = Math.Max(worst, Math.Abs(output[j] - exact) / exact);
        }

        return worst;
    }

    private static double MaxScaledErrorOscillator(double rtol, out OdeSolveResult result)
    {
        var solver = new DormandPrince45(2, new DormandPrinceOptions { RelativeTolerance = rtol, AbsoluteTolerance = rtol * 1e-3 });
        var output = new double[OutputTimes.Length * 2];
        result = solver.Solve(new Oscillator(), 0.0, [1.0, 0.0], OutputTimes, output);
        double worst = 0;
        for (int j = 0; j < OutputTimes.Length; j++)
        {
            var exact = Oscillator.Exact(OutputTimes[j]);

            // Components pass through zero, so the error is measured against each component's amplitude (1 and ω).
            worst = Math.Max(worst, Math.Abs(output[2 * j] - exact[0]) / 1.0);
            worst = Math.Max(worst, Math.Abs(output[(2 * j) + 1] - exact[1]) / Oscillator.Omega);
        }

        return worst;
    }

    [Theory]
    [MemberData(nameof(Tolerances))]
    public void Solve_AdaptiveExpSin_GlobalErrorWithinTwentyTimesRtol(double rtol)
    {
        // Error control is local; over 20 outputs on [0, 10] the global error of DP5(4) with local extrapolation
        // stays at O(rtol) (observed ≤ 0.7·rtol). Factor 20 allows for error accumulation yet fails if tolerances
        // were ignored (a fixed coarse step) or misapplied by an order of magnitude and more.
        double worst = MaxRelativeErrorExpSin(rtol, out var result);
        Assert.True(result.Succeeded);
        Assert.True(result.AcceptedSteps > 0);
        Assert.Equal(OutputTimes[^1], result.ReachedTime);
        Assert.True(result.Evaluations >= (6 * (result.AcceptedSteps + result.RejectedSteps)) + 1, result.ToString());
        Assert.True(worst <= 20 * rtol, $"max relative error {worst:E3} > 20·rtol");
    }

    [Theory]
    [MemberData(nameof(Tolerances))]
    public void Solve_AdaptiveOscillator_GlobalErrorWithinTwentyTimesRtol(double rtol)
    {
        // Five periods of an undamped oscillator: phase error accumulates linearly; observed ≤ 3·rtol·amplitude.
        double worst = MaxScaledErrorOscillator(rtol, out var result);
        Assert.True(result.Succeeded);
        Assert.True(result.AcceptedSteps > 0);
        Assert.True(worst <= 20 * rtol, $"max scaled error {worst:E3} > 20·rtol");
    }

    [Fact]
    public void Solve_TighterTolerance_SmallerErrorAndMoreSteps()
    {
        var tolerances = new[] { 1e-4, 1e-6, 1e-8 };
        var errors = new double[3];
        var oscErrors = new double[3];
        var steps = new int[3];
        for (int i = 0; i < 3; i++)
        {
            errors[i] = MaxRelativeErrorExpSin(tolerances[i], out var r);
            oscErrors[i] = MaxScaledErrorOscillator(tolerances[i], out _);
            steps[i] = r.AcceptedSteps;
        }

        for (int i = 0; i < 2; i++)
        {
            Assert.True(errors[i + 1] < errors[i], $"exp-sin error did not shrink: {errors[i]:E3} -> {errors[i + 1]:E3}");
            Assert.True(oscErrors[i + 1] < oscErrors[i], $"oscillator error did not shrink: {oscErrors[i]:E3} -> {oscErrors[i + 1]:E3}");
            Assert.True(steps[i + 1] > steps[i]);
        }
    }

    [Fact]
    public void Solve_OutputAtStartTime_EqualsInitialStateExactly()
    {
        var solver = new DormandPrince45(2);
        double[] y0 = [0.3, -1.7];
        double[] times = [1.5, 1.5, 2.0];
        var output = new double[6];
        var result = solver.Solve(new Oscillator(), 1.5, y0, times, output);
        Assert.True(result.Succeeded);
        Assert.Equal(y0, output[..2]);
        Assert.Equal(y0, output[2..4]);
    }

    [Fact]
    public void Solve_OnlyStartTimeRequested_ConvergesWithoutSteps()
    {
        var system = new Counting(new ExpSin());
        var solver = new DormandPrince45(1);
        var output = new double[2];
        var result = solver.Solve(system, 0.0, [1.0], [0.0, 0.0], output);
        Assert.Equal(OdeExitCondition.Converged, result.Exit);
        Assert.Equal(0, result.AcceptedSteps);
        Assert.Equal(0, system.Calls);
        Assert.Equal([1.0, 1.0], output);
    }

    [Fact]
    public void Solve_RepeatedOutputTimes_GiveIdenticalRows()
    {
        var solver = new DormandPrince45(1);
        double[] times = [0.5, 1.0, 1.0, 1.0, 2.0, 2.0];
        var output = new double[times.Length];
        var result = solver.Solve(new ExpSin(), 0.0, [1.0], times, output);
        Assert.True(result.Succeeded);
        Assert.Equal(output[1], output[2]);
        Assert.Equal(output[1], output[3]);
        Assert.Equal(output[4], output[5]);

        // Default rtol 1e-6: observed global error ≤ 0.7·rtol (see above); 1e-5 relative is a loose check that
        // the repeated rows hold the right value and not, say, the previous row.
        for (int j = 0; j < times.Length; j++)
        {
            Assert.True(Math.Abs(output[j] - ExpSin.Exact(times[j])) <= 1e-5 * ExpSin.Exact(times[j]));
        }
    }

    [Fact]
    public void Solve_IrregularOutputTimes_EachRowHoldsTheSolutionAtItsTime()
    {
        // y' = 1 − y + t has the exact solution y = t when y(0) = 0, and every Runge–Kutta stage reproduces it
        // exactly (stage times c_i h match the row sums of A), so the error estimate is 0 and the controller grows
        // the step as fast as it may (MaxStep = 10). Closely spaced, irregular output times then must be reached
        // by shortening steps; each row must equal its own time to rounding (1e-12 absolute), which fails if a row
        // were written at the wrong time or a step overshot an output time.
        var solver = new DormandPrince45(1, new DormandPrinceOptions { MaxStep = 10 });
        double[] times = [0.1234, 0.1235, 1.0 / 3.0, 0.5, 2.0, 7.777];
        var output = new double[times.Length];
        var result = solver.Solve(new Linear(), 0.0, [0.0], times, output);
        Assert.True(result.Succeeded);
        Assert.Equal(times[^1], result.ReachedTime);
        for (int j = 0; j < times.Length; j++)
        {
            Assert.True(Math.Abs(output[j] - times[j]) <= 1e-12, $"row {j}: y = {output[j]:R} at t = {times[j]:R}");
        }
    }

    private sealed class Linear : IOdeSystem
    {
        public int Dimension => 1;

        public void Evaluate(double t, double[] y, double[] dydt) => dydt[0] = 1.0 - y[0] + t;
    }

    [Fact]
    public void Solve_MaxStepOption_LimitsStepLength()
    {
        // With MaxStep = 0.05 on [0, 10] at least 200 steps are needed whatever the tolerance.
        var solver = new DormandPrince45(1, new DormandPrinceOptions { RelativeTolerance = 1e-3, MaxStep = 0.05 });
        var output = new double[1];
        var result = solver.Solve(new ExpSin(), 0.0, [1.0], [10.0], output);
        Assert.True(result.Succeeded);
        Assert.True(result.AcceptedSteps >= 200, result.ToString());
    }

    [Fact]
    public void Solve_DecreasingOutputTimes_ThrowsArgumentException()
    {
        var solver = new DormandPrince45(1);
        var output = new double[3];
        Assert.Throws<ArgumentException>(() => solver.Solve(new ExpSin(), 0.0, [1.0], [1.0, 0.5, 2.0], output));
    }

    [Fact]
    public void Solve_OutputTimeBeforeStart_ThrowsArgumentException()
    {
        var solver = new DormandPrince45(1);
        var output = new double[1];
        Assert.Throws<ArgumentException>(() => solver.Solve(new ExpSin(), 1.0, [1.0], [0.5], output));
    }

    [Fact]
    public void Solve_NonFiniteOutputTime_ThrowsArgumentException()
    {
        var solver = new DormandPrince45(1);
        var output = new double[2];
        Assert.Throws<ArgumentException>(() => solver.Solve(new ExpSin(), 0.0, [1.0], [1.0, double.NaN], output));
    }

    [Fact]
    public void Solve_InitialStateOfWrongLength_ThrowsArgumentException()
    {
        var solver = new DormandPrince45(2);
        var output = new double[2];
        Assert.Throws<ArgumentException>(() => solver.Solve(new Oscillator(), 0.0, [1.0], [1.0], output));
    }

    [Fact]
    public void Solve_OutputTooShort_ThrowsArgumentException()
    {
        var solver = new DormandPrince45(2);
        var output = new double[3];
        Assert.Throws<ArgumentException>(() => solver.Solve(new Oscillator(), 0.0, [1.0, 0.0], [1.0, 2.0], output));
    }

    [Fact]
    public void Solve_SystemOfOtherDimension_ThrowsArgumentException()
    {
        var solver = new DormandPrince45(1);
        var output = new double[2];
        Assert.Throws<ArgumentException>(() => solver.Solve(new Oscillator(), 0.0, [1.0], [1.0, 2.0], output));
    }

    [Fact]
    public void SolveFixedStep_WrongLength_ThrowsArgumentException()
    {
        var solver = new DormandPrince45(2);
        Assert.Throws<ArgumentException>(() => solver.SolveFixedStep(new Oscillator(), 0.0, [1.0], 0.1, 10, new double[2]));
        Assert.Throws<ArgumentException>(() => solver.SolveFixedStep(new Oscillator(), 0.0, [1.0, 0.0], 0.1, 10, new double[1]));
    }

    [Fact]
    public void Constructor_InvalidOptions_Throw()
    {
        Assert.ThrowsAny<ArgumentException>(() => new DormandPrince45(0));
        Assert.ThrowsAny<ArgumentException>(() => new DormandPrince45(1, new DormandPrinceOptions { RelativeTolerance = 0 }));
        Assert.ThrowsAny<ArgumentException>(() => new DormandPrince45(1, new DormandPrinceOptions { AbsoluteTolerance = -1 }));
        Assert.ThrowsAny<ArgumentException>(() => new DormandPrince45(1, new DormandPrinceOptions { MaxSteps = 0 }));
    }

    [Fact]
    public void Solve_BlowUp_ReturnsFailureWithNaNRowsAndDoesNotThrow()
    {
        // y = 1/(1 − t): rows before the singularity are accurate (default rtol 1e-6; 1e-4 relative is loose),
        // rows after it must be NaN and the exit must say why.
        var solver = new DormandPrince45(1);
        double[] times = [0.5, 0.9, 1.5, 2.0];
        var output = new double[4];
        var result = solver.Solve(new BlowUp(), 0.0, [1.0], times, output);
        Assert.NotEqual(OdeExitCondition.Converged, result.Exit);
        Assert.False(result.Succeeded);
        Assert.Contains(result.Exit, new[] { OdeExitCondition.StepSizeTooSmall, OdeExitCondition.NonFiniteState, OdeExitCondition.MaxStepsExceeded });
        Assert.True(Math.Abs(output[0] - 2.0) <= 1e-4 * 2.0, $"{output[0]:R}");
        Assert.True(Math.Abs(output[1] - 10.0) <= 1e-4 * 10.0, $"{output[1]:R}");
        Assert.True(double.IsNaN(output[2]));
        Assert.True(double.IsNaN(output[3]));
        Assert.InRange(result.ReachedTime, 0.9, 1.5);
    }

    [Fact]
    public void Solve_TinyStepBudget_ReturnsMaxStepsExceeded()
    {
        var solver = new DormandPrince45(1, new DormandPrinceOptions { MaxSteps = 3, RelativeTolerance = 1e-10 });
        var output = new double[2];
        var result = solver.Solve(new ExpSin(), 0.0, [1.0], [0.0, 10.0], output);
        Assert.Equal(OdeExitCondition.MaxStepsExceeded, result.Exit);
        Assert.Equal(1.0, output[0]);
        Assert.True(double.IsNaN(output[1]));
    }

    [Fact]
    public void Solve_NonFiniteDerivativeAtStart_ReturnsNonFiniteState()
    {
        var solver = new DormandPrince45(1);
        var output = new double[1];
        var result = solver.Solve(new NaNSystem(), 0.0, [1.0], [1.0], output);
        Assert.Equal(OdeExitCondition.NonFiniteState, result.Exit);
        Assert.True(double.IsNaN(output[0]));
    }

    private sealed class NaNSystem : IOdeSystem
    {
        public int Dimension => 1;

        public void Evaluate(double t, double[] y, double[] dydt) => dydt[0] = double.NaN;
    }
}
