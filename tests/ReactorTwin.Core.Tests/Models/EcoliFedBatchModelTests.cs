using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;
using Xunit.Abstractions;

namespace ReactorTwin.Core.Tests.Models;

/// <summary>
/// The built-in fed-batch E. coli overflow model (<c>ecoli-fedbatch</c>, Anane et al. 2017): its structure, its drift
/// against the paper's equations, a fed-batch run against SciPy, stiffness, and closed-form mass balances.
/// </summary>
public class EcoliFedBatchModelTests(ITestOutputHelper log)
{
    private const string Name = "ecoli-fedbatch";

    /// <summary>Output times of the SciPy reference (h).</summary>
    private static readonly double[] ReferenceTimes = [1, 3, 6, 8, 9, 11, 13, 16];

    /// <summary>
    /// benchmarks/scipy/ecoli_fedbatch_reference.py (Radau IIA, rtol 1e−12, atol 1e−14; the paper's equations written
    /// state by state): rows V, S, A, DOT, DOTm, X at <see cref="ReferenceTimes"/>, published initial state, batch to
    /// 10 h, then F = 0.0087 L/h.
    /// </summary>
    private static readonly double[][] Reference =
    [
        [2.000000000000e+00, 4.816067187371e+00, 2.511332500611e-02, 9.450789630012e+01, 9.452199610993e+01, 2.328423675050e-01],
        [2.000000000000e+00, 4.419276776012e+00, 5.523403186115e-02, 9.052532235909e+01, 9.055090102996e+01, 4.393308933054e-01],
        [2.000000000000e+00, 3.137779924320e+00, 1.277576505983e-01, 7.815521791502e+01, 7.821310019220e+01, 1.121201868961e+00],
        [2.000000000000e+00, 1.442634773397e+00, 2.024803302466e-01, 6.310041088312e+01, 6.318746116803e+01, 2.036635761375e+00],
        [2.000000000000e+00, 2.413081555608e-01, 2.430830081256e-01, 5.695949073997e+01, 5.684720020856e+01, 2.693536982575e+00],
        [2.008700000000e+00, 5.985507533031e-02, 6.622375015435e-02, 5.313847281807e+01, 5.315557083349e+01, 3.609735879701e+00],
        [2.026100000000e+00, 2.669429625085e-02, 3.293241714297e-02, 5.173541848988e+01, 5.172932991513e+01, 5.082381157322e+00],
        [2.052200000000e+00, 1.493873188264e-02, 1.313999684520e-02, 5.141856367444e+01, 5.142190584023e+01, 7.196729046476e+00],
    ];

    private const double FeedStartHours = 10.0;
    private const double FeedLitresPerHour = 0.0087;

    private static ReactionNetwork Model() => BuiltInModels.Load(Name);

    private static InputSchedule Feed(ReactionNetwork m, double start, double rate) =>
        InputSchedule.Constant(m).With("F", [0.0, start], [0.0, rate]);

    [Fact]
    public void Load_BuiltIn_HasThePublishedStatesParametersAndFeedInput()
    {
        Assert.Contains(Name, BuiltInModels.Names);
        var m = Model();
        Assert.Equal(["V", "S", "A", "DOT", "DOTm", "X"], m.StateNames);
        Assert.Equal([2.0, 4.94, 0.0129, 98.0, 98.0, 0.17], m.DefaultInitialState());
        Assert.Equal("F", Assert.Single(m.Inputs).Name);
        Assert.Equal(0.0, m.Inputs[0].Value);
        Assert.Equal(23, m.Parameters.Count);
        Assert.Equal(0.635, m.Parameters[m.IndexOfParameter("qSmax")].Value);
        Assert.Equal(0.229, m.Parameters[m.IndexOfParameter("Yxsof")].Value);
        Assert.Equal(15, m.Parameters.Count(p => p.Estimate));
        Assert.All(m.Parameters, p => Assert.InRange(p.Value, p.Lower, p.Upper));
    }

    [Fact]
    public void Channels_FeedDilutionTransferAndProbe_CarryNoNoise()
    {
        var c = Model().Compiled;
        var noisy = new List<string>();
        for (int r = 0; r < c.ChannelCount; r++)
        {
            if (c.IsStochasticChannel(r))
            {
                noisy.Add(c.ChannelNames[r]);
            }
        }

        Assert.Equal(["overflow", "oxidation", "anoxicUptake", "maintenance", "acetateUptake"], noisy);
        Assert.Contains("oxygenTransfer:reverse", c.ChannelNames);
        Assert.Contains("probe:reverse", c.ChannelNames);
    }

