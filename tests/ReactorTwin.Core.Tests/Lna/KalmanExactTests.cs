using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Core.Tests.Lna;

/// <summary>
/// <see cref="KalmanLnaLikelihood"/> against likelihoods computed independently of the library.
/// <para>The dense-Gaussian comparison needs a model whose LNA is an exact linear Gaussian process: linear drift
/// AND a diffusion D that does not depend on the state. Immigration–death is linear but its D = (k + gA)/Ω
/// depends on A, and the filter (correctly, as documented) restarts the LNA from the filtered mean after every
/// update, so its predictive covariances depend on the data and its likelihood is not the density of one fixed
/// multivariate normal (the difference is O(g·|innovation|·Δt/Ω): 5.5e−4 in ℓ for the data of test (3), far
/// above the tolerance). So:
/// (1) a one-species network with channels ∅ → A at rate k − gA and A → ∅ at rate gA has drift k − 2gA and
/// constant D = k/Ω (an Ornstein–Uhlenbeck process while k − gA &gt; 0, which holds by ~30 SD here): its
/// likelihood is compared with a dense MVN built from closed-form moments; (2) the same construction with two
/// species gives a linear network with constant D, partially observed, compared with a dense MVN from RK4
/// moments and matrix-exponential cross-covariances; (3) immigration–death itself is compared with a scalar
/// Kalman recursion whose predictions are the closed-form conditional moments.</para>
/// <para>Tolerance on ℓ: 1e−6 absolute. The LNA is integrated at rtol 1e−10 / atol 1e−14, so the moments carry
/// relative errors ~1e−10 and ℓ (a handful of terms of order 1–10) an error ~1e−9; the references are exact up
/// to rounding (RK4 with h ≤ 1e−3 h has a global error ~1e−13 on these time scales).</para>
/// </summary>
public class KalmanExactTests
{
    private const double LogLikTol = 1e-6;

    // ---- (1) one species, constant diffusion ----------------------------------------------------------------
    private const double Ok = 10, Og = 0.5, OOmega = 50, OA0 = 2;
    private static readonly double[] OuTimes = [0.3, 0.7, 1.9, 2.0, 3.5];

    private static ReactionNetwork Ou(double omega) =>
        ReactionNetwork.CreateBuilder("ou")
            .WithSystemSize(omega)
            .AddSpecies("A", "mM", OA0)
            .AddParameter("k", Ok, 0.1, 1000)
            .AddParameter("g", Og, 0.005, 50)
            .AddReaction(new Reaction("production", new Dictionary<string, double> { ["A"] = 1 }, "k - g*A") { Reversible = false }) // a net rate: D = k
            .AddReaction("death", new() { ["A"] = -1 }, "g*A")
            .Build();

    /// <summary>Mean and covariance of the latent OU path (drift k − 2gA, diffusion k/Ω) at the observation times.</summary>
    private static (double[] Mean, double[,] Cov) OuMoments(double k, double g)
    {
        double lambda = 2 * g, d = k / OOmega, mInf = k / lambda;
        int m = OuTimes.Length;
        var mean = new double[m];
        var cov = new double[m, m];
        for (int a = 0; a < m; a++)
        {
            mean[a] = mInf + ((OA0 - mInf) * Math.Exp(-lambda * OuTimes[a]));
            for (int b = 0; b < m; b++)
            {
                double tMin = Math.Min(OuTimes[a], OuTimes[b]);
                double vMin = d / (2 * lambda) * (1 - Math.Exp(-2 * lambda * tMin));
                cov[a, b] = vMin * Math.Exp(-lambda * Math.Abs(OuTimes[a] - OuTimes[b]));
            }
        }

        return (mean, cov);
    }

    /// <summary>Exact log-density of the observations under the OU process with drift k − 2gA and diffusion k/Ω.</summary>
    private static double OuExactLogLikelihood(double k, double g, double[] y, MeasurementNoise noise)
    {
        var (mean, cov) = OuMoments(k, g);
        for (int a = 0; a < mean.Length; a++)
        {
            cov[a, a] += noise.Variance(0, y[a]);
        }

        return LnaTestSupport.LogNormalDensity(y, mean, cov);
    }

