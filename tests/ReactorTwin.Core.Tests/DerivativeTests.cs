using ReactorTwin.Core.Expressions;
using ReactorTwin.Core.Models;
using static ReactorTwin.Core.Tests.TestHelpers;

namespace ReactorTwin.Core.Tests;

/// <summary>
/// The exact (symbolic) Jacobians of <see cref="CompiledModel"/> against central finite differences.
/// <para>Tolerance: |analytic − fd| ≤ 1e−6 · max(|analytic|, floor). With the relative step h = 1e−6·|x| the
/// central difference has truncation error h²|f'''|/6, i.e. a relative error of order 1e−12 for the smooth
/// rational/power/exponential laws used here, and a rounding error of about k·ε·F/(2h) ≈ k·1.1e−10·F/|x|, where F
/// is the magnitude of the terms summed to form f (F = |a_r| for a rate, Σ_r |S_ir a_r| for a drift component,
/// since every rate here is a sum of positive terms) and k is a few ulps. Entries with |analytic| ≥ floor are held
/// to 1e−6 relative; the floor = 1e−3·F/|x| only protects entries that are tiny compared to the natural scale
/// F/|x| of a derivative of f (a power law of degree one has ∂f/∂x = F/|x| exactly), and structural zeros, for
/// which 1e−6 relative is unattainable: their allowed absolute error 1e−9·F/|x| is ~10× the one-ulp rounding
/// noise (the worst case observed uses 14% of the allowance; an error of 1e−6 relative in an entry of natural
/// size still fails).</para>
/// </summary>
public class DerivativeTests
{
    private const double RelTol = 1e-6;
    private const double FloorFactor = 1e-3;
    private const int PointsPerModel = 8;

    /// <summary>A model exercising every function and both forms of power: Hill with a parameter exponent, exp, log, sqrt, pow(S, b), mm, x^2, x^3.</summary>
    internal static ReactionNetwork HandWritten() =>
        ReactionNetwork.CreateBuilder("hand-written")
            .AddSpecies("S", "mM", 1.0)
            .AddSpecies("P", "mM", 1.0)
            .AddParameter("Vm", 1.0, 0.01, 100)
            .AddParameter("K", 1.0, 0.01, 100)
            .AddParameter("n", 2.0, 0.5, 8)
            .AddParameter("a", 0.5, 0.01, 10)
            .AddParameter("b", 1.5, 0.1, 5)
            .AddReaction("r1", new() { ["S"] = -1, ["P"] = 1 }, "Vm*hill(S,K,n)*exp(-a*S)+sqrt(S)*log(1+S)+pow(S, b)")
            .AddReaction("r2", new() { ["P"] = -2, ["S"] = 1 }, "mm(P,K)*S^2/(1+a*P) + P^3*b/10 + pow(K, b)*sqrt(P)")
            .AddReaction("r3", new() { ["P"] = -1 }, "Vm*P/(K + P)^2 - 0*S + exp(log(a)*n)*P")
            .Build();

    private static ReactionNetwork Model(string name) => name == "hand-written" ? HandWritten() : BuiltInModels.Load(name);

    /// <summary>Every built-in model (so that a new one is covered automatically) and the hand-written one.</summary>
    public static TheoryData<string> Models
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (string name in BuiltInModels.Names)
            {
                data.Add(name);
            }

