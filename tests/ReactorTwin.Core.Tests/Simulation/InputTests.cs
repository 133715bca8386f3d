using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;
using static ReactorTwin.Core.Tests.TestHelpers;

namespace ReactorTwin.Core.Tests.Simulation;

/// <summary>
/// Time in rate laws and named inputs through every method, against closed forms. The test network is a fed
/// immigration–death process: ∅ → A at the feed rate F(t), A → ∅ at rate g·A, A(0) = 0. Its mean solves
/// m' = F − g m, and because every molecule arrives and leaves independently A is Poisson at every time, so
/// the variance is m/Ω (the LNA's covariance equation has this solution exactly, and the CLE's and SSA's paths
/// have it as their variance).
/// <para>Tolerances: deterministic results 1e−7 relative (integrator at rtol 1e−10); ensemble moments 4 standard
/// errors, SE_m = √(v/N) and SE_v = v√(2/(N−1)) (the Poisson excess kurtosis 1/(Ωm) ≤ 0.01 is negligible at N = 2000).
/// The CLE's Euler–Maruyama bias at Δt = 1e−3 h is O(gΔt) = 1e−3 relative, below 0.3 SE.</para>
/// </summary>
public class InputTests
{
    private const double G = 1.0, F0 = 5.0, R = 0.4, Omega = 100;
    private static readonly double[] Times = [0.5, 1.0, 2.0, 3.5];

    private static readonly OdeOptions Tight = new() { RelativeTolerance = 1e-10, AbsoluteTolerance = 1e-14 };

    /// <summary>Feed F0·e^{rt} written with the time t.</summary>
    internal static ReactionNetwork ExponentialFeed() =>
        ReactionNetwork.CreateBuilder("exponential-feed")
            .WithSystemSize(Omega)
            .AddSpecies("A", "mM", 0)
            .AddParameter("F0", F0, 0.01, 100)
            .AddParameter("r", R, 0.01, 2)
            .AddParameter("g", G, 0.01, 10)
            .AddReaction("feed", new() { ["A"] = 1 }, "F0*exp(r*t)")
            .AddReaction("death", new() { ["A"] = -1 }, "g*A")
            .Build();

    /// <summary>Feed from an input F.</summary>
    internal static ReactionNetwork InputFeed(InputInterpolation interpolation) =>
        ReactionNetwork.CreateBuilder("input-feed")
            .WithSystemSize(Omega)
            .AddSpecies("A", "mM", 0)
            .AddParameter("g", G, 0.01, 10)
            .AddInput("F", "mM/h", 0.0, interpolation)
            .AddReaction("feed", new() { ["A"] = 1 }, "F")
            .AddReaction("death", new() { ["A"] = -1 }, "g*A")
            .Build();

    private static double ExponentialMean(double t) => F0 / (R + G) * (Math.Exp(R * t) - Math.Exp(-G * t));

    // F = 0 on [0, 1), 8 on [1, 3), 2 from 3 on.
    private static readonly double[] StepTimes = [0, 1, 3], StepValues = [0, 8, 2];

    private static double StepMean(double t)
    {
        double m = 0;
        for (int k = 0; k < StepTimes.Length && StepTimes[k] < t; k++)
        {
            double end = k + 1 < StepTimes.Length ? Math.Min(StepTimes[k + 1], t) : t;
            double f = StepValues[k];
            m = (f / G) + ((m - (f / G)) * Math.Exp(-G * (end - StepTimes[k])));
        }

        return m;
    }

    // F linear from (0, 0) to (2, 4), then held at 4.
    private static double RampMean(double t)
    {
        double Ramp(double s) => (2 * s / G) - (2 / (G * G)) + (2 / (G * G) * Math.Exp(-G * s));
        return t <= 2 ? Ramp(t) : (4 / G) + ((Ramp(2) - (4 / G)) * Math.Exp(-G * (t - 2)));
    }

    private static void Close(double expected, double actual) =>
        Assert.True(Math.Abs(actual - expected) <= 1e-7 * Math.Max(Math.Abs(expected), 1e-3), $"{actual:R} vs {expected:R}");

    [Fact]
    public void MeanOde_ExponentialFeedInTime_MatchesClosedForm()
    {
        var model = ExponentialFeed();
        var output = new double[Times.Length];
        new MeanOdeSimulator(model, Tight).Simulate([0.0], model.NominalParameters(), Times, output);
        for (int j = 0; j < Times.Length; j++)
        {
            Assert.Equal(1.0, output[j] / ExponentialMean(Times[j]), 7);
        }
    }

