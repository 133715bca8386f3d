using MathNet.Numerics.LinearAlgebra;
using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Core.Tests.Estimation;

/// <summary>The online parameter posterior: exact on a linear-Gaussian problem, close to the batch MAP and Laplace
/// approximation on the CHO model, its delta-method predictive against the cubature ensemble, allocation per reading.</summary>
public sealed class OnlinePosteriorTests
{
    private static readonly double[] GuessFactors = [1.6, 0.6, 1.8, 0.8, 1.5, 1.5, 0.6];

    [Fact]
    public void LinearGaussian_RecursiveSteps_EqualTheClosedFormPosterior()
    {
        // u ∈ ℝ², readings y_k = a_kᵀu + e_k, e_k ~ N(0, s_k): the posterior is Gaussian with
        // Σ = (Σ0⁻¹ + Σ a aᵀ/s)⁻¹ and m = Σ (Σ0⁻¹ m0 + Σ a y / s), which one Fisher-scoring step per reading reaches.
        var model = BuiltInModels.Load("michaelis-menten");
        var space = new ParameterSpace(model);
        Assert.True(space.Dimension >= 2);
        int q = space.Dimension;
        var priors = Enumerable.Range(0, q).Select(j => (ParameterPrior)new LogNormalPrior(Math.Exp(space.BaseUnconstrained()[j]), 0.8)).ToArray();
        var online = new OnlineLaplace(space, priors) { MaxStepMahalanobis = double.PositiveInfinity };
        var m0 = online.Mean.ToArray();
        var precision = Matrix<double>.Build.DenseDiagonal(q, q, 1 / (0.8 * 0.8));
        var information = precision * Vector<double>.Build.DenseOfArray(m0);
        var rng = new Random(5);
        var truth = m0.Select(v => v + 0.3).ToArray();
        var grad = new double[q];
        var meanGrad = new double[q];
        for (int k = 0; k < 25; k++)
        {
            var a = Enumerable.Range(0, q).Select(_ => rng.NextDouble() - 0.3).ToArray();
            double s = 0.05 + (0.1 * rng.NextDouble());
            double y = a.Zip(truth, (x, t) => x * t).Sum() + (Math.Sqrt(s) * ((rng.NextDouble() * 2) - 1));
            double h = a.Zip(online.Mean.ToArray(), (x, m) => x * m).Sum();
            for (int j = 0; j < q; j++)
            {
                grad[j] = a[j] * (y - h) / s;
                meanGrad[j] = a[j];
            }

            online.Absorb(grad, meanGrad, new double[q], s);
            var av = Vector<double>.Build.DenseOfArray(a);
            precision += av.OuterProduct(av) / s;
            information += av * (y / s);
        }

        var sigma = precision.Inverse();
        var mean = sigma * information;
        for (int i = 0; i < q; i++)
        {
            Assert.Equal(mean[i], online.Mean[i], 1e-9);
            for (int j = 0; j < q; j++)
            {
                Assert.Equal(sigma[i, j], online.Covariance[(i * q) + j], 1e-10);
            }
        }
    }

    [Fact]
    public void LongStep_IsShortenedToTheCap_AndBoundsHold()
    {
        var model = BuiltInModels.Load("michaelis-menten");
        var space = new ParameterSpace(model);
        int q = space.Dimension;
        var online = new OnlineLaplace(space, null);
        var before = online.Mean.ToArray();
        var grad = new double[q];
        grad[0] = 1e9; // a reading far in the tail
        var meanGrad = new double[q];
        meanGrad[0] = 1e-6;
        double norm = online.Absorb(grad, meanGrad, new double[q], 1.0);
        Assert.True(norm > online.MaxStepMahalanobis);
        Assert.True(online.Mean[0] <= space.Upper[0] && online.Mean[0] > before[0]);
        Assert.Throws<ArgumentException>(() => online.Absorb(grad, meanGrad, new double[q], double.NaN));
    }

