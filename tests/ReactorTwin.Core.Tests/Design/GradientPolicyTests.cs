using ReactorTwin.Core.Design;
using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Core.Tests.Design;

public class GradientPolicyTests
{
    internal static readonly double[] SeedLearningRates = [3e-5, 3e-7, 3, 0.3, 3e-5, 3e-7, 0.3];
    internal static readonly double[] Times = [12, 24, 36, 48, 60, 72];

    internal static (ReactionNetwork Model, int[] Est, double[] Truth) Cho()
    {
        var model = BuiltInModels.Load("cho");
        int[] est = [.. Enumerable.Range(0, model.Parameters.Count).Where(k => model.Parameters[k].Estimate)];
        return (model, est, model.NominalParameters());
    }

    /// <summary>θ̂ off the truth by fixed factors, and an Adam state after a few steps on random gradients.</summary>
    internal static (double[] Theta, AdamOptimizer Adam) TwinState(double[] truth, int[] est)
    {
        var theta = (double[])truth.Clone();
        double[] factors = [1.3, 0.7, 1.5, 0.9, 1.2, 1.4, 0.8];
        for (int j = 0; j < est.Length; j++)
        {
            theta[est[j]] *= factors[j];
        }

        var adam = new AdamOptimizer(SeedLearningRates);
        var random = new Random(3);
        var x = new double[est.Length];
        var g = new double[est.Length];
        for (int step = 0; step < 5; step++)
        {
            for (int j = 0; j < g.Length; j++)
            {
                g[j] = (random.NextDouble() - 0.3) / SeedLearningRates[j];
            }

            adam.Step(x, g);
        }

        return (theta, adam);
    }

    [Fact]
    public void AdamPreview_MatchesStepAndFiniteDifferences()
    {
        var (_, adam) = TwinState(Cho().Truth, Cho().Est);
        double[] g = [2e3, -1e5, 0.3, -4, 7e3, 1e6, -0.01];
        var step = new double[7];
        var deriv = new double[7];
        adam.Preview(g, step, deriv);

        var copy = new AdamOptimizer(SeedLearningRates);
        copy.CopyStateFrom(adam);
        var x = new double[7];
        copy.Step(x, g);
        for (int j = 0; j < 7; j++)
        {
            Assert.Equal(x[j], step[j], Math.Abs(x[j]) * 1e-14);
            double h = 1e-6 * Math.Abs(g[j]);
            var gp = (double[])g.Clone();
            var gm = (double[])g.Clone();
            gp[j] += h;
            gm[j] -= h;
            var sp = new double[7];
            var sm = new double[7];
            var dummy = new double[7];
            adam.Preview(gp, sp, dummy);
            adam.Preview(gm, sm, dummy);
            double fd = (sp[j] - sm[j]) / (2 * h);
            Assert.True(Math.Abs(fd - deriv[j]) <= 1e-6 * Math.Abs(deriv[j]) + 1e-12 * SeedLearningRates[j] / h, $"component {j}: exact {deriv[j]:G6}, FD {fd:G6}");
        }
    }

    [Fact]
    public void VirtualUpdateScore_EqualsEulerMaruyamaGradientOnTheSamePath()
    {
        var (model, est, truth) = Cho();
        var space = new DesignSpace(model, [("GLC", 18, 38)]);
        var vmu = new VirtualModelUpdate(space, est, Times, 0.05);
        var (theta, _) = TwinState(truth, est);
        vmu.SimulateAndScore([30.0], theta, 11);

        int n = model.StateDimension;
        var path = vmu.Path.ToArray();
        var data = ObservationSet.FromCompletePaths(model, [("b", path[..n], Times, path[n..])]);
        var result = new LikelihoodResult(est.Length);
        new EulerMaruyamaLikelihood(model, est).Evaluate(data, theta, result);
        for (int j = 0; j < est.Length; j++)
        {
            Assert.Equal(result.Gradient[j], vmu.Score[j], Math.Abs(result.Gradient[j]) * 1e-10);
        }
    }

    [Theory]
    [InlineData(20.0)]
    [InlineData(30.0)]
    [InlineData(37.0)]
    public void VirtualUpdateScoreJacobian_MatchesCentralDifferences(double glucose)
    {
        var (model, est, truth) = Cho();
        var space = new DesignSpace(model, [("GLC", 18, 38)]);
        var vmu = new VirtualModelUpdate(space, est, Times, 0.05);
        var (theta, _) = TwinState(truth, est);
        vmu.SimulateAndScore([glucose], theta, 5);
        var jac = vmu.ScoreJacobian.ToArray();
        const double h = 1e-4;
        vmu.SimulateAndScore([glucose + h], theta, 5);
        var plus = vmu.Score.ToArray();
        vmu.SimulateAndScore([glucose - h], theta, 5);
        var minus = vmu.Score.ToArray();
        for (int j = 0; j < est.Length; j++)
        {
            double fd = (plus[j] - minus[j]) / (2 * h);
            double scale = Math.Max(Math.Abs(fd), Math.Abs(plus[j]) * 1e-6);
            Assert.True(Math.Abs(fd - jac[j]) <= 1e-4 * scale, $"∂G̃_{model.Parameters[est[j]].Name}/∂GLC0: exact {jac[j]:G8}, FD {fd:G8}");
        }
    }

