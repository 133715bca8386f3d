using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Tests.Lna;

/// <summary>
/// <see cref="EulerMaruyamaLikelihood"/> on one transition of the CHO model against seed 001 eq. 4 written out by
/// hand: (s_{t+1} − s_t) | s_t ~ N(μ, Σ), μ = N Σ_i X_i ν(s; α_i) Δt, Σ = N diag(Σ_i X_i ν(s; α_i)) Nᵀ Δt / Ω,
/// with the seed's N = [−1, −0.02, −0.01; 2, 0, 0; 0, 0, 1] (rows GLC, LAC, mAb; columns glycolysis, growth,
/// production) and the Michaelis–Menten rates of section 6.1. CHO's N has full rank, so the library's density
/// on range(N) is the ordinary 3-variate density (no jitter is involved since the range(N) rewrite).
/// <para>Tolerance 1e−9 relative on ℓ: both sides are closed forms; Σ has condition number ≈ 1e4 (the mAb
/// variance is ~6e−6·Δt against ~0.02·Δt for GLC and LAC), so the inverse and determinant lose ~4 of 16 digits
/// and ℓ agrees to ~1e−12 relative. The library works in a rotated orthonormal basis of range(N), which changes
/// neither log det nor the quadratic form.</para>
/// </summary>
public class EulerMaruyamaHandTests
{
    private const double Dt = 0.5;
    private static readonly double[] Z0 = [28, 0.8, 0, 180, 10];
    private static readonly double[] Z1 = [27.75, 0.9, 0.001, 176, 13];

