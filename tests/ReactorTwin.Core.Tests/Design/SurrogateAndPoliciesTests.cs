using MathNet.Numerics.LinearAlgebra;
using ReactorTwin.Core.Design;
using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Core.Tests.Design;

public class SurrogateAndPoliciesTests
{
    [Theory]
    [InlineData("mAb")]
    [InlineData("LAC")]
    public void SurrogateMse_MatchesMonteCarloOfIndependentPhysicalAndTwinOutputs(string output)
    {
        // E[(Yᵖ − Yᵈ)²] with Yᵖ ~ CLE at θᶜ and Yᵈ ~ CLE at u, independent, against eq. 14 under the LNA.
        var (model, est, truth) = GradientPolicyTests.Cho();
        var (twin, _) = GradientPolicyTests.TwinState(truth, est);
        double[] z0 = [30, 0.8, 0, 180, 10];
        var surrogate = new PredictionMseSurrogate(model, est, [z0], output, 72);
        surrogate.SetReference([truth]);
        double j = surrogate.Evaluate(twin, []);

        var cle = new ChemicalLangevinSimulator(model, 0.01);
        int m = model.IndexOfState(output), n = model.StateDimension;
        const int paths = 2000;
        var a = new double[n];
        var b = new double[n];
        var noise = new GaussianSource(new Random(42));
        double sum = 0, sumSq = 0;
        for (int i = 0; i < paths; i++)
        {
            cle.Simulate(z0, truth, [72.0], a, noise);
            cle.Simulate(z0, twin, [72.0], b, noise);
            double d2 = (a[m] - b[m]) * (a[m] - b[m]);
            sum += d2;
            sumSq += d2 * d2;
        }

        double mean = sum / paths;
        double se = Math.Sqrt(((sumSq / paths) - (mean * mean)) / paths);
        // 4 standard errors of the Monte Carlo mean plus 3 % for the LNA's own error and the CLE step.
        Assert.True(Math.Abs(mean - j) <= (4 * se) + (0.03 * j), $"{output}: LNA surrogate {j:G5}, Monte Carlo {mean:G5} ± {se:G2}");
    }

    [Fact]
    public void GaussianProcess_InterpolatesAndPredictsSmoothFunction()
    {
        var gp = new GaussianProcess(2.0);
        for (double x = 0; x <= 20; x += 1)
        {
            gp.Add([x], Math.Sin(x / 3));
        }

        var (atData, varAtData) = gp.Predict([6.0]);
        Assert.Equal(Math.Sin(2.0), atData, 1e-5);
        Assert.True(varAtData < 1e-6);
        var (between, varBetween) = gp.Predict([6.5]);
        Assert.Equal(Math.Sin(6.5 / 3), between, 2e-3);
        Assert.True(varBetween > varAtData);
        double[] ys = [.. Enumerable.Range(0, 21).Select(i => Math.Sin(i / 3.0))];
        double priorVariance = ys.Sum(v => (v - ys.Average()) * (v - ys.Average())) / (ys.Length - 1);
        var (_, far) = gp.Predict([60.0]);
        Assert.Equal(priorVariance, far, 1e-6 * priorVariance);
    }

    [Fact]
    public void ExpectedImprovement_MatchesClosedFormAndMonteCarlo()
    {
        var gp = new GaussianProcess(1.0);
        gp.Add([0.0], 1.0);
        gp.Add([3.0], 0.5);
        gp.Add([5.0], 2.0);
        double[] x = [1.7];
        var (mu, variance) = gp.Predict(x);
        double s = Math.Sqrt(variance);
        var random = new Random(9);
        var normal = new GaussianSource(random);
        double acc = 0;
        const int samples = 400_000;
        for (int i = 0; i < samples; i++)
        {
            acc += Math.Max(0.5 - (mu + (s * normal.Next())), 0);
        }

        double mc = acc / samples;
        Assert.Equal(mc, gp.ExpectedImprovement(x), 0.01 * mc + 1e-4);
    }