    [Fact]
    public void Lna_ExponentialFeedInTime_MeanAndVarianceArePoisson()
    {
        var model = ExponentialFeed();
        var lna = new LnaSolver(model, [], new LnaOptions { Tolerances = Tight });
        var state = lna.CreateState();
        state.Reset([0.0]);
        double t = 0;
        foreach (double tj in Times)
        {
            lna.Propagate(state, model.NominalParameters(), t, tj, resume: t > 0);
            t = tj;
            double m = ExponentialMean(tj);
            Assert.Equal(1.0, state.Mean[0] / m, 7);
            Assert.Equal(1.0, state.Covariance[0] * Omega / m, 7);
        }
    }

    [Theory]
    [InlineData(InputInterpolation.Constant)]
    [InlineData(InputInterpolation.Linear)]
    public void MeanOdeAndLna_InputSeries_MatchClosedForm(InputInterpolation interpolation)
    {
        var model = InputFeed(interpolation);
        var schedule = interpolation == InputInterpolation.Constant
            ? InputSchedule.Constant(model).With("F", StepTimes, StepValues)
            : InputSchedule.Constant(model).With("F", [0.0, 2.0], [0.0, 4.0]);
        Func<double, double> mean = interpolation == InputInterpolation.Constant ? StepMean : RampMean;
        double[] times = [0.5, 1.0, 1.5, 2.0, 3.0, 4.0];
        var output = new double[times.Length];
        new MeanOdeSimulator(model, Tight).Simulate([0.0], model.NominalParameters(), times, output, schedule);
        var lna = new LnaSolver(model, [], new LnaOptions { Tolerances = Tight });
        var state = lna.CreateState();
        state.Reset([0.0]);
        double t = 0;
        for (int j = 0; j < times.Length; j++)
        {
            lna.Propagate(state, model.NominalParameters(), t, times[j], resume: t > 0, inputs: schedule);
            t = times[j];
            double m = mean(times[j]);
            Close(m, output[j]);
            Close(m, state.Mean[0]);
            Close(m, state.Covariance[0] * Omega);
        }

        Assert.Equal(interpolation == InputInterpolation.Constant ? 8.0 : 2.0, schedule.Value("F", 1.0));
    }

    [Fact]
    public void CleAndSsa_InputSeries_EnsembleMomentsArePoisson()
    {
        var model = InputFeed(InputInterpolation.Constant);
        var schedule = InputSchedule.Constant(model).With("F", StepTimes, StepValues);
        double[] times = [1.0, 2.0, 4.0];
        const int paths = 2000;
        var cle = new ChemicalLangevinSimulator(model, 1e-3);
        var ssa = new GillespieSimulator(model);
        var cleSamples = new double[paths, times.Length];
        var ssaSamples = new double[paths, times.Length];
        var output = new double[times.Length];
        var gauss = new GaussianSource(new Random(7));
        var rng = new Random(8);
        for (int p = 0; p < paths; p++)
        {
            cle.Simulate([0.0], model.NominalParameters(), times, output, gauss, schedule);
            for (int j = 0; j < times.Length; j++)
            {
                cleSamples[p, j] = output[j];
            }

            ssa.Simulate([0.0], model.NominalParameters(), times, output, rng, schedule);
            for (int j = 0; j < times.Length; j++)
            {
                ssaSamples[p, j] = output[j];
            }
        }

        for (int j = 0; j < times.Length; j++)
        {
            double m = StepMean(times[j]), v = m / Omega;
            if (m == 0)
            {
                continue;
            }

            foreach (var (what, samples) in new[] { ("CLE", cleSamples), ("SSA", ssaSamples) })
            {
                var (mean, variance) = MeanVariance(samples, j);
                Assert.True(Math.Abs(mean - m) <= 4 * Math.Sqrt(v / paths), $"{what} mean at {times[j]} h: {mean} vs {m}");
                Assert.True(Math.Abs(variance - v) <= 4 * v * Math.Sqrt(2.0 / (paths - 1)), $"{what} variance at {times[j]} h: {variance} vs {v}");
            }
        }
    }

    /// <summary>Rows of one batch: the feed as input rows, A measured at <see cref="Times"/> with values off the mean.</summary>
    private static List<DataRow> FedRows()
    {
        var rows = new List<DataRow> { new("b1", 0, "A", 0.0) };
        for (int k = 0; k < StepTimes.Length; k++)
        {
            rows.Add(new DataRow("b1", StepTimes[k], "F", StepValues[k]));
        }

        for (int j = 0; j < Times.Length; j++)
        {
            rows.Add(new DataRow("b1", Times[j], "A", StepMean(Times[j]) + (0.1 * (j - 1.5))));
        }

        return rows;
    }

