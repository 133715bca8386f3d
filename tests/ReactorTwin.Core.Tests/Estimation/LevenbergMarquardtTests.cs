using MathNet.Numerics.LinearAlgebra;
using ReactorTwin.Core.Estimation;

namespace ReactorTwin.Core.Tests.Estimation;

/// <summary>
/// <see cref="LevenbergMarquardt"/> on problems with known answers: a linear least-squares problem (closed form by
/// MathNet's QR, an independent implementation), the same problem with bounds that cut off the unconstrained optimum
/// (exact answer by enumerating the active sets of the KKT conditions), and Rosenbrock's valley as residuals
/// (Moré, Garbow and Hillstrom's test problem 1: optimum (1, 1) from (−1.2, 1)).
/// </summary>
public class LevenbergMarquardtTests
{
    /// <summary>r = A u − b for a fixed, well-conditioned random A (8 × 3) and b.</summary>
    internal sealed class Linear : IResidualFunction
    {
        public Linear(int seed = 5)
        {
            var random = new Random(seed);
            A = new double[8, 3];
            B = new double[8];
            for (int i = 0; i < 8; i++)
            {
                for (int j = 0; j < 3; j++)
                {
                    A[i, j] = random.NextDouble() * 2 - 1 + (i % 3 == j ? 2 : 0);
                }

                B[i] = 3 * random.NextDouble() - 1;
            }
        }

        public double[,] A { get; }

        public double[] B { get; }

        public int Dimension => 3;

        public int ResidualCount => 8;

        public long Evaluations { get; private set; }

        public bool Evaluate(ReadOnlySpan<double> u, Span<double> residuals, Span<double> jacobian, out double constant)
        {
            Evaluations++;
            for (int i = 0; i < 8; i++)
            {
                double s = -B[i];
                for (int j = 0; j < 3; j++)
                {
                    s += A[i, j] * u[j];
                    jacobian[(i * 3) + j] = A[i, j];
                }

                residuals[i] = s;
            }

            constant = -1.5;
            return true;
        }

        public double[] ClosedForm() => Matrix<double>.Build.DenseOfArray(A).QR().Solve(Vector<double>.Build.DenseOfArray(B)).ToArray();

        public double Cost(double[] u)
        {
            var r = new double[8];
            Evaluate(u, r, new double[24], out _);
            return 0.5 * r.Sum(x => x * x);
        }

        /// <summary>The bounded optimum by the KKT conditions: over every choice of (free, at lower, at upper) per
        /// parameter, the least-squares solution on the free ones, kept if feasible; the cheapest wins.</summary>
        public double[] BoundedByEnumeration(double[] lower, double[] upper)
        {
            double[]? best = null;
            double bestCost = double.PositiveInfinity;
            for (int code = 0; code < 27; code++)
            {
                var state = new[] { code % 3, code / 3 % 3, code / 9 };
                var free = Enumerable.Range(0, 3).Where(j => state[j] == 0).ToArray();
                var u = new double[3];
                for (int j = 0; j < 3; j++)
                {
                    u[j] = state[j] == 1 ? lower[j] : state[j] == 2 ? upper[j] : 0;
                }

                if (free.Length > 0)
                {
                    var af = Matrix<double>.Build.Dense(8, free.Length, (i, k) => A[i, free[k]]);
                    var rhs = Vector<double>.Build.Dense(8, i => B[i] - Enumerable.Range(0, 3).Where(j => state[j] != 0).Sum(j => A[i, j] * u[j]));
                    var x = af.QR().Solve(rhs);
                    for (int k = 0; k < free.Length; k++)
                    {
                        u[free[k]] = x[k];
                    }
                }

                if (Enumerable.Range(0, 3).All(j => u[j] >= lower[j] - 1e-15 && u[j] <= upper[j] + 1e-15) && Cost(u) < bestCost)
                {
                    (best, bestCost) = (u, Cost(u));
                }
            }

            return best!;
        }
    }

    /// <summary>r = (10 (u₂ − u₁²), 1 − u₁).</summary>
    internal sealed class Rosenbrock : IResidualFunction
    {
        public int Dimension => 2;