    private static (ObservationSet Data, double[] Y, MeasurementNoise Noise) OuData(ReactionNetwork model)
    {
        // Values: one exact draw of the latent OU path at the observation times plus N(0, 0.1²) noise.
        var noise = new MeasurementNoise(1).SetAbsolute(0, 0.1).SetRelative(0, 0.03);
        var (mean, cov) = OuMoments(Ok, Og);
        var gauss = new GaussianSource(new Random(31));
        var latent = SampleNormal(mean, cov, gauss);
        var y = latent.Select(v => v + (0.1 * gauss.Next())).ToArray();
        var rows = new List<DataRow> { new("b1", 0, "A", OA0, 2) };
        rows.AddRange(OuTimes.Select((t, j) => new DataRow("b1", t, "A", y[j], j + 3)));
        return (ObservationSet.FromRows(model, rows, "ou"), y, noise);
    }

    [Fact]
    public void Evaluate_LinearConstantDiffusionModel_EqualsDenseGaussianLogLikelihood()
    {
        var model = Ou(OOmega);
        var (data, y, noise) = OuData(model);
        var kalman = new KalmanLnaLikelihood(model, [0, 1], LnaTestSupport.Tight);
        var result = new LikelihoodResult(2);
        kalman.Evaluate(data, [Ok, Og], noise, result);
        double exact = OuExactLogLikelihood(Ok, Og, y, noise);
        Assert.True(Math.Abs(result.LogLikelihood - exact) <= LogLikTol, $"Kalman–LNA ℓ = {result.LogLikelihood:G15}, dense MVN ℓ = {exact:G15}");
        Assert.Equal(OuTimes.Length, result.MeasurementCount);
    }

    [Fact]
    public void Evaluate_LinearConstantDiffusionModel_GradientEqualsDerivativeOfDenseGaussian()
    {
        // Central differences of the closed-form dense likelihood (no integrator noise), h = 1e−6·θ: truncation
        // h²ℓ'''/6 ~ 1e−12 relative, rounding ~1e−16·|ℓ|/h ~ 1e−9 relative. Tolerance 1e−6 relative on each
        // component, dominated by the LNA sensitivities' integration error (~1e−9).
        var model = Ou(OOmega);
        var (data, y, noise) = OuData(model);
        var kalman = new KalmanLnaLikelihood(model, [0, 1], LnaTestSupport.Tight);
        var result = new LikelihoodResult(2);
        kalman.Evaluate(data, [Ok, Og], noise, result);
        double hk = 1e-6 * Ok, hg = 1e-6 * Og;
        double dk = (OuExactLogLikelihood(Ok + hk, Og, y, noise) - OuExactLogLikelihood(Ok - hk, Og, y, noise)) / (2 * hk);
        double dg = (OuExactLogLikelihood(Ok, Og + hg, y, noise) - OuExactLogLikelihood(Ok, Og - hg, y, noise)) / (2 * hg);
        Assert.True(Math.Abs(result.Gradient[0] - dk) <= 1e-6 * Math.Abs(dk), $"∂ℓ/∂k: Kalman {result.Gradient[0]:G12}, dense {dk:G12}");
        Assert.True(Math.Abs(result.Gradient[1] - dg) <= 1e-6 * Math.Abs(dg), $"∂ℓ/∂g: Kalman {result.Gradient[1]:G12}, dense {dg:G12}");
    }

    // ---- (2) two species, constant diffusion, partial observations -----------------------------------------
    //   ∅ → A (kA), A → B (c1·A), B → A (u − c1·A), B → ∅ (c2·B), ∅ → B (v − c2·B):
    //   dz/dt = f0 + J z with f0 = (kA + u, v − u), J = [[−2c1, 0], [2c1, −2c2]],
    //   D = [[kA + u, −u], [−u, u + v]] / Ω (constant). Rates stay positive: u − c1·A ≥ 12 − 0.5·16 = 4 and
    //   v − c2·B ≥ 15 − 0.4·23.75 = 5.5 at the stationary means, with SDs ≈ 0.5 and 0.9.
    private const double KA = 4, C1 = 0.5, U = 12, C2 = 0.4, V = 15, TOmega = 40;
    private static readonly double[] TwoZ0 = [5, 3];