    /// <summary>Seed 001 eq. 4 for one transition, by hand (θ in the model's order).</summary>
    private static double HandLogLikelihood(double[] theta, double omega)
    {
        double vmaxHK0 = theta[0], vmaxmAb0 = theta[1], kmGlc0 = theta[2], vmaxg0 = theta[3];
        double vmaxHK1 = theta[4], vmaxmAb1 = theta[5], kmGlc1 = theta[6];
        double glc = Z0[0], x0 = Z0[3], x1 = Z0[4];

        // Section 6.1: vHK = Σ_i vmaxHK_i GLC/(KmGLC_i + GLC) X_i, vgrowth0 = vmaxg0 GLC/(KmGLC0 + GLC) X0,
        // vmAb = Σ_i vmaxmAb_i GLC/(KmGLC_i + GLC) X_i.
        double mm0 = glc / (kmGlc0 + glc), mm1 = glc / (kmGlc1 + glc);
        double[] a =
        [
            (vmaxHK0 * mm0 * x0) + (vmaxHK1 * mm1 * x1),
            vmaxg0 * mm0 * x0,
            (vmaxmAb0 * mm0 * x0) + (vmaxmAb1 * mm1 * x1),
        ];
        double[,] n = { { -1, -0.02, -0.01 }, { 2, 0, 0 }, { 0, 0, 1 } };

        var mu = new double[3];
        var sigma = new double[3, 3];
        for (int i = 0; i < 3; i++)
        {
            for (int r = 0; r < 3; r++)
            {
                mu[i] += n[i, r] * a[r] * Dt;
                for (int j = 0; j < 3; j++)
                {
                    sigma[i, j] += n[i, r] * a[r] * n[j, r] * Dt / omega;
                }
            }
        }

        // det and inverse by cofactors.
        double c00 = (sigma[1, 1] * sigma[2, 2]) - (sigma[1, 2] * sigma[2, 1]);
        double c01 = -((sigma[1, 0] * sigma[2, 2]) - (sigma[1, 2] * sigma[2, 0]));
        double c02 = (sigma[1, 0] * sigma[2, 1]) - (sigma[1, 1] * sigma[2, 0]);
        double c10 = -((sigma[0, 1] * sigma[2, 2]) - (sigma[0, 2] * sigma[2, 1]));
        double c11 = (sigma[0, 0] * sigma[2, 2]) - (sigma[0, 2] * sigma[2, 0]);
        double c12 = -((sigma[0, 0] * sigma[2, 1]) - (sigma[0, 1] * sigma[2, 0]));
        double c20 = (sigma[0, 1] * sigma[1, 2]) - (sigma[0, 2] * sigma[1, 1]);
        double c21 = -((sigma[0, 0] * sigma[1, 2]) - (sigma[0, 2] * sigma[1, 0]));
        double c22 = (sigma[0, 0] * sigma[1, 1]) - (sigma[0, 1] * sigma[1, 0]);
        double det = (sigma[0, 0] * c00) + (sigma[0, 1] * c01) + (sigma[0, 2] * c02);
        double[,] inv = { { c00 / det, c10 / det, c20 / det }, { c01 / det, c11 / det, c21 / det }, { c02 / det, c12 / det, c22 / det } };

        var d = new double[3];
        for (int i = 0; i < 3; i++)
        {
            d[i] = Z1[i] - Z0[i] - mu[i];
        }

        double quad = 0;
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                quad += d[i] * inv[i, j] * d[j];
            }
        }

        return -0.5 * ((3 * Math.Log(2 * Math.PI)) + Math.Log(det) + quad);
    }

    private static ObservationSet OneTransition(ReactionNetwork model, string batch = "b1", double[]? z1 = null)
    {
        var rows = new List<DataRow>();
        for (int i = 0; i < model.StateDimension; i++)
        {
            rows.Add(new DataRow(batch, 0, model.StateNames[i], Z0[i]));
        }

        for (int i = 0; i < model.StateDimension; i++)
        {
            rows.Add(new DataRow(batch, Dt, model.StateNames[i], (z1 ?? Z1)[i]));
        }

        return ObservationSet.FromRows(model, rows, "hand");
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(1000.0)]
    public void Evaluate_OneChoTransition_EqualsSeedEquation4ByHand(double omega)
    {
        var model = BuiltInModels.Load("cho");
        var theta = model.NominalParameters();
        var em = new EulerMaruyamaLikelihood(model, [0, 1, 2, 3, 4, 5, 6], omega);
        var data = OneTransition(model);
        em.Validate(data, "hand");
        var result = new LikelihoodResult(7);
        em.Evaluate(data, theta, result);
        double hand = HandLogLikelihood(theta, omega);
        Assert.True(Math.Abs(result.LogLikelihood - hand) <= 1e-9 * Math.Abs(hand), $"EM ℓ = {result.LogLikelihood:G15}, by hand {hand:G15}");
        Assert.Equal(3, result.MeasurementCount); // three species increments; the cell densities carry no noise
    }

    [Fact]
    public void Evaluate_OneChoTransition_GradientEqualsDerivativeOfHandFormula()
    {
        // Central differences of the closed-form hand formula, h = 1e−6·θ_k: truncation h²ℓ'''/6 ≈ 1e−12
        // relative and rounding ≈ 1e−16·(|ℓ| + quad)/1e−6 ≈ 1e−9 relative; tolerance 1e−6 relative per component.
        var model = BuiltInModels.Load("cho");
        var theta = model.NominalParameters();
        var em = new EulerMaruyamaLikelihood(model, [0, 1, 2, 3, 4, 5, 6]);
        var result = new LikelihoodResult(7);
        em.Evaluate(OneTransition(model), theta, result);
        for (int k = 0; k < 7; k++)
        {
            double h = 1e-6 * theta[k];
            var plus = (double[])theta.Clone();
            var minus = (double[])theta.Clone();
            plus[k] += h;
            minus[k] -= h;
            double fd = (HandLogLikelihood(plus, 1.0) - HandLogLikelihood(minus, 1.0)) / (2 * h);
            Assert.True(Math.Abs(result.Gradient[k] - fd) <= 1e-6 * Math.Abs(fd), $"∂ℓ/∂{model.Parameters[k].Name}: EM {result.Gradient[k]:G12}, hand {fd:G12}");
        }
    }

    [Fact]
    public void Evaluate_TwoBatches_AddsTheirLogLikelihoods()
    {
        var model = BuiltInModels.Load("cho");
        var theta = model.NominalParameters();
        var em = new EulerMaruyamaLikelihood(model, [3]);
        double[] other = [27.6, 0.82, 0.0005, 178, 12];
        var rows = new List<DataRow>();
        foreach (var (id, z1) in new[] { ("a", Z1), ("b", other) })
        {
            rows.AddRange(Enumerable.Range(0, 5).Select(i => new DataRow(id, 0, model.StateNames[i], Z0[i])));
            rows.AddRange(Enumerable.Range(0, 5).Select(i => new DataRow(id, Dt, model.StateNames[i], z1[i])));
        }

        var both = new LikelihoodResult(1);
        var first = new LikelihoodResult(1);
        var second = new LikelihoodResult(1);
        em.Evaluate(ObservationSet.FromRows(model, rows, "two"), theta, both);
        em.Evaluate(OneTransition(model, "a"), theta, first);
        em.Evaluate(OneTransition(model, "b", other), theta, second);

        // Independent batches: sums agree to rounding (1e−12 relative).
        Assert.True(Math.Abs(both.LogLikelihood - (first.LogLikelihood + second.LogLikelihood)) <= 1e-12 * Math.Abs(both.LogLikelihood));
        Assert.True(Math.Abs(both.Gradient[0] - (first.Gradient[0] + second.Gradient[0])) <= 1e-12 * Math.Abs(both.Gradient[0]));
        Assert.Equal(6, both.MeasurementCount);
        Assert.NotEqual(first.LogLikelihood, second.LogLikelihood);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(1.000000001)]
    [InlineData(1.1)]
    public void Evaluate_MichaelisMentenFromZeroComplex_ThrowsSingularTransition(double k1Factor)
    {
        // From ES = 0 only binding has a positive rate, so the transition covariance on range(N) (2-dimensional:
        // binding/unbinding and catalysis directions) has rank 1 and the EM density is undefined. Depending on
        // rounding the second Cholesky pivot comes out as exactly 0 or as a ~1e−16-relative residue; at the nominal
        // θ it was the latter, which used to give ℓ ≈ −2.6e46 instead of an error.
        var model = BuiltInModels.Load("michaelis-menten");
        var rows = new List<DataRow>
        {
            new("b", 0, "S", 0.5), new("b", 0, "E", 0.2), new("b", 0, "ES", 0), new("b", 0, "P", 0),
            new("b", 0.001, "S", 0.45), new("b", 0.001, "E", 0.16), new("b", 0.001, "ES", 0.04), new("b", 0.001, "P", 0.01),
        };
        var theta = model.NominalParameters();
        theta[0] *= k1Factor;
        var em = new EulerMaruyamaLikelihood(model, [0, 1, 2]);
        var ex = Assert.Throws<DataException>(() => em.Evaluate(ObservationSet.FromRows(model, rows, "mm"), theta, new LikelihoodResult(3)));
        Assert.Contains("singular", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ComponentMissing_ThrowsDataExceptionListingEveryGap()
    {
        var model = BuiltInModels.Load("cho");
        var rows = new List<DataRow>();
        rows.AddRange(Enumerable.Range(0, 5).Where(i => i != 2).Select(i => new DataRow("b1", 0, model.StateNames[i], Z0[i]))); // mAb missing at t = 0
        rows.AddRange(Enumerable.Range(0, 5).Where(i => i != 4).Select(i => new DataRow("b1", Dt, model.StateNames[i], Z1[i]))); // X1 missing at t = 0.5
        rows.AddRange(Enumerable.Range(0, 5).Select(i => new DataRow("b2", 0, model.StateNames[i], Z0[i]))); // complete batch: no error
        rows.AddRange(Enumerable.Range(0, 5).Select(i => new DataRow("b2", Dt, model.StateNames[i], Z1[i])));

        var data = ObservationSet.FromRows(model, rows, "gaps.csv");
        var em = new EulerMaruyamaLikelihood(model, [0]);
        var ex = Assert.Throws<DataException>(() => em.Validate(data, "gaps.csv"));
        Assert.Equal(2, ex.Errors.Count);
        Assert.All(ex.Errors, e => Assert.Equal("gaps.csv", e.Source));
        Assert.All(ex.Errors, e => Assert.Contains("batch b1", e.Message, StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.Message.Contains("t = 0", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.Message.Contains("X1 missing", StringComparison.Ordinal));

        // Evaluate without Validate refuses the incomplete time as well.
        Assert.Throws<DataException>(() => em.Evaluate(data, model.NominalParameters(), new LikelihoodResult(1)));
    }
}