    [Fact]
    public void OdeLikelihood_InputsFromTheData_EqualsClosedFormAndGradientMatchesDifferences()
    {
        var model = InputFeed(InputInterpolation.Constant);
        var data = ObservationSet.FromRows(model, FedRows(), "fed.csv");
        Assert.Equal(8.0, data.Batches[0].Inputs!.Value("F", 2.0));
        var noise = new MeasurementNoise(1).SetAbsolute(0, 0.2);
        var likelihood = new OdeLikelihood(model, [0], Tight);
        var result = new LikelihoodResult(1);
        likelihood.Evaluate(data, [G], noise, result);
        double expected = 0;
        for (int j = 0; j < Times.Length; j++)
        {
            double v = 0.1 * (j - 1.5), s2 = (0.2 * 0.2) + 1e-12;
            expected += -0.5 * (Math.Log(2 * Math.PI * s2) + (v * v / s2));
        }

        Assert.Equal(expected, result.LogLikelihood, 6);
        double h = 1e-6;
        var plus = new LikelihoodResult(1);
        var minus = new LikelihoodResult(1);
        likelihood.Evaluate(data, [G + h], noise, plus);
        likelihood.Evaluate(data, [G - h], noise, minus);
        double fd = (plus.LogLikelihood - minus.LogLikelihood) / (2 * h);
        Assert.Equal(1.0, result.Gradient[0] / fd, 5);
    }

    [Fact]
    public void KalmanLna_InputsFromTheData_GradientMatchesDifferences()
    {
        var model = InputFeed(InputInterpolation.Constant);
        var data = ObservationSet.FromRows(model, FedRows(), "fed.csv");
        var noise = new MeasurementNoise(1).SetAbsolute(0, 0.2);
        var likelihood = new KalmanLnaLikelihood(model, [0], new LnaOptions { Tolerances = Tight });
        Assert.False(likelihood.UsesAdjoint);
        var result = new LikelihoodResult(1);
        likelihood.Evaluate(data, [G], noise, result);
        double h = 1e-6;
        var value = new KalmanLnaLikelihood(model, [], new LnaOptions { Tolerances = Tight });
        var plus = new LikelihoodResult(0);
        var minus = new LikelihoodResult(0);
        value.Evaluate(data, [G + h], noise, plus);
        value.Evaluate(data, [G - h], noise, minus);
        Assert.Equal(1.0, result.Gradient[0] / ((plus.LogLikelihood - minus.LogLikelihood) / (2 * h)), 5);
    }

    [Fact]
    public void FromRows_InputTwiceAtOneTimeOrWithoutMeasurements_AreErrors()
    {
        var model = InputFeed(InputInterpolation.Constant);
        var rows = FedRows();
        rows.Add(new DataRow("b1", 1, "F", 3, Line: 40));
        rows.Add(new DataRow("b2", 0, "F", 1, Line: 41));
        var ex = Assert.Throws<DataException>(() => ObservationSet.FromRows(model, rows, "fed.csv"));
        Assert.Contains(ex.Errors, e => e.Line == 40 && e.Message.Contains("batch b1: input F at 1 h is already given", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.Line == 41 && e.Message.Contains("batch b2 gives input values (F) but no measurement", StringComparison.Ordinal));
    }

    [Fact]
    public void InputSchedule_LiveSetpoints_AppendAndReplacePoints()
    {
        var model = InputFeed(InputInterpolation.Constant);
        var schedule = InputSchedule.Constant(model);
        Assert.Equal(0.0, schedule.Value("F", 5));
        var live = schedule.WithPoint("F", 1, 2).WithPoint("F", 3, 4).WithPoint("F", 3, 5);
        Assert.Equal(new[] { 1.0, 3.0 }, live.Breakpoints);
        Assert.Equal(2.0, live.Value("F", 0.5));
        Assert.Equal(5.0, live.Value("F", 3));
        Assert.Throws<ArgumentException>(() => live.WithPoint("F", 2, 1));
        var ex = Assert.Throws<ArgumentException>(() => live.WithPoint("G", 4, 1));
        Assert.Contains("has no input 'G' (inputs: F)", ex.Message, StringComparison.Ordinal);
    }
}
