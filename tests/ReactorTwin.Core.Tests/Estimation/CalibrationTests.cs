using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Estimation.Sampling;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Core.Tests.Estimation;

/// <summary>
/// Interval calibration (issue 4): over 100 simulated data sets, how often the MALA 95 % credible interval and the
/// parametric-bootstrap 95 % percentile interval contain the true value. The problem is chosen so that the study
/// is affordable in CI and honest: an immigration–death process (birth k, death g·A, Ω = 50, about 500 molecules
/// at steady state) whose data are exact Gillespie paths observed with measurement noise, fitted with the
/// Kalman–LNA likelihood (seed 001 eq. 12–13), whose mean and variance are exact for linear propensities. The
/// larger Michaelis–Menten study (`study calibration`) is in docs/estimation.md.
/// </summary>
public sealed class CalibrationTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int DataSets = 100;
    private static readonly double[] Times = [0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0];

    [Fact]
    public void MalaAndBootstrapIntervals_ImmigrationDeath100DataSets_CoverTruthIn88To99Percent()
    {
        var model = ReactionNetwork.CreateBuilder("immigration-death").WithSystemSize(50)
            .AddSpecies("A", "mM", 2)
            .AddParameter("k", 10, 0.1, 1000)
            .AddParameter("g", 1, 0.01, 100)
            .AddReaction("birth", new() { ["A"] = 1 }, "k")
            .AddReaction("death", new() { ["A"] = -1 }, "g*A")
            .Build();
        var noise = new MeasurementNoise(1).SetAbsolute(0, 0.2);
        var truthTheta = model.NominalParameters();
        var space = new ParameterSpace(model, baseValues: [20.0, 0.5]); // the fit starts away from the truth (10, 1)
        var truth = new double[2];
        space.ToUnconstrained(truthTheta, truth);
        int[] indices = [.. space.Indices];
        IDataLikelihood Lik(ObservationSet d) => new KalmanLnaDataLikelihood(new KalmanLnaLikelihood(model, indices), d, noise);
        ParameterPrior[] priors = [new BoundedUniformPrior(), new BoundedUniformPrior()];
        var mala = new int[2];
        var boot = new int[2];
        double minEss = double.PositiveInfinity, maxRHat = 0;
        for (int s = 0; s < DataSets; s++)
        {
            var initial = Enumerable.Range(0, 2).Select(_ => model.DefaultInitialState()).ToArray();
            var data = SyntheticData.Gillespie(model, truthTheta, initial, Times, noise, new GaussianSource(new Random(500 + s)), "calibration");
            var fit = MultiStartMle.Fit(new PosteriorDensity(space, Lik(data)), space, new MultiStartMleOptions { Starts = 1 });
            ILogDensity Posterior() => new PosteriorDensity(space, Lik(data), priors);
            var cov = ObservedInformation.RegularizedCovariance(Posterior(), fit.Optimum)!;
            var mcmc = AffineDensity.Sample(Posterior, fit.Optimum, cov, new LangevinOptions { Chains = 2, WarmupIterations = 150, Samples = 500, Seed = s + 1, InitialStepSize = 1.0, InitialJitter = 0.5 });
            var bootstrap = ParametricBootstrap.Run(space, fit.Optimum, data, d => new PosteriorDensity(space, Lik(d)), noise, new BootstrapOptions { Replicates = 30, Seed = s + 1, StepHours = 0.002 });
            for (int j = 0; j < 2; j++)
            {
                var sj = mcmc.Summary[j];
                mala[j] += sj.Quantile025 <= truth[j] && truth[j] <= sj.Quantile975 ? 1 : 0;
                boot[j] += bootstrap.Quantile(j, 0.025) <= truth[j] && truth[j] <= bootstrap.Quantile(j, 0.975) ? 1 : 0;
                minEss = Math.Min(minEss, sj.EffectiveSampleSize);
                maxRHat = Math.Max(maxRHat, sj.RankNormalizedSplitRHat);
            }
        }

        // 88–99 % of 100 sets. At the nominal 95 % the count is Binomial(100, 0.95): P(count < 88) ≈ 0.4 %,
        // P(count = 100) ≈ 0.6 % per interval (with 50 sets P(50/50) would be 7.7 %: too often a false failure). The
        // seeds are fixed, so the check is repeatable. Mixing: fit's own thresholds (ESS ≥ 100, rank R̂ ≤ 1.05).
        output.WriteLine($"MALA {mala[0]}/{mala[1]}, bootstrap {boot[0]}/{boot[1]} of {DataSets}; min ESS {minEss:F0}, max R-hat {maxRHat:F3}");
        Assert.True(minEss >= 100 && maxRHat <= 1.05, $"chains did not mix: min ESS {minEss}, max R-hat {maxRHat}");
        for (int j = 0; j < 2; j++)
        {
            Assert.True(mala[j] is >= 88 and <= 99, $"MALA covers u{j} in {mala[j]}/{DataSets} (bootstrap {boot[j]}/{DataSets})");
            Assert.True(boot[j] is >= 88 and <= 99, $"bootstrap covers u{j} in {boot[j]}/{DataSets} (MALA {mala[j]}/{DataSets})");
        }
    }
}
