using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;
using Xunit.Abstractions;
using static ReactorTwin.Core.Tests.Numerics.StiffTestProblems;

namespace ReactorTwin.Core.Tests.Numerics;

/// <summary>
/// The implicit method of <see cref="OdeSolver"/> (ESDIRK4(3)6L[2]SA) and the automatic switch: convergence order on
/// problems with known solutions, the standard stiff problems against reference solutions, which method the switch
/// picks, non-negativity and allocation.
/// </summary>
public class StiffSolverTests(ITestOutputHelper output)
{
    private static double[] ObservedOrders(Func<int, double> errorWithSteps, int[] steps)
    {
        var e = steps.Select(errorWithSteps).ToArray();
        return Enumerable.Range(0, e.Length - 1).Select(i => Math.Log2(e[i] / e[i + 1])).ToArray();
    }

    [Fact]
    public void ImplicitFixedStep_Oscillator_ObservedOrderIsFour()
    {
        // y'' = −ω² y over five periods: the global error is a phase error that grows steadily, so the observed
        // order is clean (errors 2e-3 … 1e-7 for 40 … 320 steps). The Newton iterations stop at the options'
        // tolerance: tight, so that their error stays far below the truncation error. Window [3.7, 4.4].
        var solver = new OdeSolver(2, new OdeOptions { RelativeTolerance = 1e-13, AbsoluteTolerance = 1e-15 });
        var result = new double[2];
        const double T = 10.0;
        var orders = ObservedOrders(
            n =>
            {
                solver.SolveFixedStep(new Oscillator(), 0.0, [1.0, 0.0], T / n, n, result, OdeMethod.Implicit);
                var exact = Oscillator.Exact(T);
                return Math.Max(Math.Abs(result[0] - exact[0]), Math.Abs(result[1] - exact[1]));
            },
            [40, 80, 160, 320]);
        output.WriteLine(string.Join(", ", orders));
        Assert.All(orders, p => Assert.InRange(p, 3.7, 4.4));
    }

    [Fact]
    public void ImplicitFixedStep_ProtheroRobinsonNonStiff_ObservedOrderIsFour()
    {
        var solver = new OdeSolver(1);
        var result = new double[1];
        const double T = 2.0;
        var orders = ObservedOrders(
            n =>
            {
                solver.SolveFixedStep(new ProtheroRobinson(-2.0), 0.0, [0.0], T / n, n, result, OdeMethod.Implicit);
                return Math.Abs(result[0] - Math.Sin(T));
            },
            [10, 20, 40, 80]);
        output.WriteLine(string.Join(", ", orders));
        Assert.All(orders, p => Assert.InRange(p, 3.7, 4.4));
    }

    private static double MaxRelativeError(double[] solution, double[][] reference, int n, double floor)
    {
        double worst = 0;
        for (int j = 0; j < reference.Length; j++)
        {
            for (int i = 0; i < n; i++)
            {
                double r = reference[j][i];
                worst = Math.Max(worst, Math.Abs(solution[(j * n) + i] - r) / Math.Max(Math.Abs(r), floor));
            }
        }

        return worst;
    }

    [Fact]
    public void Auto_Rober_MatchesReferenceAndRunsImplicit()
    {
        var solver = new OdeSolver(3, new OdeOptions { RelativeTolerance = 1e-6, AbsoluteTolerance = 1e-12 });
        var y = new double[Rober.Times.Length * 3];
        var r = solver.Solve(new Rober(), 0, Rober.Initial, Rober.Times, y);
        double err = MaxRelativeError(y, Rober.Reference, 3, 1e-12);
        output.WriteLine($"{r} err {err:E3}");
        Assert.True(r.Succeeded, r.ToString());

        // rtol 1e-6: the observed global error is 2e-5 relative (y2 included); 1e-4 leaves room, a misapplied
        // tolerance or a wrong tableau entry gives errors of 1e-3 and more.
        Assert.True(err <= 1e-4, $"{err:E3}");

        // The switch happens once, early (the transient until t ≈ 0.01 is explicit), and the rest is implicit.
        Assert.Equal(1, r.MethodSwitches);
        Assert.Equal(OdeMethod.Implicit, r.FinalMethod);
        Assert.True(r.ImplicitSteps >= 0.75 * r.AcceptedSteps, r.ToString());

        // Dormand–Prince alone is stability-limited (h ≈ 1.4e-3 from t ≈ 0.01 on): 20 000 steps reach t ≈ 30 of 4e5.
        var explicitOnly = new OdeSolver(3, new OdeOptions { RelativeTolerance = 1e-6, AbsoluteTolerance = 1e-12, Method = OdeMethod.Explicit, MaxSteps = 20_000 });
        var re = explicitOnly.Solve(new Rober(), 0, Rober.Initial, Rober.Times, y);
        Assert.Equal(OdeExitCondition.MaxStepsExceeded, re.Exit);
    }

