using MathNet.Numerics.LinearAlgebra;
using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Tests.Estimation;

public sealed class ParameterEnsembleTests
{
    /// <summary>Immigration–death at Ω = 50: ∅ → X at rate k, X → ∅ at rate g·X.</summary>
    private static ReactionNetwork ImmigrationDeath() =>
        ReactionNetwork.CreateBuilder("id").WithSystemSize(50).AddSpecies("X", "mM", 2)
            .AddParameter("k", 10, 0.1, 1000).AddParameter("g", 1, 0.01, 100)
            .AddReaction("birth", new() { ["X"] = 1 }, "k").AddReaction("death", new() { ["X"] = -1 }, "g*X").Build();

    [Fact]
    public void Predict_MixtureMatchesQuadratureOverTheParametersWithFourthOrderError()
    {
        // The law of total variance over u ~ N(û, Σ), computed independently by a 48 × 48 Gauss–Legendre rule over ±8 sd
        // of the standard normal coordinates, on the same LNA predictor. The cubature rule is exact for quadratics, so
        // its error in the variance falls as the fourth power of the parameters' sd: shrinking Σ by 4 (sd by 2) must
        // shrink it by about 16 (at least 10 stated); at sd 0.1–0.14 in log it is within 2 % of the variance.
        var cov = Matrix<double>.Build.DenseOfArray(new[,] { { 0.02, 0.008 }, { 0.008, 0.01 } });
        var (meanError, varianceError, share) = Errors(cov);
        var (meanSmall, varianceSmall, _) = Errors(cov / 4);
        Assert.True(meanError < 1e-4, $"mean error {meanError}");
        Assert.True(varianceError < 2e-2, $"relative variance error {varianceError}");
        Assert.True(meanSmall <= meanError);
        Assert.True(share > 1.5, $"the parameters' share of the variance is {share}: the test would not see a missing term");
        var (_, absolute, _) = Errors(cov, relative: false);
        var (_, absoluteSmall, _) = Errors(cov / 4, relative: false);
        Assert.True(absolute / absoluteSmall > 10, $"variance error {absolute} at Σ, {absoluteSmall} at Σ/4: not fourth order");
    }

    /// <summary>Relative errors of the ensemble's mean and variance against quadrature, and total / intrinsic variance.</summary>
    private static (double Mean, double Variance, double Share) Errors(Matrix<double> cov, bool relative = true)
    {
        var model = ImmigrationDeath();
        var space = new ParameterSpace(model);
        var noise = new MeasurementNoise(1).SetAbsolute(0, 0.1);
        var u = new[] { Math.Log(10), Math.Log(1) };
        var ensemble = new ParameterEnsemble(space, noise);
        ensemble.SetPosterior(u, cov);
        ensemble.BeginBatch([2.0]);
        var mixture = new KalmanLnaLikelihood(model, []).CreateState();
        Assert.True(ensemble.Predict(1.5, mixture));

        var rule = new MathNet.Numerics.Integration.GaussLegendreRule(-8, 8, 48);
        double[] nodes = rule.Abscissas, weights = rule.Weights;
        static double Phi(double z) => Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI);
        var l = cov.Cholesky().Factor;
        var filter = new KalmanLnaLikelihood(model, []);
        var state = filter.CreateState();
        var theta = new double[2];
        double m1 = 0, m2 = 0, ev = 0, wsum = 0;
        for (int a = 0; a < nodes.Length; a++)
        {
            for (int b = 0; b < nodes.Length; b++)
            {
                double z0 = nodes[a], z1 = nodes[b];
                double w = weights[a] * weights[b] * Phi(z0) * Phi(z1);
                theta[0] = Math.Exp(u[0] + (l[0, 0] * z0));
                theta[1] = Math.Exp(u[1] + (l[1, 0] * z0) + (l[1, 1] * z1));
                filter.BeginBatch([2.0]);
                filter.Predict(theta, 1.5, state);
                m1 += w * state.Mean[0];
                m2 += w * state.Mean[0] * state.Mean[0];
                ev += w * state.Covariance[0];
                wsum += w;
            }
        }

        double mean = m1 / wsum, total = (ev / wsum) + (m2 / wsum) - (mean * mean);
        filter.BeginBatch([2.0]);
        filter.Predict([10, 1], 1.5, state);
        return (Math.Abs(mixture.Mean[0] - mean) / mean, Math.Abs(mixture.Covariance[0] - total) / (relative ? total : 1), total / state.Covariance[0]);
    }

    [Fact]
    public void Measurements_PullEveryPointAndTheMixtureNarrowsTowardTheData()
    {
        var model = ImmigrationDeath();
        var space = new ParameterSpace(model);
        var noise = new MeasurementNoise(1).SetAbsolute(0, 0.05);
        var ensemble = new ParameterEnsemble(space, noise);
        ensemble.SetPosterior([Math.Log(10), 0], Matrix<double>.Build.DenseOfDiagonalArray([0.04, 0.04]));
        ensemble.BeginBatch([2.0]);
        var before = new KalmanLnaLikelihood(model, []).CreateState();
        var after = new KalmanLnaLikelihood(model, []).CreateState();
        Assert.True(ensemble.Predict(1.0, before));
        ensemble.Absorb(1.0, 0, 7.5, "b");
        Assert.True(ensemble.Predict(1.0, after));
        Assert.True(Math.Abs(after.Mean[0] - 7.5) < Math.Abs(before.Mean[0] - 7.5));
        Assert.True(after.Covariance[0] < before.Covariance[0]);
        Assert.Equal(4, ensemble.Alive);
    }

    [Fact]
    public void NoPosterior_NoPrediction()
    {
        var model = ImmigrationDeath();
        var ensemble = new ParameterEnsemble(new ParameterSpace(model), new MeasurementNoise(1).SetAbsolute(0, 0.1));
        ensemble.BeginBatch([2.0]);
        Assert.False(ensemble.IsActive);
        Assert.False(ensemble.Predict(1.0, new KalmanLnaLikelihood(model, []).CreateState()));
        Assert.Throws<ArgumentException>(() => ensemble.SetPosterior([0, 0], Matrix<double>.Build.DenseOfArray(new[,] { { 1.0, 0 }, { 0, -1.0 } })));
    }
}