    [Fact]
    public void Drift_AtRandomFedBatchStates_EqualsThePapersEquations()
    {
        var m = Model();
        double[] theta = m.NominalParameters();
        var args = new ModelArguments(m);
        args.SetParameters(theta);
        args.SetSegment(Feed(m, 0.5, 0.02), 1.0, 2.0);
        args.At(1.5);
        var rng = new Random(15);
        var drift = new double[6];
        for (int k = 0; k < 50; k++)
        {
            double[] z = [1 + rng.NextDouble(), 5 * rng.NextDouble(), rng.NextDouble(), 100 * rng.NextDouble(), 100 * rng.NextDouble(), 20 * rng.NextDouble()];
            m.Compiled.Drift(z, args.Values, drift);
            var expected = PaperRightHandSide(z, theta, m, 0.02);
            for (int i = 0; i < 6; i++)
            {
                Assert.True(Math.Abs(drift[i] - expected[i]) <= 1e-11 * (1 + Math.Abs(expected[i])), $"state {m.StateNames[i]} at draw {k}: {drift[i]} vs {expected[i]}");
            }
        }
    }

    [Fact]
    public void MeanOde_BatchThenConstantFeed_MatchesScipyRadauTo1e5Relative()
    {
        var m = Model();
        var ode = new MeanOdeSimulator(m, new OdeOptions { RelativeTolerance = 1e-10, AbsoluteTolerance = 1e-12 });
        var output = new double[ReferenceTimes.Length * 6];
        var result = ode.Simulate(m.DefaultInitialState(), m.NominalParameters(), ReferenceTimes, output, Feed(m, FeedStartHours, FeedLitresPerHour));
        double worst = 0;
        for (int j = 0; j < ReferenceTimes.Length; j++)
        {
            for (int i = 0; i < 6; i++)
            {
                double expected = Reference[j][i];
                double actual = output[(j * 6) + i];
                worst = Math.Max(worst, Math.Abs(actual - expected) / Math.Abs(expected));
                Assert.True(Math.Abs(actual - expected) <= 1e-5 * Math.Abs(expected), $"{m.StateNames[i]} at t = {ReferenceTimes[j]} h: {actual:R} vs SciPy {expected:R}");
            }
        }

        log.WriteLine($"largest relative difference from SciPy {worst:E2}; {result.AcceptedSteps} steps ({result.ImplicitSteps} implicit), {result.Evaluations} evaluations");
    }

    [Fact]
    public void MeanOde_DefaultOptions_SwitchesToTheImplicitMethodAndTakesFewSteps()
    {
        var m = Model();
        var output = new double[ReferenceTimes.Length * 6];
        var auto = new MeanOdeSimulator(m).Simulate(m.DefaultInitialState(), m.NominalParameters(), ReferenceTimes, output, Feed(m, FeedStartHours, FeedLitresPerHour));
        var explicitOnly = new MeanOdeSimulator(m, new OdeOptions { Method = OdeMethod.Explicit, MaxSteps = 1_000_000 })
            .Simulate(m.DefaultInitialState(), m.NominalParameters(), ReferenceTimes, new double[output.Length], Feed(m, FeedStartHours, FeedLitresPerHour));
        log.WriteLine($"automatic: {auto.AcceptedSteps} steps ({auto.ImplicitSteps} implicit, {auto.RejectedSteps} rejected, {auto.JacobianEvaluations} Jacobians); explicit only: {explicitOnly.AcceptedSteps} steps ({explicitOnly.RejectedSteps} rejected)");
        Assert.True(auto.ImplicitSteps > 0, $"no implicit step in {auto.AcceptedSteps}");
        Assert.True(auto.AcceptedSteps < AutoStepLimit, $"{auto.AcceptedSteps} steps");
        Assert.True(explicitOnly.AcceptedSteps > ExplicitStepRatio * auto.AcceptedSteps, $"explicit {explicitOnly.AcceptedSteps} vs automatic {auto.AcceptedSteps} steps");
        double worst = 0;
        for (int j = 0; j < ReferenceTimes.Length; j++)
        {
            for (int i = 0; i < 6; i++)
            {
                worst = Math.Max(worst, Math.Abs(output[(j * 6) + i] - Reference[j][i]) / Math.Abs(Reference[j][i]));
            }
        }

        log.WriteLine($"largest relative difference from SciPy at the default tolerances (rtol 1e-6, atol 1e-9): {worst:E2}");
        Assert.True(worst < 1e-3, $"{worst:E2}");
    }