            data.Add("hand-written");
            return data;
        }
    }

    /// <summary>A random positive point: states log-uniform in [0.1, 10]·max(initial, 1); the argument vector θ (nominal·e^U(−1,1)), t, u.</summary>
    private static (double[] State, double[] Parameters) RandomPoint(ReactionNetwork model, Random rng)
    {
        var z = model.DefaultInitialState();
        for (int i = 0; i < z.Length; i++)
        {
            z[i] = Math.Max(z[i], 1.0) * Math.Exp(Math.Log(0.1) + (rng.NextDouble() * Math.Log(100.0)));
        }

        var nominal = model.NominalParameters();
        var theta = new double[model.Compiled.ArgumentCount];
        for (int k = 0; k < nominal.Length; k++)
        {
            theta[k] = nominal[k] * Math.Exp((2 * rng.NextDouble()) - 1);
        }

        // then the time t and the inputs u of the argument vector: t in [0, 10] h, each input e^U(−1,1) × max(value, 0.01)
        theta[model.Compiled.TimeSlot] = 10 * rng.NextDouble();
        for (int i = 0; i < model.Inputs.Count; i++)
        {
            theta[model.Compiled.TimeSlot + 1 + i] = Math.Max(model.Inputs[i].Value, 0.01) * Math.Exp((2 * rng.NextDouble()) - 1);
        }

        return (z, theta);
    }

    private delegate void Fn(double[] z, double[] theta, double[] output);

    /// <summary>
    /// Checks an analytic Jacobian (rows = outputs of <paramref name="f"/>, columns = components of the varied vector)
    /// against central differences; <paramref name="termScale"/> gives F for each output row.
    /// </summary>
    private static void CheckJacobian(string what, Fn f, Fn jac, double[] z, double[] theta, bool wrtState, int rows, Func<double[], double[], double[]> termScale, int parameterCount = 0)
    {
        var x = wrtState ? z : theta;
        int cols = wrtState ? z.Length : parameterCount;
        var analytic = new double[rows * cols];
        jac(z, theta, analytic);
        var fp = new double[rows];
        var fm = new double[rows];
        var scale = termScale(z, theta);
        for (int j = 0; j < cols; j++)
        {
            double xj = x[j];
            double h = 1e-6 * Math.Max(Math.Abs(xj), 1e-12);
            double xp = xj + h, xm = xj - h;
            x[j] = xp;
            f(z, theta, fp);
            x[j] = xm;
            f(z, theta, fm);
            x[j] = xj;
            for (int i = 0; i < rows; i++)
            {
                double fd = (fp[i] - fm[i]) / (xp - xm); // divide by the representable step actually taken
                double a = analytic[(i * cols) + j];
                double floor = FloorFactor * scale[i] / Math.Abs(xj);
                double allowed = RelTol * Math.Max(Math.Abs(a), floor);
                Assert.True(
                    Math.Abs(a - fd) <= allowed,
                    $"{what}[{i},{j}]: analytic {a:R}, finite difference {fd:R}, |diff| {Math.Abs(a - fd):E3} > allowed {allowed:E3}");
            }
        }
    }

    private static double[] RateScale(CompiledModel cm, double[] z, double[] theta)
    {
        var a = new double[cm.ChannelCount];
        cm.Rates(z, theta, a);
        return a.Select(Math.Abs).ToArray();
    }

    /// <summary>S at θ (the first slots of <paramref name="theta"/>), numeric or formula coefficients alike.</summary>
    private static double[] Stoichiometry(CompiledModel cm, double[] theta)
    {
        if (!cm.HasParameterStoichiometry)
        {
            return cm.Stoichiometry.ToArray();
        }

        var s = new double[cm.StateDimension * cm.ChannelCount];
        cm.EvaluateStoichiometry(theta, s);
        return s;
    }

    private static double[] DriftScale(CompiledModel cm, double[] z, double[] theta)
    {
        var a = RateScale(cm, z, theta);
        int n = cm.StateDimension, m = cm.ChannelCount;
        var s = Stoichiometry(cm, theta);
        var f = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int r = 0; r < m; r++)
            {
                f[i] += Math.Abs(s[(i * m) + r]) * a[r];
            }
        }

        return f;
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void RateStateJacobian_RandomPositivePoints_MatchesCentralDifferences(string name)
    {
        var model = Model(name);
        var cm = model.Compiled;
        var rng = new Random(1001);
        for (int p = 0; p < PointsPerModel; p++)
        {
            var (z, theta) = RandomPoint(model, rng);
            CheckJacobian($"{name} ∂a/∂z", cm.Rates, cm.RateStateJacobian, z, theta, wrtState: true, cm.ChannelCount, (zz, tt) => RateScale(cm, zz, tt));
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void RateParameterJacobian_RandomPositivePoints_MatchesCentralDifferences(string name)
    {
        var model = Model(name);
        var cm = model.Compiled;
        var rng = new Random(1002);
        for (int p = 0; p < PointsPerModel; p++)
        {
            var (z, theta) = RandomPoint(model, rng);
            CheckJacobian($"{name} ∂a/∂θ", cm.Rates, cm.RateParameterJacobian, z, theta, wrtState: false, cm.ChannelCount, (zz, tt) => RateScale(cm, zz, tt), cm.ParameterCount);
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void DriftStateJacobian_RandomPositivePoints_MatchesCentralDifferences(string name)
    {
        var model = Model(name);
        var cm = model.Compiled;
        var rng = new Random(1003);
        for (int p = 0; p < PointsPerModel; p++)
        {
            var (z, theta) = RandomPoint(model, rng);
            CheckJacobian($"{name} ∂b/∂z", cm.Drift, cm.DriftStateJacobian, z, theta, wrtState: true, cm.StateDimension, (zz, tt) => DriftScale(cm, zz, tt));
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void DriftParameterJacobian_RandomPositivePoints_MatchesCentralDifferences(string name)
    {
        var model = Model(name);
        var cm = model.Compiled;
        var rng = new Random(1004);
        for (int p = 0; p < PointsPerModel; p++)
        {
            var (z, theta) = RandomPoint(model, rng);
            CheckJacobian($"{name} ∂b/∂θ", cm.Drift, cm.DriftParameterJacobian, z, theta, wrtState: false, cm.StateDimension, (zz, tt) => DriftScale(cm, zz, tt), cm.ParameterCount);
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Drift_RandomPoints_EqualsStoichiometryTimesRates(string name)
    {
        // b = S a is evaluated from separately compiled trees; the sums differ only by rounding order:
        // 1e-13 relative to Σ|S_ir a_r| (a few ulps of the largest term).
        var model = Model(name);
        var cm = model.Compiled;
        var rng = new Random(1005);
        int n = cm.StateDimension, m = cm.ChannelCount;
        for (int p = 0; p < PointsPerModel; p++)
        {
            var (z, theta) = RandomPoint(model, rng);
            var a = new double[m];
            var b = new double[n];
            cm.Rates(z, theta, a);
            cm.Drift(z, theta, b);
            var scale = DriftScale(cm, z, theta);
            var stoichiometry = Stoichiometry(cm, theta);
            for (int i = 0; i < n; i++)
            {
                double expected = 0;
                for (int r = 0; r < m; r++)
                {
                    expected += stoichiometry[(i * m) + r] * a[r];
                }

                Assert.True(Math.Abs(b[i] - expected) <= 1e-13 * scale[i], $"{name} drift[{i}] = {b[i]:R}, S·a = {expected:R}");
            }
        }
    }

    [Fact]
    public void Rates_HandWrittenModel_MatchTreeWalkingReferenceOfTheFormulas()
    {
        // The compiled delegate (CSE, x^2/x^3 as products) against a direct evaluation of the unsimplified
        // parsed formulas: only rounding differs, 1e-13 relative.
        var model = HandWritten();
        string[] states = ["S", "P"];
        string[] pars = model.Parameters.Select(p => p.Name).ToArray();
        var trees = model.Reactions.Select(r => ParseBound(r.Rate!, states, pars)).ToArray();
        var rng = new Random(1006);
        var a = new double[trees.Length];
        for (int p = 0; p < PointsPerModel; p++)
        {
            var (z, theta) = RandomPoint(model, rng);
            model.Compiled.Rates(z, theta, a);
            for (int r = 0; r < trees.Length; r++)
            {
                double expected = Eval(trees[r], z, theta);
                Assert.True(Math.Abs(a[r] - expected) <= 1e-13 * Math.Abs(expected), $"rate {r}: {a[r]:R} vs {expected:R}");
            }
        }
    }

    public static TheoryData<string, double, double> ClosedForms => new()
    {
        // formula in x (state 0) and y (state 1), x, exact d/dx at (x, y = 0.7)
        { "x^3", 2.0, 12.0 },
        { "exp(2*x)", 0.5, 2.0 * Math.E },
        { "log(x)", 4.0, 0.25 },
        { "sqrt(x)", 4.0, 0.25 },
        { "x^x", 2.0, 4.0 * (Math.Log(2.0) + 1.0) },
        { "mm(x, 1)", 1.0, 0.25 },
        { "hill(x, 1, 2)", 1.0, 0.5 },
        { "1/x", 2.0, -0.25 },
        { "pow(2, x)", 3.0, 8.0 * Math.Log(2.0) },
        { "x*y - y", 5.0, 0.7 },
        { "-x^2", 3.0, -6.0 },
        { "exp(-x)*x", 1.0, 0.0 },
        { "(1 + x)^0.5", 3.0, 0.25 },
        { "y^2", 1.0, 0.0 },
    };

    [Theory]
    [MemberData(nameof(ClosedForms))]
    public void Differentiate_ClosedForm_MatchesExactDerivative(string formula, double x, double expected)
    {
        // The exact values above are correctly rounded or exact; evaluation of the derivative tree adds a few
        // roundings: 1e-14 relative (absolute 1e-15 where the exact derivative is 0).
        var e = ParseBound(formula, ["x", "y"]);
        var d = Algebra.Differentiate(e, SymbolKind.State, 0);
        double v = Eval(d, [x, 0.7]);
        Assert.True(Math.Abs(v - expected) <= Math.Max(1e-14 * Math.Abs(expected), 1e-15), $"d/dx {formula} at {x} = {v:R}, expected {expected:R}");
    }

    [Fact]
    public void Differentiate_ExpressionWithoutTheVariable_IsExactlyZeroConstant()
    {
        var e = ParseBound("exp(y)*log(y) + y^3", ["x", "y"]);
        Assert.Equal(Expr.Zero, Algebra.Differentiate(e, SymbolKind.State, 0));
        Assert.Equal(Expr.Zero, Algebra.Differentiate(e, SymbolKind.Parameter, 1)); // same index, other kind
    }

    [Fact]
    public void Differentiate_LinearAndMonomialForms_SimplifyToSmallTrees()
    {
        string[] names = ["x", "y"];
        Assert.Equal(new Const(3.0), Algebra.Differentiate(ParseBound("3*x + y", names), SymbolKind.State, 0));
        Assert.Equal(ParseBound("2*x", names), Algebra.Differentiate(ParseBound("x^2", names), SymbolKind.State, 0));
        Assert.Equal(ParseBound("y", names), Algebra.Differentiate(ParseBound("x*y", names), SymbolKind.State, 0));
    }

    [Fact]
    public void Differentiate_SecondDerivativeOfHill_MatchesFiniteDifferenceOfFirst()
    {
        // d²/dx² hill(x, K, n) with symbolic n: differentiate twice and compare with a central difference of the
        // first derivative (step 1e-5·x; truncation (1e-5)² relative, rounding 1e-16/1e-5: 1e-7 relative is ample).
        string[] names = ["x", "K", "n"];
        var e = ParseBound("hill(x, K, n)", names);
        var d1 = Algebra.Differentiate(e, SymbolKind.State, 0);
        var d2 = Algebra.Differentiate(d1, SymbolKind.State, 0);
        var rng = new Random(1007);
        for (int p = 0; p < 10; p++)
        {
            double x = 0.2 + (3 * rng.NextDouble()), k = 0.5 + rng.NextDouble(), n = 1 + (3 * rng.NextDouble());
            double h = 1e-5 * x;
            double fd = (Eval(d1, [x + h, k, n]) - Eval(d1, [x - h, k, n])) / (2 * h);
            double an = Eval(d2, [x, k, n]);
            double scale = Math.Abs(Eval(e, [x, k, n])) / (x * x); // natural scale of a second derivative
            Assert.True(Math.Abs(an - fd) <= 1e-7 * Math.Max(Math.Abs(an), scale), $"x={x}, K={k}, n={n}: {an:R} vs {fd:R}");
        }
    }
}
