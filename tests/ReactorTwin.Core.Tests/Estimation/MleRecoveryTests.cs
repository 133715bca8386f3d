using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Core.Tests.Estimation;

/// <summary>
/// MLE recovery on CHO (issue 4): 20 batches simulated by the chemical Langevin equation at the seed 001 values with
/// 2 % + 1e−3 measurement noise on every component, fitted with the Kalman–LNA likelihood (exact for the LNA, no
/// O(Δt) bias unlike the Euler–Maruyama likelihood at 12 h). The data, seeds and LNA tolerances are those of
/// <c>study cho-mle</c> (benchmarks project), which computes the parametric-bootstrap spread quoted below.
/// </summary>
public sealed class MleRecoveryTests
{
    private static readonly double[] EarlyTimes = [1, 2, 4, 6, 9, 12, 24, 36, 48, 60, 72];
    private static readonly double[] SeedTimes = [12, 24, 36, 48, 60, 72];

    /// <summary>rtol 1e−4, sensitivities out of the error control: the optimum moves by &lt; 1e−3 SE against the default, 4–5× faster.</summary>
    private static readonly LnaOptions Lna = new() { Tolerances = new() { RelativeTolerance = 1e-4, AbsoluteTolerance = 1e-7 }, SensitivityErrorControl = false };

    private static MeasurementNoise Noise(ReactionNetwork cho)
    {
        var noise = new MeasurementNoise(cho.StateDimension);
        for (int i = 0; i < cho.StateDimension; i++)
        {
            noise.SetRelative(i, 0.02).SetAbsolute(i, 1e-3);
        }

        return noise;
    }

    private static ObservationSet Data(ReactionNetwork cho, double[] times, int batches, int seed)
    {
        var design = new Random(seed + 1);
        var starts = new List<double[]>();
        for (int b = 0; b < batches; b++)
        {
            var z0 = cho.DefaultInitialState();
            z0[0] = 18 + (20 * design.NextDouble()); // initial glucose, the design variable, in [18, 38] mM
            starts.Add(z0);
        }

        return SyntheticData.ChemicalLangevin(cho, cho.NominalParameters(), starts, times, Noise(cho), 0.01, new GaussianSource(new Random(seed)), "cho recovery");
    }

    /// <summary>θ* with the α moved by factors 1.2 and 1/1.2 alternately: the fit starts away from the truth.</summary>
    private static double[] OffsetStart(ReactionNetwork cho)
    {
        var theta = cho.NominalParameters();
        var indices = new ParameterSpace(cho).Indices;
        for (int j = 0; j < indices.Count; j++)
        {
            theta[indices[j]] *= j % 2 == 0 ? 1.2 : 1 / 1.2;
        }

        return theta;
    }

    [Fact]
    public void MultiStartMle_ChoEarlySampling20Batches_RecoversEveryAlphaWithinBootstrapSpreadAndBeatsSingleStart()
    {
        // Design 1: every component at 1, 2, 4, 6, 9, 12, 24, …, 72 h. The early samples resolve the growth phase
        // (X0 relaxes to the X0/X1 balance within 1/(β0 + β1) = 2.5 h), so all seven α are identified.
        var cho = BuiltInModels.Load("cho");
        var data = Data(cho, EarlyTimes, batches: 20, seed: 41);
        var space = new ParameterSpace(cho, OffsetStart(cho));
        var density = new PosteriorDensity(space, new KalmanLnaDataLikelihood(new KalmanLnaLikelihood(cho, space.Indices, Lna), data, Noise(cho)));
        var fit = MultiStartMle.Fit(density, space, new MultiStartMleOptions { Starts = 2, Seed = 3, StartHalfWidth = Math.Log(1.2) });

        // A single-start fit is exactly start 0 here (same first point, deterministic optimiser); the second start is
        // drawn within a factor 1.2 of it (12 s for both on 2 cores; a third start drawn within a factor 1.5 had not
        // finished after 10 minutes, and four whole-bound starts had not finished after 7 minutes).
        var single = fit.Starts[0];
        Assert.True(single.Succeeded);
        Assert.True(fit.LogLikelihood >= single.LogLikelihood, $"multi-start {fit.LogLikelihood} < single start {single.LogLikelihood}");
        Assert.All(fit.Starts, s => Assert.True(s.Succeeded, s.Exit));

        var truth = new double[space.Dimension];
        space.ToUnconstrained(cho.NominalParameters(), truth);

        // Tolerance: 3.5 bootstrap SDs of û per parameter (study cho-mle: 40 replicates re-simulated at θ̂ and re-fitted;
        // the SD of an SD from 40 replicates is about 11 %, so 3.5 of them are about 3 true SDs or more).
        double[] bootstrapSd = BootstrapSdEarly;
        for (int j = 0; j < space.Dimension; j++)
        {
            double err = Math.Abs(fit.Optimum[j] - truth[j]);
            Assert.True(err <= 3.5 * bootstrapSd[j], $"{space.Names.ElementAt(j)}: û {fit.Optimum[j]:F4}, truth {truth[j]:F4}, |error| {err:F4} > 3.5 × {bootstrapSd[j]}");
        }

        // And the likelihood-ratio statistic against the truth is χ²₇-sized (99 % point 18.48): no likelihood bias.
        var g = new double[space.Dimension];
        Assert.InRange(2 * (fit.LogLikelihood - density.Evaluate(truth, g)), 0, 18.48);
    }