    [Fact]
    public void ShortenedStep_AndAnchor_ReturnExactlyToEarlierMeans()
    {
        var model = BuiltInModels.Load("michaelis-menten");
        var space = new ParameterSpace(model);
        int q = space.Dimension;
        var online = new OnlineLaplace(space, null);
        var anchor = online.Mean.ToArray();
        var anchorCovariance = online.Covariance.ToArray();
        var grad = new double[q];
        grad[0] = 0.5;
        var meanGrad = new double[q];
        meanGrad[0] = 0.3;
        online.Absorb(grad, meanGrad, new double[q], 1.0);
        var afterFirst = online.Mean.ToArray();
        online.Absorb(grad, meanGrad, new double[q], 1.0);
        var full = online.Mean.ToArray();
        var covariance = online.Covariance.ToArray();

        online.ShortenLastStep(0.5);
        Assert.Equal(afterFirst[0] + (0.5 * (full[0] - afterFirst[0])), online.Mean[0], 1e-14);
        Assert.Equal(covariance, online.Covariance.ToArray()); // the reading's information stays
        online.ShortenLastStep(0.0);
        Assert.Equal(afterFirst, online.Mean.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => online.ShortenLastStep(1.5));

        online.ResetToAnchor();
        Assert.Equal(anchor, online.Mean.ToArray());
        Assert.Equal(anchorCovariance, online.Covariance.ToArray());
        Assert.Equal(0, online.Readings);
    }

    [Theory]
    [InlineData(101)]
    [InlineData(103)]
    [InlineData(4)]
    public void WidePrior_EveryReadingIsAbsorbed_AndTheFilteredStateStaysThatOfTheFilterUnderTheMovedEstimate(int seed)
    {
        // A guess far from the truth and a wide prior (sd 1.7 in log θ, as the runtime's accuracy test): early readings
        // move θ̂ by long steps. Each step either moves the filtered mean to first order (when that moves it by at most one
        // filtered sd plus 5 % of its value) or filters the batch again under the new θ̂. Checked after every reading against an
        // independent filter run from t = 0 under the current θ̂: the measured components within 0.5 filtered sd (the
        // first-order moves add up over a batch), and equal to the solvers' tolerance after a refiltering (the filter carries
        // sensitivities, so its adaptive steps differ from the independent filter's).
        var (cho, space, noise, priors) = ChoSetUp(sdLog: 1.7);
        var stream = Online(space, noise, priors);
        var rows = ChoBatch(cho, "b1", 28, seed);
        var independent = new KalmanLnaLikelihood(cho, []);
        int n = cho.StateDimension, replays = 0;
        double worst = 0;
        for (int i = 0; i < rows.Count; i++)
        {
            int before = stream.OnlineReplays;
            stream.AddMeasurement(rows[i].Batch, rows[i].TimeHours, rows[i].Name, rows[i].Value);
            if (rows[i].TimeHours == 0)
            {
                continue;
            }

            var z0 = cho.DefaultInitialState();
            z0[0] = rows[0].Value;
            foreach (var r in rows.Take(i + 1).Where(r => r.TimeHours == 0))
            {
                z0[cho.IndexOfState(r.Name)] = r.Value;
            }

            independent.BeginBatch(z0);
            foreach (var r in rows.Take(i + 1).Where(r => r.TimeHours > 0))
            {
                independent.Absorb(new ObservationTime(r.TimeHours, [cho.IndexOfState(r.Name)], [r.Value]), stream.Parameters, noise, []);
            }

            bool replayed = stream.OnlineReplays > before;
            replays += replayed ? 1 : 0;
            foreach (var name in new[] { "GLC", "LAC" })
            {
                int c = cho.IndexOfState(name);
                double exact = independent.Current.Mean[c], sd = Math.Sqrt(Math.Max(independent.Current.Covariance[(c * n) + c], 0));
                double gap = Math.Abs(stream.Filtered.Mean[c] - exact) / Math.Max(sd, 1e-6); // glucose used up: both ≈ 0
                worst = Math.Max(worst, gap);
                Assert.True(replayed ? gap < 1e-4 : gap < 0.5, $"reading {i} ({rows[i].Name} at {rows[i].TimeHours} h): gap {gap:G3} sd: filtered {name} {stream.Filtered.Mean[c]:G6} against {exact:G6} ± {sd:G3} under θ̂ (replayed: {replayed})");
            }
        }

        Assert.Equal(0, stream.OnlineFallbacks);
        Assert.True(replays > 0, "no step was long enough to refilter: the test does not exercise it");
        Assert.True(stream.OnlineReplays < rows.Count / 2, $"{stream.OnlineReplays} of {rows.Count} readings refiltered (worst first-order gap {worst:F2} sd)");
    }

