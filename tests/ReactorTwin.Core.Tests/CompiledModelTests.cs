using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Tests;

public class CompiledModelTests
{
    private const int GLC = 0, LAC = 1, MAb = 2, X0 = 3, X1 = 4;

    // Nominal parameters of seed 001 section 6.1.
    private const double VmaxHK0 = 4.15e-5, VmaxmAb0 = 3.5e-8, KmGLC0 = 4.2, Vmaxg0 = 0.126;
    private const double VmaxHK1 = 1.95e-5, VmaxmAb1 = 7.5e-8, KmGLC1 = 3.5, Beta0 = 0.3, Beta1 = 0.1;

    public static TheoryData<string> ChoVariants => new() { "json", "csharp" };

    private static ReactionNetwork Cho(string variant) => variant == "json" ? BuiltInModels.Load("cho") : BuiltInModels.Cho();

    [Theory]
    [MemberData(nameof(ChoVariants))]
    public void Stoichiometry_Cho_SpeciesRowsEqualSeedMatrixN(string variant)
    {
        var cm = Cho(variant).Compiled;
        Assert.Equal(5, cm.ChannelCount);
        Assert.Equal(3, cm.SpeciesCount);
        Assert.Equal(2, cm.PhaseCount);
        var s = cm.Stoichiometry.ToArray();

        // Seed 001: N = [−1, −0.02, −0.01; 2, 0, 0; 0, 0, 1] (rows GLC, LAC, mAb; columns glycolysis, growth,
        // production); the two transition channels do not touch the species.
        double[,] n = { { -1, -0.02, -0.01 }, { 2, 0, 0 }, { 0, 0, 1 } };
        for (int i = 0; i < 3; i++)
        {
            for (int r = 0; r < 3; r++)
            {
                Assert.Equal(n[i, r], s[(i * 5) + r]);
            }

            Assert.Equal(0.0, s[(i * 5) + 3]);
            Assert.Equal(0.0, s[(i * 5) + 4]);
        }
    }

    [Theory]
    [MemberData(nameof(ChoVariants))]
    public void Stoichiometry_Cho_PhaseRowsHoldGrowthAndTransitions(string variant)
    {
        var cm = Cho(variant).Compiled;
        var s = cm.Stoichiometry.ToArray();

        // X0: +1 per unit of growth, −1 for X0→X1, +1 for X1→X0; X1 the opposite of the transitions.
        Assert.Equal(new double[] { 0, 1, 0, -1, 1 }, s[(X0 * 5)..((X0 * 5) + 5)]);
        Assert.Equal(new double[] { 0, 0, 0, 1, -1 }, s[(X1 * 5)..((X1 * 5) + 5)]);
        Assert.Equal(["glycolysis", "growth", "production", "X0->X1", "X1->X0"], cm.ChannelNames);
    }

    [Theory]
    [MemberData(nameof(ChoVariants))]
    public void IsStochasticChannel_Cho_TrueForReactionsFalseForTransitions(string variant)
    {
        var cm = Cho(variant).Compiled;
        Assert.True(cm.IsStochasticChannel(0));
        Assert.True(cm.IsStochasticChannel(1)); // growth consumes glucose, so it is an event
        Assert.True(cm.IsStochasticChannel(2));
        Assert.False(cm.IsStochasticChannel(3));
        Assert.False(cm.IsStochasticChannel(4));
    }

    private static (double[] Rates, double[] Drift) HandComputed(double[] z)
    {
        double glc = z[GLC], x0 = z[X0], x1 = z[X1];
        double m0 = glc / (KmGLC0 + glc), m1 = glc / (KmGLC1 + glc);
        double vHK = (VmaxHK0 * m0 * x0) + (VmaxHK1 * m1 * x1);
        double vGrowth0 = Vmaxg0 * m0 * x0;
        double vmAb = (VmaxmAb0 * m0 * x0) + (VmaxmAb1 * m1 * x1);
        double[] rates = [vHK, vGrowth0, vmAb, Beta0 * x0, Beta1 * x1];
        double[] drift =
        [
            -vHK - (0.02 * vGrowth0) - (0.01 * vmAb),
            2 * vHK,
            vmAb,
            vGrowth0 + (Beta1 * x1) - (Beta0 * x0),
            (Beta0 * x0) - (Beta1 * x1),
        ];
        return (rates, drift);
    }