    private static ReactionNetwork TwoSpecies() =>
        ReactionNetwork.CreateBuilder("two-species-linear")
            .WithSystemSize(TOmega)
            .AddSpecies("A", "mM", TwoZ0[0])
            .AddSpecies("B", "mM", TwoZ0[1])
            .AddParameter("kA", KA, 0.04, 400)
            .AddParameter("c1", C1, 0.005, 50)
            .AddParameter("u", U, 0.12, 1200)
            .AddParameter("c2", C2, 0.004, 40)
            .AddParameter("v", V, 0.15, 1500)
            .AddReaction("inA", new() { ["A"] = 1 }, "kA")
            .AddReaction("AtoB", new() { ["A"] = -1, ["B"] = 1 }, "c1*A")
            .AddReaction(new Reaction("BtoA", new Dictionary<string, double> { ["A"] = 1, ["B"] = -1 }, "u - c1*A") { Reversible = false })
            .AddReaction("outB", new() { ["B"] = -1 }, "c2*B")
            .AddReaction(new Reaction("inB", new Dictionary<string, double> { ["B"] = 1 }, "v - c2*B") { Reversible = false })
            .Build();

    /// <summary>Observation schedule: (time, components) with only A, only B or both.</summary>
    private static readonly (double Time, int[] Components)[] Schedule =
    [
        (0.3, [0]), (0.7, [1]), (1.1, [0, 1]), (1.9, [0]), (2.0, [1]), (3.5, [0, 1]), (5.0, [1]),
    ];

    [Fact]
    public void Evaluate_TwoSpeciesLinearPartiallyObserved_EqualsDenseGaussianAndConditionalMoments()
    {
        var model = TwoSpecies();
        double[] f0 = [KA + U, V - U];
        double[,] j = { { -2 * C1, 0 }, { 2 * C1, -2 * C2 } };
        double[,] d = { { (KA + U) / TOmega, -U / TOmega }, { -U / TOmega, (U + V) / TOmega } };

        // Unconditional moments at the schedule's times by RK4 of dm/dt = f0 + Jm, dV/dt = JV + VJᵀ + D.
        int nt = Schedule.Length;
        var means = new double[nt][];
        var covs = new double[nt][,];
        var mCur = (double[])TwoZ0.Clone();
        var vCur = new double[2, 2];
        double t = 0;
        for (int s = 0; s < nt; s++)
        {
            Rk4(f0, j, d, mCur, vCur, t, Schedule[s].Time);
            t = Schedule[s].Time;
            means[s] = (double[])mCur.Clone();
            covs[s] = (double[,])vCur.Clone();
        }

        // Observations flattened in time order; Cov(z(t), z(s)) = exp(J(t − s)) V(s) for t ≥ s.
        var obs = Schedule.SelectMany((e, s) => e.Components.Select(c => (Slot: s, Component: c))).ToArray();
        int m = obs.Length;
        var mu = obs.Select(o => means[o.Slot][o.Component]).ToArray();
        var latentCov = new double[m, m];
        for (int a = 0; a < m; a++)
        {
            for (int b = 0; b < m; b++)
            {
                latentCov[a, b] = CrossCovariance(j, Schedule, covs, obs[a], obs[b]);
            }
        }

        var gauss = new GaussianSource(new Random(32));
        var y = SampleNormal(mu, latentCov, gauss).Select(v => v + (0.2 * gauss.Next())).ToArray();
        var noise = new MeasurementNoise(2).SetAbsolute(0, 0.2).SetAbsolute(1, 0.2).SetRelative(1, 0.02);
        var cov = (double[,])latentCov.Clone();
        for (int a = 0; a < m; a++)
        {
            cov[a, a] += noise.Variance(obs[a].Component, y[a]);
        }

        double exact = LnaTestSupport.LogNormalDensity(y, mu, cov);

        var rows = new List<DataRow> { new("b", 0, "A", TwoZ0[0]), new("b", 0, "B", TwoZ0[1]) };
        rows.AddRange(obs.Select((o, a) => new DataRow("b", Schedule[o.Slot].Time, model.StateNames[o.Component], y[a])));
        var data = ObservationSet.FromRows(model, rows, "two-species");
        var kalman = new KalmanLnaLikelihood(model, [], LnaTestSupport.Tight);
        var result = new LikelihoodResult(0);
        var filtered = new List<FilteredState>();
        kalman.Evaluate(data, [KA, C1, U, C2, V], noise, result, filtered);
        Assert.True(Math.Abs(result.LogLikelihood - exact) <= LogLikTol, $"Kalman–LNA ℓ = {result.LogLikelihood:G15}, dense MVN ℓ = {exact:G15}");
        Assert.Equal(m, result.MeasurementCount);
        Assert.Equal(nt, filtered.Count);

        // The last filtered state is the Gaussian conditional of z(t_last) given every observation:
        // mean m + K(y − μ), covariance V − K Cov(y, z), K = Cov(z, y) C⁻¹. Same 1e−10-level integration error,
        // checked at 1e−7 relative to the largest entry.
        var czy = new double[2, m];
        for (int a = 0; a < m; a++)
        {
            for (int i = 0; i < 2; i++)
            {
                czy[i, a] = CrossCovariance(j, Schedule, covs, (nt - 1, i), obs[a]);
            }
        }

        var l = LnaTestSupport.Cholesky(cov);
        var resid = y.Select((v, a) => v - mu[a]).ToArray();
        var w = CholeskySolve(l, resid);
        var last = filtered[^1];
        Assert.Equal(Schedule[^1].Time, last.TimeHours);
        for (int i = 0; i < 2; i++)
        {
            double condMean = means[nt - 1][i];
            for (int a = 0; a < m; a++)
            {
                condMean += czy[i, a] * w[a];
            }

            Assert.True(Math.Abs(last.Mean[i] - condMean) <= 1e-7 * Math.Abs(condMean), $"filtered mean[{i}] {last.Mean[i]:G12} vs conditional {condMean:G12}");
            for (int k = 0; k < 2; k++)
            {
                var ck = CholeskySolve(l, Enumerable.Range(0, m).Select(a => czy[k, a]).ToArray());
                double condCov = covs[nt - 1][i, k];
                for (int a = 0; a < m; a++)
                {
                    condCov -= czy[i, a] * ck[a];
                }

                Assert.True(Math.Abs(last.Covariance[(i * 2) + k] - condCov) <= 1e-7 * covs[nt - 1][0, 0], $"filtered cov[{i},{k}] {last.Covariance[(i * 2) + k]:G12} vs conditional {condCov:G12}");
            }
        }
    }