    [Fact]
    public void ForecastGrid_InOnePass_EqualsEachHorizonPredictedOnItsOwn()
    {
        // The grid integrates each trajectory once through the horizons; predicting every horizon from the filter's
        // time must give the same moments up to the integrator's tolerance (rtol 1e−6: 1e−4 relative is generous).
        var (cho, space, noise, priors) = ChoSetUp(sdLog: 0.7);
        var stream = Online(space, noise, priors);
        foreach (var r in ChoBatch(cho, "b1", 28, seed: 4).Where(r => r.TimeHours <= 20))
        {
            stream.AddMeasurement(r.Batch, r.TimeHours, r.Name, r.Value);
        }

        double[] horizons = [20, 24, 30, 36, 48, 60, 72];
        var mixtures = horizons.Select(_ => new PredictiveMixture(2 * space.Dimension, cho.StateDimension)).ToArray();
        Assert.True(stream.PredictGrid(horizons, out var states, out var predictive, mixtures));
        int n = cho.StateDimension;
        var single = stream.CreateState();
        var singlePredictive = stream.CreateState();
        var singleMixture = new PredictiveMixture(2 * space.Dimension, n);
        for (int h = 0; h < horizons.Length; h++)
        {
            stream.Predict(horizons[h], single);
            Assert.True(stream.PredictWithParameterUncertainty(horizons[h], singlePredictive, singleMixture));
            for (int i = 0; i < n; i++)
            {
                Close(single.Mean[i], states[h].Mean[i], $"mean {i} at {horizons[h]} h");
                Close(singlePredictive.Mean[i], predictive[h].Mean[i], $"predictive mean {i} at {horizons[h]} h");
                Close(single.Covariance[(i * n) + i], states[h].Covariance[(i * n) + i], $"variance {i} at {horizons[h]} h");
                Close(singlePredictive.Covariance[(i * n) + i], predictive[h].Covariance[(i * n) + i], $"predictive variance {i} at {horizons[h]} h");
                for (int p = 0; p < singleMixture.Points; p++)
                {
                    Close(singleMixture.Mean(p, i), mixtures[h].Mean(p, i), $"point {p} mean {i} at {horizons[h]} h");
                }
            }

            Assert.Equal(singleMixture.Points, mixtures[h].Points);
        }

        Assert.True(predictive[^1].Covariance[0] > states[^1].Covariance[0], "the parameters' uncertainty widens the forecast");

        static void Close(double expected, double actual, string what) =>
            Assert.True(Math.Abs(actual - expected) <= (1e-4 * Math.Abs(expected)) + 1e-9, $"{what}: grid {actual:R}, single {expected:R}");
    }

    private static (ReactionNetwork Model, ParameterSpace Space, MeasurementNoise Noise, ParameterPrior[] Priors) ChoSetUp(double sdLog)
    {
        var cho = BuiltInModels.Load("cho");
        var guess = cho.NominalParameters();
        var estimated = Enumerable.Range(0, cho.Parameters.Count).Where(k => cho.Parameters[k].Estimate).ToArray();
        for (int j = 0; j < estimated.Length; j++)
        {
            guess[estimated[j]] *= GuessFactors[j];
        }

        var space = new ParameterSpace(cho, guess);
        var noise = new MeasurementNoise(cho.StateDimension);
        foreach (var name in new[] { "GLC", "LAC" })
        {
            noise.SetAbsolute(cho.IndexOfState(name), 0.2).SetRelative(cho.IndexOfState(name), 0.01);
        }

        noise.SetAbsolute(cho.IndexOfState("mAb"), 0.005).SetRelative(cho.IndexOfState("mAb"), 0.02);
        var priors = estimated.Select(k => (ParameterPrior)new LogNormalPrior(guess[k], sdLog)).ToArray();
        return (cho, space, noise, priors);
    }