    [Theory]
    [InlineData(0, 4)] // vmaxHK0 → vmaxHK1
    [InlineData(1, 5)] // vmaxmAb0 → vmaxmAb1
    public void KalmanLnaLikelihood_ChoSeedDesignVersusEarlySampling_PhaseSplitIsARidgeOnlyAt12Hours(int phase0, int phase1)
    {
        // Why the seed's 12 h design cannot recover the phase-0/phase-1 Vmax split (and why an earlier probe saw
        // vmaxmAb0 "5.4 SE" from the truth): after 1/(β0 + β1) = 2.5 h the cells grow in the balance X1/X0 ≈ 2.24
        // (the growing eigenvector of dX/dt = [[g − β0, β1], [β0, −β1]] X at g ≈ 0.11/h), so 12-hourly data see
        // Vmax0·X0 + Vmax1·X1 ∝ Vmax0 + 2.24·Vmax1 mostly as a sum. Moving 75 % of the phase-0 rate to phase 1 along
        // that sum costs almost nothing with 12 h data but is rejected by the early design (same 20 batches and
        // seeds as the recovery test). The MLE then runs along the ridge to a bound of one member, where the Wald SE
        // of the other is conditional on the bound: an identifiability artefact, not a likelihood bias (the
        // likelihood ratio against the truth stays χ²₇-sized: 4.1 and 5.1 on two other 12 h data sets, docs/estimation.md).
        var cho = BuiltInModels.Load("cho");
        var space = new ParameterSpace(cho);
        var truth = space.BaseUnconstrained();
        var ridge = (double[])truth.Clone();
        double v0 = Math.Exp(truth[phase0]), v1 = Math.Exp(truth[phase1]);
        ridge[phase0] = Math.Log(0.25 * v0);
        ridge[phase1] = Math.Log(v1 + (0.75 * v0 / 2.24));
        double Drop(double[] times)
        {
            var density = new PosteriorDensity(space, new KalmanLnaDataLikelihood(new KalmanLnaLikelihood(cho, space.Indices, Lna), Data(cho, times, batches: 20, seed: 41), Noise(cho)));
            var g = new double[space.Dimension];
            return 2 * (density.Evaluate(truth, g) - density.Evaluate(ridge, g));
        }

        // χ²₁: 95 % point 3.84, 99 % point 6.63. Measured: 12 h 2.24 (HK) and −0.04 (mAb); early 18.2 and 8.3.
        Assert.True(Drop(SeedTimes) < 3.84, "12 h design: the ridge point should be inside the 95 % likelihood region");
        Assert.True(Drop(EarlyTimes) > 6.63, "early design: the ridge point should be rejected at 99 %");
    }

    /// <summary>Bootstrap SD of û per α for design 1 (study cho-mle, 40 replicates), u order of <see cref="ParameterSpace"/>.</summary>
    private static readonly double[] BootstrapSdEarly = [0.305, 0.918, 0.0154, 0.0029, 0.322, 0.244, 0.585];
}