    // ---- (3) immigration–death: state-dependent diffusion, closed-form scalar filter ------------------------
    [Fact]
    public void Evaluate_ImmigrationDeath_EqualsClosedFormScalarKalmanRecursion()
    {
        // Between updates the LNA from (η⁺, P⁺) over Δ gives, in closed form (p = e^{−gΔ}, c = k/g),
        //   η = c + (η⁺ − c) p,   P = p² P⁺ + [c (1 − p) + η⁺ p (1 − p)] / Ω
        // (see LnaMomentTests for the derivation), which are also the exact first two moments of the jump process
        // started from any distribution with that mean and variance. The update is the scalar Kalman step.
        const double k = 10, g = 1, omega = 50, a0 = 2;
        var model = LnaTestSupport.ImmigrationDeath(k, g, omega, a0);
        double[] times = [0.3, 0.7, 1.9, 2.0, 3.5];
        var path = LnaTestSupport.SimulateCle(model, [k, g], [a0], times, 1, 1e-3, new Random(33))[0];
        var gauss = new GaussianSource(new Random(34));
        var y = path.Select(v => v + (0.15 * gauss.Next())).ToArray();
        var noise = new MeasurementNoise(1).SetAbsolute(0, 0.15).SetRelative(0, 0.01);
        var rows = new List<DataRow> { new("b", 0, "A", a0) };
        rows.AddRange(times.Select((t, i) => new DataRow("b", t, "A", y[i])));
        var data = ObservationSet.FromRows(model, rows, "immigration-death");

        var kalman = new KalmanLnaLikelihood(model, [], LnaTestSupport.Tight);
        var result = new LikelihoodResult(0);
        var filtered = new List<FilteredState>();
        kalman.Evaluate(data, [k, g], noise, result, filtered);

        double c = k / g, eta = a0, pv = 0, tPrev = 0, ll = 0;
        for (int i = 0; i < times.Length; i++)
        {
            double p = Math.Exp(-g * (times[i] - tPrev));
            double etaPred = c + ((eta - c) * p);
            double pvPred = (p * p * pv) + (((c * (1 - p)) + (eta * p * (1 - p))) / omega);
            double s = pvPred + noise.Variance(0, y[i]);
            double v = y[i] - etaPred;
            ll += -0.5 * (Math.Log(2 * Math.PI) + Math.Log(s) + (v * v / s));
            double gain = pvPred / s;
            eta = etaPred + (gain * v);
            pv = pvPred * (1 - gain);
            tPrev = times[i];

            // Filtered moments: ~1e−10 relative integration error, checked at 1e−8.
            Assert.True(Math.Abs(filtered[i].Mean[0] - eta) <= 1e-8 * Math.Abs(eta), $"t = {times[i]}: filtered mean {filtered[i].Mean[0]:G12} vs {eta:G12}");
            Assert.True(Math.Abs(filtered[i].Covariance[0] - pv) <= 1e-8 * pv, $"t = {times[i]}: filtered variance {filtered[i].Covariance[0]:G12} vs {pv:G12}");
        }

        Assert.True(Math.Abs(result.LogLikelihood - ll) <= LogLikTol, $"Kalman–LNA ℓ = {result.LogLikelihood:G15}, scalar recursion ℓ = {ll:G15}");
    }