    [Fact]
    public void PolicyGradient_MatchesFiniteDifferenceOfSurrogateMse()
    {
        var (model, est, truth) = Cho();
        var space = new DesignSpace(model, [("GLC", 18, 38)]);
        var tight = new LnaOptions { Tolerances = new DormandPrinceOptions { RelativeTolerance = 1e-11, AbsoluteTolerance = 1e-14 } };
        double[][] tests = [[28, 0.8, 0, 180, 10], [38, 0.8, 0, 180, 10]];
        var surrogate = new PredictionMseSurrogate(model, est, tests, "mAb", 72, tight);
        var policy = new GradientDesignPolicy(space, surrogate, Times);
        var (theta, adam) = TwinState(truth, est);
        surrogate.SetReference([truth]);
        var context = new DesignContext(space, est, theta, adam, [truth], 1, new Random(1));
        foreach (double w in new[] { 22.0, 33.0 })
        {
            var grad = new double[1];
            double j0 = policy.ObjectiveAndGradient(context, [w], 17, grad);
            const double h = 1e-3;
            var dummy = new double[1];
            double jp = policy.ObjectiveAndGradient(context, [w + h], 17, dummy);
            double jm = policy.ObjectiveAndGradient(context, [w - h], 17, dummy);
            double fd = (jp - jm) / (2 * h);
            Assert.True(double.IsFinite(j0) && j0 > 0);
            Assert.True(Math.Abs(grad[0]) > 0, "the policy gradient vanished");
            Assert.True(Math.Abs(fd - grad[0]) <= 1e-3 * Math.Abs(fd) + 1e-9 * j0, $"ω = {w}: exact {grad[0]:G8}, FD {fd:G8} (J = {j0:G6})");
        }
    }

    [Fact]
    public void PolicyGradient_TwoDimensionalDesign_MatchesFiniteDifferences()
    {
        var (model, est, truth) = Cho();
        var space = new DesignSpace(model, [("GLC", 18, 38), ("X0", 100, 250)]);
        var tight = new LnaOptions { Tolerances = new DormandPrinceOptions { RelativeTolerance = 1e-11, AbsoluteTolerance = 1e-14 } };
        var surrogate = new PredictionMseSurrogate(model, est, [[28, 0.8, 0, 180, 10]], "mAb", 72, tight);
        var policy = new GradientDesignPolicy(space, surrogate, Times);
        var (theta, adam) = TwinState(truth, est);
        surrogate.SetReference([truth]);
        var context = new DesignContext(space, est, theta, adam, [truth], 1, new Random(1));
        double[] w = [26, 150];
        var grad = new double[2];
        double j0 = policy.ObjectiveAndGradient(context, w, 23, grad);
        for (int e = 0; e < 2; e++)
        {
            double h = 1e-3 * (e == 0 ? 1 : 5);
            var wp = (double[])w.Clone();
            var wm = (double[])w.Clone();
            wp[e] += h;
            wm[e] -= h;
            var dummy = new double[2];
            double fd = (policy.ObjectiveAndGradient(context, wp, 23, dummy) - policy.ObjectiveAndGradient(context, wm, 23, dummy)) / (2 * h);
            Assert.True(Math.Abs(fd - grad[e]) <= 1e-3 * Math.Abs(fd) + 1e-9 * j0, $"component {e}: exact {grad[e]:G8}, FD {fd:G8}");
        }
    }

    [Fact]
    public void SurrogateGradient_MatchesFiniteDifferences()
    {
        var (model, est, truth) = Cho();
        var tight = new LnaOptions { Tolerances = new DormandPrinceOptions { RelativeTolerance = 1e-11, AbsoluteTolerance = 1e-14 } };
        var surrogate = new PredictionMseSurrogate(model, est, [[28, 0.8, 0, 180, 10], [38, 0.8, 0, 180, 10]], "mAb", 72, tight);
        surrogate.SetReference([truth]);
        var (theta, _) = TwinState(truth, est);
        var grad = new double[est.Length];
        surrogate.Evaluate(theta, grad);
        for (int j = 0; j < est.Length; j++)
        {
            double h = 1e-6 * theta[est[j]];
            var tp = (double[])theta.Clone();
            var tm = (double[])theta.Clone();
            tp[est[j]] += h;
            tm[est[j]] -= h;
            double fd = (surrogate.Evaluate(tp, []) - surrogate.Evaluate(tm, [])) / (2 * h);
            Assert.True(Math.Abs(fd - grad[j]) <= 1e-5 * Math.Abs(grad[j]) + 1e-10, $"{model.Parameters[est[j]].Name}: exact {grad[j]:G8}, FD {fd:G8}");
        }
    }
}