    [Fact]
    public void GpPolicy_UsesRandomInitialPointsThenMaximisesExpectedImprovement()
    {
        var (model, est, truth) = GradientPolicyTests.Cho();
        var space = new DesignSpace(model, [("GLC", 18, 38)]);
        var policy = new GaussianProcessDesignPolicy(new GaussianProcessDesignOptions { InitialPoints = 5 });
        var (theta, adam) = GradientPolicyTests.TwinState(truth, est);
        var random = new Random(4);
        for (int k = 1; k <= 5; k++)
        {
            var p = policy.Propose(new DesignContext(space, est, theta, adam, [], k, random));
            Assert.Null(p.PredictedObjective);
            // A response with its minimum at 30 mM.
            policy.Observe(p.Design, Math.Exp(0.05 * (p.Design[0] - 30) * (p.Design[0] - 30)));
        }

        for (int k = 6; k <= 25; k++)
        {
            var p = policy.Propose(new DesignContext(space, est, theta, adam, [], k, random));
            Assert.True(space.Contains(p.Design));
            Assert.True(p.PredictedObjective >= 0);
            policy.Observe(p.Design, Math.Exp(0.05 * (p.Design[0] - 30) * (p.Design[0] - 30)));
        }

        Assert.True(Math.Abs(policy.Process.BestObserved) < 0.01, $"best log-outcome {policy.Process.BestObserved:G3} after 20 EI steps; the minimum is 0 at 30 mM");
    }

    [Fact]
    public void FisherInformation_MatchesFiniteDifferenceSensitivities()
    {
        var (model, est, truth) = GradientPolicyTests.Cho();
        var space = new DesignSpace(model, [("GLC", 18, 38)]);
        double[] times = [24];
        var options = new FisherDesignOptions { RelativeNoise = 0.02, AbsoluteNoise = 1e-3 };
        var policy = new FisherInformationDesignPolicy(space, est, times, options);
        var info = policy.Information([30], truth)!;
        Assert.NotNull(info);

        // Independent assembly from central differences of the plain LNA in φ = log θ.
        var tight = new LnaOptions { Tolerances = new DormandPrinceOptions { RelativeTolerance = 1e-11, AbsoluteTolerance = 1e-14 } };
        var solver = new LnaSolver(model, [], tight);
        int ns = model.SpeciesCount, n = model.StateDimension, q = est.Length;
        (Vector<double> Eta, Matrix<double> Sigma) Moments(double[] theta)
        {
            var st = solver.CreateState();
            st.Reset(space.InitialState([30.0]));
            solver.Propagate(st, theta, 0, 24);
            var eta = Vector<double>.Build.Dense(ns, i => st.Mean[i]);
            var sigma = Matrix<double>.Build.Dense(ns, ns, (i, j) => st.Covariance[(i * n) + j]);
            for (int i = 0; i < ns; i++)
            {
                double sd = (options.RelativeNoise * Math.Abs(eta[i])) + options.AbsoluteNoise;
                sigma[i, i] += sd * sd;
            }

            return (eta, sigma);
        }

        var (_, s0) = Moments(truth);
        var dEta = new Vector<double>[q];
        var dSigma = new Matrix<double>[q];
        const double h = 1e-5;
        for (int k = 0; k < q; k++)
        {
            var tp = (double[])truth.Clone();
            var tm = (double[])truth.Clone();
            tp[est[k]] *= Math.Exp(h);
            tm[est[k]] *= Math.Exp(-h);
            var (ep, sp) = Moments(tp);
            var (em, sm) = Moments(tm);
            dEta[k] = (ep - em) / (2 * h);
            dSigma[k] = (sp - sm) / (2 * h);
        }

        var inv = s0.Inverse();
        for (int k = 0; k < q; k++)
        {
            for (int l = 0; l < q; l++)
            {
                double expected = (dEta[k] * inv * dEta[l]) + (0.5 * (inv * dSigma[k] * inv * dSigma[l]).Trace());
                Assert.True(Math.Abs(info[k, l] - expected) <= 1e-4 * Math.Sqrt(Math.Abs(info[k, k] * info[l, l])) + 1e-9, $"I[{k},{l}]: {info[k, l]:G8} vs FD {expected:G8}");
            }
        }
    }

    [Fact]
    public void DOptimalPolicy_ProposesInsideTheBoxAndAccumulatesInformation()
    {
        var (model, est, truth) = GradientPolicyTests.Cho();
        var space = new DesignSpace(model, [("GLC", 18, 38), ("X0", 100, 250)]);
        var policy = new FisherInformationDesignPolicy(space, est, GradientPolicyTests.Times, new FisherDesignOptions { Candidates = 6 });
        var (theta, adam) = GradientPolicyTests.TwinState(truth, est);
        var random = new Random(2);
        double previous = double.NegativeInfinity;
        for (int k = 1; k <= 3; k++)
        {
            var p = policy.Propose(new DesignContext(space, est, theta, adam, [], k, random));
            Assert.True(space.Contains(p.Design));
            Assert.NotNull(p.PredictedObjective);
            Assert.True(p.PredictedObjective > previous, "log det of the accumulated information must grow with every batch");
            previous = p.PredictedObjective!.Value;
        }
    }