    // ---- helpers --------------------------------------------------------------------------------------------
    private static double CrossCovariance(double[,] j, (double Time, int[] Components)[] schedule, double[][,] covs, (int Slot, int Component) a, (int Slot, int Component) b)
    {
        // Cov(z(t_a), z(t_b)) = Φ(t_a − t_b) V(t_b) if t_a ≥ t_b, else its transpose with a and b exchanged.
        if (schedule[a.Slot].Time < schedule[b.Slot].Time)
        {
            return CrossCovariance(j, schedule, covs, b, a);
        }

        double dt = schedule[a.Slot].Time - schedule[b.Slot].Time;
        var phi = LnaTestSupport.MatrixExponential(new double[,] { { j[0, 0] * dt, j[0, 1] * dt }, { j[1, 0] * dt, j[1, 1] * dt } });
        var pv = LnaTestSupport.Multiply(phi, covs[b.Slot]);
        return pv[a.Component, b.Component];
    }

    private static void Rk4(double[] f0, double[,] j, double[,] d, double[] m, double[,] v, double t0, double t1)
    {
        int steps = (int)Math.Ceiling((t1 - t0) / 1e-3);
        double h = (t1 - t0) / steps;
        var y = new double[6];
        Pack(m, v, y);
        for (int s = 0; s < steps; s++)
        {
            var k1 = Rhs(y);
            var k2 = Rhs(Axpy(y, k1, h / 2));
            var k3 = Rhs(Axpy(y, k2, h / 2));
            var k4 = Rhs(Axpy(y, k3, h));
            for (int i = 0; i < 6; i++)
            {
                y[i] += h / 6 * (k1[i] + (2 * k2[i]) + (2 * k3[i]) + k4[i]);
            }
        }

        m[0] = y[0];
        m[1] = y[1];
        v[0, 0] = y[2];
        v[0, 1] = y[3];
        v[1, 0] = y[4];
        v[1, 1] = y[5];

        double[] Rhs(double[] x)
        {
            var r = new double[6];
            r[0] = f0[0] + (j[0, 0] * x[0]) + (j[0, 1] * x[1]);
            r[1] = f0[1] + (j[1, 0] * x[0]) + (j[1, 1] * x[1]);
            double[,] vv = { { x[2], x[3] }, { x[4], x[5] } };
            for (int a = 0; a < 2; a++)
            {
                for (int b = 0; b < 2; b++)
                {
                    double s = d[a, b];
                    for (int c = 0; c < 2; c++)
                    {
                        s += (j[a, c] * vv[c, b]) + (vv[a, c] * j[b, c]);
                    }

                    r[2 + (a * 2) + b] = s;
                }
            }

            return r;
        }
    }

    private static void Pack(double[] m, double[,] v, double[] y)
    {
        y[0] = m[0];
        y[1] = m[1];
        y[2] = v[0, 0];
        y[3] = v[0, 1];
        y[4] = v[1, 0];
        y[5] = v[1, 1];
    }

    private static double[] Axpy(double[] y, double[] k, double h) => y.Select((v, i) => v + (h * k[i])).ToArray();

    private static double[] SampleNormal(double[] mean, double[,] cov, GaussianSource gauss)
    {
        var l = LnaTestSupport.Cholesky(cov);
        int n = mean.Length;
        var xi = Enumerable.Range(0, n).Select(_ => gauss.Next()).ToArray();
        var x = new double[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = mean[i];
            for (int k = 0; k <= i; k++)
            {
                x[i] += l[i, k] * xi[k];
            }
        }

        return x;
    }

    private static double[] CholeskySolve(double[,] l, double[] b)
    {
        int n = b.Length;
        var x = (double[])b.Clone();
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < i; k++)
            {
                x[i] -= l[i, k] * x[k];
            }

            x[i] /= l[i, i];
        }

        for (int i = n - 1; i >= 0; i--)
        {
            for (int k = i + 1; k < n; k++)
            {
                x[i] -= l[k, i] * x[k];
            }

            x[i] /= l[i, i];
        }

        return x;
    }
}