    [Fact]
    public void MeanOde_WithoutCells_IsPureMixingAndAeration()
    {
        var m = Model();
        double[] theta = m.NominalParameters();
        double f = 0.05, sf = theta[m.IndexOfParameter("Sf")], kla = theta[m.IndexOfParameter("kLa")];
        double star = theta[m.IndexOfParameter("DOTstar")], kp = 3600 / theta[m.IndexOfParameter("tauDOT")];
        double[] z0 = [2.0, 4.0, 0.5, 20.0, 10.0, 0.0];
        double[] times = [0.005, 0.02, 0.1, 1, 4, 10];
        var output = new double[times.Length * 6];
        new MeanOdeSimulator(m, new OdeOptions { RelativeTolerance = 1e-10, AbsoluteTolerance = 1e-12 })
            .Simulate(z0, theta, times, output, InputSchedule.Constant(m).With("F", [0.0], [f]));
        for (int j = 0; j < times.Length; j++)
        {
            double t = times[j], v = z0[0] + (f * t), c = z0[3] - star;
            double lag = c * kp / (kp - kla);
            double[] expected =
            [
                v,
                ((z0[0] * z0[1]) + (f * sf * t)) / v,
                z0[2] * z0[0] / v,
                star + (c * Math.Exp(-kla * t)),
                star + (lag * Math.Exp(-kla * t)) + ((z0[4] - star - lag) * Math.Exp(-kp * t)),
                0.0,
            ];
            for (int i = 0; i < 6; i++)
            {
                Assert.True(Math.Abs(output[(j * 6) + i] - expected[i]) <= 1e-7 * (1 + Math.Abs(expected[i])), $"{m.StateNames[i]} at t = {t} h: {output[(j * 6) + i]:R} vs {expected[i]:R}");
            }
        }
    }

    [Fact]
    public void MeanOde_BatchWithoutOverflowAndMaintenance_KeepsVolumeAndFormsBiomassAtYem()
    {
        var m = Model();
        double[] theta = m.NominalParameters();
        theta[m.IndexOfParameter("pAmax")] = 0;
        theta[m.IndexOfParameter("qm")] = 0;
        theta[m.IndexOfParameter("Ko")] = 0;
        double yem = theta[m.IndexOfParameter("Yem")];
        double[] z0 = [2.0, 4.94, 0.0, 98.0, 98.0, 0.17];
        double[] times = [1, 2, 4, 6, 8];
        var output = new double[times.Length * 6];
        new MeanOdeSimulator(m, new OdeOptions { RelativeTolerance = 1e-10, AbsoluteTolerance = 1e-12 }).Simulate(z0, theta, times, output);
        for (int j = 0; j < times.Length; j++)
        {
            double v = output[j * 6], s = output[(j * 6) + 1], a = output[(j * 6) + 2], x = output[(j * 6) + 5];
            Assert.Equal(2.0, v);
            Assert.Equal(0.0, a);
            Assert.True(s < z0[1] - 0.1, $"no glucose consumed by t = {times[j]} h");
            Assert.Equal(yem * (z0[1] - s), x - z0[5], 1e-8);
        }
    }