    private static void AssertRelative(double expected, double actual, double tol, string what) =>
        Assert.True(Math.Abs(actual - expected) <= tol * Math.Abs(expected), $"{what}: {actual:R} vs hand {expected:R}");

    [Theory]
    [MemberData(nameof(ChoVariants))]
    public void Drift_ChoDefaultInitialState_EqualsSeedFormulas(string variant)
    {
        // Seed 001 section 6.1: vHK_i = vmaxHK_i·GLC/(KmGLC_i + GLC)·X_i, vgrowth0 = vmaxg0·GLC/(KmGLC0 + GLC)·X0,
        // vmAb_i likewise; dGLC = −ΣvHK − 0.02·vgrowth0 − 0.01·ΣvmAb, dLAC = 2ΣvHK, dmAb = ΣvmAb,
        // dX0 = vgrowth0 + β1X1 − β0X0, dX1 = β0X0 − β1X1. The compiled code sums the same terms in a different
        // order, and dX0 involves a cancellation of terms of size ~50 to ~−28: 1e-12 relative to the result is
        // ~1000 ulps of the largest term, ample for rounding yet far below any modelling error.
        var model = Cho(variant);
        var z = model.DefaultInitialState();
        Assert.Equal([28.0, 0.8, 0.0, 180.0, 10.0], z);
        var theta = model.NominalParameters();
        Assert.Equal([VmaxHK0, VmaxmAb0, KmGLC0, Vmaxg0, VmaxHK1, VmaxmAb1, KmGLC1, Beta0, Beta1], theta);
        var (rates, drift) = HandComputed(z);
        var a = new double[5];
        var b = new double[5];
        model.Compiled.Rates(z, theta, a);
        model.Compiled.Drift(z, theta, b);
        for (int i = 0; i < 5; i++)
        {
            AssertRelative(rates[i], a[i], 1e-12, $"rate {model.Compiled.ChannelNames[i]}");
            AssertRelative(drift[i], b[i], 1e-12, $"drift {model.StateNames[i]}");
        }
    }

    [Fact]
    public void Drift_ChoRandomStates_EqualsSeedFormulas()
    {
        // Same hand formulas away from the default state (positive states from a seeded generator). The relative
        // tolerance is taken against Σ|terms| because dX0 can cancel to near zero.
        var model = BuiltInModels.Load("cho");
        var theta = model.NominalParameters();
        var rng = new Random(4001);
        var b = new double[5];
        for (int p = 0; p < 20; p++)
        {
            double[] z = [40 * rng.NextDouble(), 10 * rng.NextDouble(), rng.NextDouble(), 2000 * rng.NextDouble(), 2000 * rng.NextDouble()];
            var (rates, drift) = HandComputed(z);
            model.Compiled.Drift(z, theta, b);
            double[] scale =
            [
                rates[0] + (0.02 * rates[1]) + (0.01 * rates[2]),
                2 * rates[0],
                rates[2],
                rates[1] + rates[3] + rates[4],
                rates[3] + rates[4],
            ];
            for (int i = 0; i < 5; i++)
            {
                Assert.True(Math.Abs(b[i] - drift[i]) <= 1e-12 * scale[i], $"drift {model.StateNames[i]}: {b[i]:R} vs hand {drift[i]:R}");
            }
        }
    }