        public int ResidualCount => 2;

        public bool Evaluate(ReadOnlySpan<double> u, Span<double> residuals, Span<double> jacobian, out double constant)
        {
            residuals[0] = 10 * (u[1] - (u[0] * u[0]));
            residuals[1] = 1 - u[0];
            jacobian[0] = -20 * u[0];
            jacobian[1] = 10;
            jacobian[2] = -1;
            jacobian[3] = 0;
            constant = 0;
            return true;
        }
    }

    private static readonly double[] Free = [double.NegativeInfinity, double.NegativeInfinity, double.NegativeInfinity];
    private static readonly double[] FreeUp = [double.PositiveInfinity, double.PositiveInfinity, double.PositiveInfinity];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Minimize_LinearLeastSquares_ReachesTheClosedFormInOneStep(bool jacobianScaling)
    {
        var problem = new Linear();
        var lm = new LevenbergMarquardt(3, 8) { JacobianScaling = jacobianScaling };
        var r = lm.Minimize(problem, [0.3, -0.2, 0.5], Free, FreeUp, 100, null, null, out _)!;
        var exact = problem.ClosedForm();
        Assert.True(r.Converged, r.Exit);
        Assert.InRange(r.Iterations, 1, 2);
        for (int j = 0; j < 3; j++)
        {
            Assert.Equal(exact[j], r.Optimum[j], 1e-10);
        }

        Assert.Equal(-1.5 - problem.Cost(exact), r.LogDensity, 1e-12);
    }