    /// <summary>Readings of one CHO batch from a CLE path at the true parameters: GLC and LAC every 4 h, mAb every 12 h.</summary>
    private static List<DataRow> ChoBatch(ReactionNetwork cho, string batch, double glucose, int seed)
    {
        var times = Enumerable.Range(0, 19).Select(i => i * 4.0).ToArray();
        var z0 = cho.DefaultInitialState();
        z0[0] = glucose;
        var path = new double[times.Length * cho.StateDimension];
        new ChemicalLangevinSimulator(cho, 0.01).Simulate(z0, cho.NominalParameters(), times, path, new GaussianSource(new Random(seed)));
        var normal = new GaussianSource(new Random(seed + 1000));
        var rows = new List<DataRow>();
        for (int j = 0; j < times.Length; j++)
        {
            foreach (var (name, sd, rel, every) in new[] { ("GLC", 0.2, 0.01, 4.0), ("LAC", 0.2, 0.01, 4.0), ("mAb", 0.005, 0.02, 12.0) })
            {
                if (times[j] % every != 0)
                {
                    continue;
                }

                double x = path[(j * cho.StateDimension) + cho.IndexOfState(name)];
                double value = times[j] == 0 ? x : x + (Math.Sqrt((sd * sd) + (rel * rel * x * x)) * normal.Next());
                rows.Add(new DataRow(batch, times[j], name, value));
            }
        }

        return rows;
    }

    private static StreamingPosterior Online(ParameterSpace space, MeasurementNoise noise, ParameterPrior[] priors) =>
        new(space, d => new KalmanLnaDataLikelihood(new KalmanLnaLikelihood(space.Model, space.Indices), d, noise), noise, new StreamingOptions
        {
            OnlinePosterior = true,
            Priors = priors,
            GradientTolerance = 1e-6,
        });

    [Fact]
    public void OneBatchOnline_LandsNearTheBatchMapWithASimilarLaplaceCovariance()
    {
        var (cho, space, noise, priors) = ChoSetUp(sdLog: 0.7);
        var stream = Online(space, noise, priors);
        var rows = ChoBatch(cho, "b1", 28, seed: 3);
        foreach (var r in rows)
        {
            Assert.True(double.IsFinite(stream.AddMeasurement(r.Batch, r.TimeHours, r.Name, r.Value)));
        }

        var onlineMean = stream.Estimate.ToArray();
        var onlineCov = stream.OnlineCovariance.ToArray();
        Assert.Equal(rows.Count(r => r.TimeHours > 0), stream.OnlineReadings);

        // The independent formulation: BFGS-B to the MAP of the same batch and prior, then the Laplace covariance.
        var refit = stream.CloseBatch()!;
        var theta = new double[cho.Parameters.Count];
        space.ToNatural(onlineMean, theta);
        var outcome = refit.Run(theta, computeCovariance: true);
        Assert.Null(outcome.Failure);
        int q = space.Dimension;
        var map = outcome.Estimate;
        var laplace = outcome.Covariance!;
        for (int j = 0; j < q; j++)
        {
            double sdMap = Math.Sqrt(laplace[j, j]), sdOnline = Math.Sqrt(onlineCov[(j * q) + j]);
            // One pass of recursive steps is not the mode, but it is within a fraction of a posterior sd of it, and the
            // accumulated information is of the same size as the Hessian's.
            Assert.True(Math.Abs(onlineMean[j] - map[j]) < 0.75 * sdMap, $"{space.Names.ElementAt(j)}: online {onlineMean[j]:F3}, MAP {map[j]:F3}, sd {sdMap:F3}");
            Assert.InRange(sdOnline / sdMap, 0.5, 2.0);
        }

        // Re-anchored to the refit, the posterior is the refit's.
        stream.ApplyRefit(outcome);
        Assert.Equal(map, stream.Estimate);
        Assert.Equal(laplace[1, 1], stream.OnlineCovariance[q + 1], 12);
    }