    [Fact]
    public void DriftStateJacobian_ChoTransitionBlock_IsTheBetaMatrix()
    {
        // ∂(dX1)/∂X0 = β0 and ∂(dX1)/∂X1 = −β1 exactly (linear terms); ∂(dX1)/∂GLC = 0 exactly.
        var model = BuiltInModels.Load("cho");
        var jac = new double[25];
        model.Compiled.DriftStateJacobian(model.DefaultInitialState(), model.NominalParameters(), jac);
        Assert.Equal(Beta0, jac[(X1 * 5) + X0]);
        Assert.Equal(-Beta1, jac[(X1 * 5) + X1]);
        Assert.Equal(0.0, jac[(X1 * 5) + GLC]);
        Assert.Equal(0.0, jac[(LAC * 5) + LAC]); // nothing depends on lactate
        Assert.Equal(0.0, jac[(MAb * 5) + MAb]);
    }

    [Fact]
    public void MichaelisMenten_Stoichiometry_AndRatesAreMassAction()
    {
        var model = BuiltInModels.Load("michaelis-menten");
        var cm = model.Compiled;
        Assert.Equal(["S", "E", "ES", "P"], model.StateNames);
        Assert.Equal(0, cm.PhaseCount);

        // Rows S, E, ES, P; columns binding, unbinding, catalysis.
        Assert.Equal(new double[] { -1, 1, 0, -1, 1, 1, 1, -1, -1, 0, 0, 1 }, cm.Stoichiometry.ToArray());
        Assert.All(Enumerable.Range(0, 3), r => Assert.True(cm.IsStochasticChannel(r)));
        double[] z = [0.4, 0.15, 0.05, 0.1];
        var theta = model.NominalParameters();
        var a = new double[3];
        cm.Rates(z, theta, a);
        AssertRelative(3600 * 0.15 * 0.4, a[0], 1e-15, "binding");
        AssertRelative(0.36 * 0.05, a[1], 1e-15, "unbinding");
        AssertRelative(360 * 0.05, a[2], 1e-15, "catalysis");
    }

    [Fact]
    public void ReactionNetwork_Indices_FollowDeclarationOrder()
    {
        var model = BuiltInModels.Load("cho");
        Assert.Equal(["GLC", "LAC", "mAb", "X0", "X1"], model.StateNames);
        Assert.Equal(X0, model.IndexOfState("X0"));
        Assert.Equal(-1, model.IndexOfState("X2"));
        Assert.Equal(7, model.IndexOfParameter("beta0"));
        Assert.Equal(-1, model.IndexOfParameter("beta2"));
        Assert.False(model.Parameters[7].Estimate);
        Assert.True(model.Parameters[0].Estimate);
    }

    [Fact]
    public void WithSystemSize_ReturnsCopyWithNewOmegaAndSameFunctions()
    {
        var model = BuiltInModels.Load("cho");
        var big = model.WithSystemSize(1e4);
        Assert.Equal(1e4, big.SystemSize);
        Assert.Equal(1.0, model.SystemSize);
        Assert.Same(model.Compiled, big.Compiled);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.WithSystemSize(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.WithSystemSize(double.PositiveInfinity));
    }

    [Fact]
    public void Rates_ConcurrentCallers_GetTheSameResults()
    {
        // The compiled delegates keep their temporaries in locals, so concurrent evaluation at different points must
        // give exactly what a sequential evaluation gives.
        var model = BuiltInModels.Load("cho");
        var theta = model.NominalParameters();
        var points = Enumerable.Range(0, 64).Select(i => new[] { 1.0 + i, 0.8, 0.01, 100.0 + i, 10.0 + (2 * i) }).ToArray();
        var sequential = points.Select(z =>
        {
            var j = new double[25];
            model.Compiled.DriftStateJacobian(z, theta, j);
            return j;
        }).ToArray();
        var parallel = new double[points.Length][];
        Parallel.For(0, points.Length, i =>
        {
            var j = new double[25];
            for (int rep = 0; rep < 200; rep++)
            {
                model.Compiled.DriftStateJacobian(points[i], theta, j);
            }

            parallel[i] = j;
        });
        for (int i = 0; i < points.Length; i++)
        {
            Assert.Equal(sequential[i], parallel[i]);
        }
    }
}