    [Fact]
    public void ShortHarness_SharedSeeds_FullBatchTwinPredictsBetterThanAdamTwin()
    {
        // Issue 5's short run: 3 replications × 20 iterations of the gradient and random policies on shared seeds.
        // The issue asks that the gradient policy end below random in parameter MRE; in this reproduction it does not
        // (about 1243 % vs 1234 %; docs/reproduction-seed001.md explains why), so that is not asserted here. What is
        // asserted: common random numbers across policies, designs inside the box, finite traces, and that the
        // full-batch twin (BFGS on all batches) predicts mAb far better than the seed's one-Adam-step twin.
        var settings = Seed001Reproduction.Settings(20);
        var fullBatch = settings with { Estimator = TwinEstimator.FullBatchMle };
        var experiment = new CalibrationExperiment(settings);
        var fullExperiment = new CalibrationExperiment(fullBatch);
        double adamMab = 0, fullMab = 0;
        for (int r = 1; r <= 3; r++)
        {
            var g = experiment.Run(Seed001Reproduction.CreatePolicy("gradient", experiment, settings), r);
            var u = experiment.Run(Seed001Reproduction.CreatePolicy("random", experiment, settings), r);
            var f = fullExperiment.Run(Seed001Reproduction.CreatePolicy("random", fullExperiment, fullBatch), r);
            Assert.Equal(g.Designs[0], u.Designs[0]);
            Assert.Equal(g.ParameterMre[0], u.ParameterMre[0]);
            Assert.Equal(u.Designs.Select(d => d[0]), f.Designs.Select(d => d[0]));
            Assert.All(g.Designs, w => Assert.True(settings.Space.Contains(w)));
            Assert.All(g.ParameterMre.Concat(u.ParameterMre).Concat(f.ParameterMre), v => Assert.True(double.IsFinite(v)));
            Assert.NotEqual(g.Designs.Select(d => d[0]), u.Designs.Select(d => d[0]));
            adamMab += u.PredictionMre[^1];
            fullMab += f.PredictionMre[^1];
        }

        Assert.True(fullMab < 0.25 * adamMab, $"final mAb MRE: full-batch twin {fullMab / 3:P1}, Adam twin {adamMab / 3:P1}");
    }

    [Fact]
    public void Harness_LearningRatesATenthOfTheSeeds_GradientBeatsRandomOnTheSameSeeds()
    {
        // The seed's λ move vmaxmAb0/1 by several times their value per Adam step, which drowns any effect of the
        // design (docs/reproduction-seed001.md). With λ/10 the gradient policy's advantage shows in a paired comparison
        // on common random numbers: 15 replications × 150 iterations (as `reactortwin reproduce seed001
        // --policies gradient,random --learning-rate-scale 0.1`; measured −33 ± 19 percentage points of parameter MRE,
        // gradient better in 13 of 15 replications). Asserted: a negative mean paired difference and ≥ 10 of 15.
        var baseSettings = Seed001Reproduction.Settings(150);
        var settings = baseSettings with { LearningRates = [.. baseSettings.LearningRates.Select(l => 0.1 * l)] };
        _ = settings.Model.Compiled.RateMixedHessian;
        var diff = new double[15];
        Parallel.For(0, 2 * diff.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, j =>
        {
            int r = j / 2;
            var experiment = new CalibrationExperiment(settings);
            var trace = experiment.Run(Seed001Reproduction.CreatePolicy(j % 2 == 0 ? "gradient" : "random", experiment, settings), 1 + r);
            lock (diff)
            {
                diff[r] += (j % 2 == 0 ? 1 : -1) * trace.ParameterMre[^1];
            }
        });
        int gradientBetter = diff.Count(d => d < 0);
        Assert.True(diff.Average() < 0 && gradientBetter >= 10, $"paired parameter MRE difference (gradient − random) {100 * diff.Average():F1} pp, gradient better in {gradientBetter} of 15");
    }
}