    [Fact]
    public void CubaturePredictive_MatchesMonteCarloOverTheParameterPosterior()
    {
        // A posterior of the width the refits reach (sd 0.05 in log θ). Much wider (sd 0.15 over seven parameters, points
        // a factor 1.5 out) the rule overstates the glucose variance at 48 h by about 30 %: a conservative band.
        var (cho, space, noise, priors) = ChoSetUp(sdLog: 0.05);
        var stream = Online(space, noise, priors);
        var z0 = cho.DefaultInitialState();
        foreach (var name in cho.StateNames)
        {
            stream.AddMeasurement("b1", 0, name, z0[cho.IndexOfState(name)]);
        }

        int q = space.Dimension, n = cho.StateDimension;
        var predicted = stream.CreateState();
        var mixture = new PredictiveMixture(2 * q, n);
        Assert.True(stream.PredictWithParameterUncertainty(48, predicted, mixture));
        Assert.Equal(2 * q, mixture.Points);

        // Independent: Monte Carlo over u ~ N(û, Σ) (Σ diagonal here, the prior), plain LNA predictions from z0, and the
        // mixture's moments (law of total variance).
        const int draws = 4000;
        var plain = new KalmanLnaLikelihood(cho, []);
        var state = plain.CreateState();
        var theta = new double[cho.Parameters.Count];
        var normal = new GaussianSource(new Random(17));
        var sum = new double[n];
        var second = new double[n];
        for (int d = 0; d < draws; d++)
        {
            var u = stream.Estimate.ToArray();
            for (int j = 0; j < q; j++)
            {
                u[j] += Math.Sqrt(stream.OnlineCovariance[(j * q) + j]) * normal.Next();
            }

            space.ToNatural(u, theta);
            plain.BeginBatch(z0);
            plain.Predict(theta, 48, state);
            for (int i = 0; i < n; i++)
            {
                sum[i] += state.Mean[i];
                second[i] += state.Covariance[(i * n) + i] + (state.Mean[i] * state.Mean[i]);
            }
        }

        foreach (var name in new[] { "GLC", "LAC", "mAb" })
        {
            int i = cho.IndexOfState(name);
            double mean = sum[i] / draws, variance = (second[i] / draws) - (mean * mean);
            // Third-degree cubature against 4000 draws: means within 1 % (MC error ≈ 0.1 %), variances within 6 %
            // (MC error ≈ 2–3 %, plus the rule's fourth-order error).
            Assert.True(Math.Abs(predicted.Mean[i] - mean) < 0.01 * Math.Abs(mean), $"{name}: cubature mean {predicted.Mean[i]:G6}, Monte Carlo {mean:G6}");
            double cv = predicted.Covariance[(i * n) + i];
            Assert.True(Math.Abs(cv - variance) < 0.06 * variance, $"{name}: cubature variance {cv:G6}, Monte Carlo {variance:G6}");
            double average = Enumerable.Range(0, mixture.Points).Average(p => mixture.Mean(p, i));
            Assert.Equal(average, predicted.Mean[i], 9);
        }
    }

    [Fact]
    public void OnlineReading_AllocatesOnlyTheStoredRow()
    {
        var (cho, space, noise, priors) = ChoSetUp(sdLog: 0.7);
        var stream = Online(space, noise, priors);
        var rows = ChoBatch(cho, "b1", 28, seed: 4);
        int warm = rows.Count / 2;
        for (int i = 0; i < warm; i++)
        {
            stream.AddMeasurement(rows[i].Batch, rows[i].TimeHours, rows[i].Name, rows[i].Value);
        }

        // The row kept for the refit (a DataRow) and the amortised growth of two lists (the rows, and the indices of the
        // rows the filter absorbed, kept for refiltering) are the only allocation.
        long before = GC.GetAllocatedBytesForCurrentThread();
        int count = 0;
        for (int i = warm; i < rows.Count; i++, count++)
        {
            stream.AddMeasurement(rows[i].Batch, rows[i].TimeHours, rows[i].Name, rows[i].Value);
        }

        long perReading = (GC.GetAllocatedBytesForCurrentThread() - before) / count;
        Assert.True(perReading <= 140, $"{perReading} bytes per reading");
    }
}