    [Fact]
    public void Minimize_BoundsCuttingTheOptimum_StaysInsideAndFindsTheKktPoint()
    {
        var problem = new Linear();
        var exact = problem.ClosedForm();

        // Bounds that exclude the unconstrained optimum in two coordinates, one from each side.
        double[] lower = [exact[0] + 0.3, double.NegativeInfinity, -10];
        double[] upper = [10, exact[1] - 0.4, 10];
        var expected = problem.BoundedByEnumeration(lower, upper);
        Assert.True(expected[0] == lower[0] || expected[1] == upper[1], "the bounds must bind for this test to mean anything");
        var lm = new LevenbergMarquardt(3, 8);
        double[] visitedLow = [double.PositiveInfinity, double.PositiveInfinity, double.PositiveInfinity];
        var r = lm.Minimize(new Watching(problem, visitedLow, lower, upper), [2, -3, 0], lower, upper, 200, null, null, out _)!;
        Assert.True(r.Converged, r.Exit);
        for (int j = 0; j < 3; j++)
        {
            Assert.Equal(expected[j], r.Optimum[j], 1e-8);
            Assert.InRange(r.Optimum[j], lower[j], upper[j]);
        }

        Assert.True(visitedLow[0] >= 0, "a point outside the bounds was evaluated");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Minimize_Rosenbrock_ConvergesToOneOne(bool jacobianScaling)
    {
        var lm = new LevenbergMarquardt(2, 2) { JacobianScaling = jacobianScaling };
        var r = lm.Minimize(new Rosenbrock(), [-1.2, 1], [double.NegativeInfinity, double.NegativeInfinity], [double.PositiveInfinity, double.PositiveInfinity], 200, null, null, out _)!;
        Assert.True(r.Converged, r.Exit);
        Assert.Equal(1.0, r.Optimum[0], 1e-7);
        Assert.Equal(1.0, r.Optimum[1], 1e-7);
        Assert.InRange(r.Evaluations, 2, 60);
    }

    [Fact]
    public void Minimize_Iterations_AllocateNothing()
    {
        // A run allocates its result and a closure once; 2 or 12 iterations (both stopped by the limit) allocate the same.
        var lm = new LevenbergMarquardt(2, 2);
        var f = new Rosenbrock();
        double[] start = [-1.2, 1], lower = [-5, -5], upper = [5, 5];
        long Run(int limit)
        {
            lm.Minimize(f, start, lower, upper, limit, null, null, out _);
            long before = GC.GetAllocatedBytesForCurrentThread();
            var r = lm.Minimize(f, start, lower, upper, limit, null, null, out _)!;
            long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(r.IterationLimit, r.Exit);
            return bytes;
        }

        Assert.Equal(Run(2), Run(12));
    }

    [Fact]
    public void Minimize_StopCheck_EndsAtTheCurrentPointNotConverged()
    {
        var lm = new LevenbergMarquardt(2, 2);
        int asked = 0;
        var r = lm.Minimize(new Rosenbrock(), [-1.2, 1], [-5, -5], [5, 5], 200, () => ++asked > 3 ? "budget" : null, null, out _)!;
        Assert.False(r.Converged);
        Assert.Equal("budget", r.StoppedBy);
        Assert.Equal(3, r.Evaluations);
    }

    /// <summary>Two log-scale parameters with u ∈ [−5, 5]² (the space only supplies bounds and the first start).</summary>
    private static ParameterSpace Box()
    {
        var model = ReactorTwin.Core.Models.ReactionNetwork.CreateBuilder("r").AddSpecies("A", "mM", 1)
            .AddParameter("a", Math.Exp(-1.2), Math.Exp(-5), Math.Exp(5)).AddParameter("b", Math.E, Math.Exp(-5), Math.Exp(5))
            .AddReaction("r", new() { ["A"] = -1 }, "a*b*A").Build();
        return new ParameterSpace(model);
    }

    [Fact]
    public void MultiStartLm_Parallel_GivesTheSequentialResult()
    {
        var space = Box();
        var sequential = MultiStartMle.Fit(() => new Rosenbrock(), space, new MultiStartMleOptions { Starts = 6, Seed = 4, MaxParallelism = 1 });
        var parallel = MultiStartMle.Fit(() => new Rosenbrock(), space, new MultiStartMleOptions { Starts = 6, Seed = 4, MaxParallelism = 2 });
        Assert.Equal(sequential.Starts.Select(s => s.Optimum), parallel.Starts.Select(s => s.Optimum));
        Assert.Equal(sequential.Starts.Select(s => s.Evaluations), parallel.Starts.Select(s => s.Evaluations));
        Assert.All(sequential.Starts, s => Assert.True(s.Converged, s.Exit));
        Assert.Equal(1.0, sequential.Optimum[0], 1e-7);
        Assert.Equal(1.0, sequential.Optimum[1], 1e-7);
    }

    [Fact]
    public void MultiStartLm_TimeBudgetRunsOut_StopsThereAndSkipsTheOtherStarts()
    {
        // A clock that advances 1 s each time it is read: the 5 s budget ends within the first start.
        var clock = new TestDensities.SteppingClock(TimeSpan.FromSeconds(1));
        var result = MultiStartMle.Fit(() => new Rosenbrock(), Box(), new MultiStartMleOptions { Starts = 3, TimeBudget = TimeSpan.FromSeconds(5) }, clock);
        Assert.True(result.Partial);
        Assert.StartsWith("time budget (5 s)", result.Starts[0].Exit, StringComparison.Ordinal);
        Assert.False(result.Starts[0].Converged);
        Assert.Equal(["skipped: time budget (5 s)", "skipped: time budget (5 s)"], result.Starts.Skip(1).Select(s => s.Exit));
        Assert.InRange(result.Starts[0].Evaluations, 1, 5);
    }

    /// <summary>Records, per coordinate, the smallest distance inside the bounds of every evaluated point.</summary>
    private sealed class Watching(IResidualFunction inner, double[] margin, double[] lower, double[] upper) : IResidualFunction
    {
        public int Dimension => inner.Dimension;

        public int ResidualCount => inner.ResidualCount;

        public bool Evaluate(ReadOnlySpan<double> u, Span<double> residuals, Span<double> jacobian, out double constant)
        {
            for (int j = 0; j < u.Length; j++)
            {
                margin[0] = Math.Min(margin[0], Math.Min(u[j] - lower[j], upper[j] - u[j]));
            }

            return inner.Evaluate(u, residuals, jacobian, out constant);
        }
    }
}