    [Fact]
    public void Gillespie_DeterministicFeedAndTransferChannels_AreRefusedByName()
    {
        var ex = Assert.Throws<ArgumentException>(() => new GillespieSimulator(Model()));
        Assert.Contains("oxygenTransfer", ex.Message, StringComparison.Ordinal);
        Assert.Contains("dilutionS", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("dilutionX", ex.Message, StringComparison.Ordinal); // X is a cell density, advanced between events
        Assert.Contains("use the CLE or the mean ODE", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ChemicalLangevin_FedBatchPaths_ScatterAroundTheMeanOde()
    {
        var m = Model();
        double[] times = [4, 8, 12];
        var feed = Feed(m, FeedStartHours, FeedLitresPerHour);
        var mean = new double[times.Length * 6];
        new MeanOdeSimulator(m).Simulate(m.DefaultInitialState(), m.NominalParameters(), times, mean, feed);
        var cle = new ChemicalLangevinSimulator(m, 5e-4);
        var source = new GaussianSource(new Random(42));
        const int paths = 20;
        var sum = new double[times.Length * 6];
        var path = new double[times.Length * 6];
        for (int k = 0; k < paths; k++)
        {
            cle.Simulate(m.DefaultInitialState(), m.NominalParameters(), times, path, source, feed);
            Assert.Equal(2.0 + (FeedLitresPerHour * 2), path[(2 * 6) + 0], 9); // the feed is deterministic: V has no noise
            for (int e = 0; e < sum.Length; e++)
            {
                sum[e] += path[e] / paths;
            }
        }

        for (int j = 0; j < times.Length; j++)
        {
            Assert.Equal(mean[(j * 6) + 5], sum[(j * 6) + 5], mean[(j * 6) + 5] * 0.02); // biomass within 2 %
        }
    }

    [Fact]
    public void Lna_FedBatch_MeanIsTheOdeAndSdsMatchChemicalLangevinMonteCarlo()
    {
        var m = Model();
        double[] theta = m.NominalParameters();
        var feed = Feed(m, FeedStartHours, FeedLitresPerHour);
        var lna = new LnaSolver(m, []);
        var state = lna.CreateState();
        state.Reset(m.DefaultInitialState());
        lna.Propagate(state, theta, 0, 12, inputs: feed);
        var ode = new double[6];
        new MeanOdeSimulator(m, new OdeOptions { RelativeTolerance = 1e-10, AbsoluteTolerance = 1e-12 }).Simulate(m.DefaultInitialState(), theta, [12.0], ode, feed);
        for (int i = 0; i < 6; i++)
        {
            Assert.Equal(ode[i], state.Mean[i], Math.Abs(ode[i]) * 1e-4);
        }

        Assert.Equal(0.0, state.Covariance[0], 15);             // V: the feed is deterministic
        const int paths = 100;
        var cle = new ChemicalLangevinSimulator(m, 1e-3);
        var source = new GaussianSource(new Random(7));
        var end = new double[paths, 6];
        var path = new double[6];
        for (int k = 0; k < paths; k++)
        {
            cle.Simulate(m.DefaultInitialState(), theta, [12.0], path, source, feed);
            for (int i = 0; i < 6; i++)
            {
                end[k, i] = path[i];
            }
        }

        foreach (int i in new[] { 1, 2, 3, 5 }) // S, A, DOT, X
        {
            double sdLna = Math.Sqrt(state.Covariance[(i * 6) + i]);
            double sdCle = Math.Sqrt(TestHelpers.MeanVariance(end, i).Variance);
            log.WriteLine($"{m.StateNames[i]} at 12 h: LNA sd {sdLna:G4}, CLE sd {sdCle:G4} ({paths} paths)");
            Assert.InRange(sdCle / sdLna, 0.7, 1.3); // a sample SD of 100 paths has a relative SD of about 7 %: ±30 % is over 4 of them
        }
    }

    private static int AutoStepLimit => 400;

    private static double ExplicitStepRatio => 3;

    /// <summary>The paper's six balances, written independently of the model file's channels.</summary>
    private static double[] PaperRightHandSide(double[] z, double[] theta, ReactionNetwork m, double feed)
    {
        double P(string name) => theta[m.IndexOfParameter(name)];
        double v = z[0], s = z[1], a = z[2], dot = z[3], dotm = z[4], x = z[5];
        double qS = P("qSmax") / (1 + (a / P("Kia"))) * s / (s + P("Ks"));
        double qSof = P("pAmax") * qS / (qS + P("Kap"));
        double qSox = (qS - qSof) * dot / (dot + P("Ko"));
        double qSan = (qSox - P("qm")) * P("Yem") * P("Cx") / P("Cs");
        double qsA = P("qAmax") / (1 + (qS / P("Kis"))) * a / (a + P("Ksa"));
        double mu = ((qSox - P("qm")) * P("Yem")) + (qsA * P("Yxa")) + (qSof * P("Yxsof"));
        double qO = (P("Yos") * (qSox - qSan)) + (qsA * P("Yoa"));
        double d = feed / v;
        return
        [
            feed,
            (d * (P("Sf") - s)) - (qS * x),
            (((qSof * P("Yas")) - qsA) * x) - (d * a),
            (P("kLa") * (P("DOTstar") - dot)) - (qO * x * P("H")),
            3600 / P("tauDOT") * (dot - dotm),
            (mu - d) * x,
        ];
    }
}