    [Fact]
    public void Auto_VanDerPol1000_MatchesReference()
    {
        var solver = new OdeSolver(2, new OdeOptions { RelativeTolerance = 1e-7, AbsoluteTolerance = 1e-10 });
        var y = new double[VanDerPol.Times.Length * 2];
        var r = solver.Solve(new VanDerPol(), 0, VanDerPol.Initial, VanDerPol.Times, y);
        double err = MaxRelativeError(y, VanDerPol.Reference, 2, 1e-3);
        output.WriteLine($"{r} err {err:E3}");
        Assert.True(r.Succeeded, r.ToString());
        Assert.True(err <= 1e-3, $"{err:E3}");
    }

    [Fact]
    public void Auto_Hires_MatchesReference()
    {
        var solver = new OdeSolver(8, new OdeOptions { RelativeTolerance = 1e-8, AbsoluteTolerance = 1e-12 });
        var y = new double[Hires.Times.Length * 8];
        var r = solver.Solve(new Hires(), 0, Hires.Initial, Hires.Times, y);
        double err = MaxRelativeError(y, Hires.Reference, 8, 1e-6);
        output.WriteLine($"{r} err {err:E3}");
        Assert.True(r.Succeeded, r.ToString());
        Assert.True(err <= 1e-5, $"{err:E3}");
    }

    [Theory]
    [InlineData(OdeMethod.Implicit)]
    [InlineData(OdeMethod.Explicit)]
    public void DenseOutput_OneStep_InterpolationErrorHasTheOrderOfTheExtension(OdeMethod method)
    {
        // One step of length h from the exact value, interpolated at θ = 0.2, 0.4, 0.6, 0.8 (largest error): the
        // continuous extension of the ESDIRK is of order 3 (local error O(h⁴)), Shampine's for Dormand–Prince of
        // order 4 (O(h⁵)). Halving h must divide the interpolation error by about 2^(p*+1); windows ±0.4 around 4, 5.
        var orders = new List<double>();
        double previous = 0;
        double[] thetas = [0.2, 0.4, 0.6, 0.8];
        foreach (double h in new[] { 0.2, 0.1, 0.05, 0.025 })
        {
            var solver = new OdeSolver(1, new OdeOptions { Method = method, InitialStep = h, MaxStep = h, RelativeTolerance = 0.5, AbsoluteTolerance = 0.5 });
            var y = new double[thetas.Length + 1];
            double t0 = 0.3;
            double[] times = [.. thetas.Select(th => t0 + (th * h)), t0 + h];
            var r = solver.Solve(new ExpSin(), t0, [ExpSin.Exact(t0)], times, y);
            Assert.True(r.Succeeded && r.AcceptedSteps == 1, r.ToString());
            double e = 0;
            for (int j = 0; j < thetas.Length; j++)
            {
                e = Math.Max(e, Math.Abs(y[j] - ExpSin.Exact(times[j])));
            }

            if (previous > 0)
            {
                orders.Add(Math.Log2(previous / e));
            }

            previous = e;
        }

        output.WriteLine(string.Join(", ", orders));
        double expected = method == OdeMethod.Implicit ? 4 : 5;
        Assert.All(orders, p => Assert.InRange(p, expected - 0.4, expected + 0.4));
    }

    [Fact]
    public void Solve_AfterWarmUp_AllocatesNothing()
    {
        var solver = new OdeSolver(3, new OdeOptions { RelativeTolerance = 1e-6, AbsoluteTolerance = 1e-12 });
        var system = new Rober();
        var y = new double[Rober.Times.Length * 3];
        solver.Solve(system, 0, Rober.Initial, Rober.Times, y);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var r = solver.Solve(system, 0, Rober.Initial, Rober.Times, y);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(r.Succeeded && r.MethodSwitches == 1);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Auto_Depletion_StaysNonNegative()
    {
        var solver = new OdeSolver(1);
        double[] times = Enumerable.Range(1, 40).Select(i => i * 0.05).ToArray();
        var y = new double[times.Length];
        var r = solver.Solve(new Depletion(), 0, [1.0], times, y);
        output.WriteLine($"{r} last {y[^1]:E3} min {y.Min():E3}");
        Assert.True(r.Succeeded, r.ToString());
        Assert.All(y, v => Assert.True(v >= 0));
    }

    [Fact]
    public void Auto_ChoMeanOde_StaysExplicit()
    {
        var cho = BuiltInModels.Load("cho");
        double[] times = [0, 12, 24, 36, 48, 60, 72];
        var output1 = new double[times.Length * cho.StateDimension];
        var r = new MeanOdeSimulator(cho).Simulate(cho.DefaultInitialState(), cho.NominalParameters(), times, output1);
        output.WriteLine(r.ToString());
        Assert.Equal(0, r.ImplicitSteps);
        Assert.Equal(0, r.MethodSwitches);
    }
}
