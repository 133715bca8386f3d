using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Core.Tests.Lna;

/// <summary>
/// Moments from <see cref="LnaSolver"/>: closed forms for a linear network, Monte Carlo (CLE and SSA) for CHO at
/// large Ω, positive semi-definiteness of Ψ, and first-order convergence of the seed's Euler form (eq. 15–16).
/// </summary>
public class LnaMomentTests
{
    // ---------------------------------------------------------------------------------------------------------
    // (a) Immigration–death ∅ → A (rate k), A → ∅ (rate g·A): the LNA is exact for the first two moments.
    //
    // With c = k/g the mean solves dm/dt = k − g m:  m(t) = c + (A0 − c) e^{−gt}.
    // The LNA variance solves dV/dt = −2g V + (k + g m(t))/Ω, V(0) = 0. Since k + g m = 2k + g(A0 − c) e^{−gt},
    //   V(t) = (1/Ω) ∫₀ᵗ e^{−2g(t−s)} [2k + g(A0 − c) e^{−gs}] ds
    //        = (1/Ω) [ c (1 − e^{−2gt}) + (A0 − c)(e^{−gt} − e^{−2gt}) ]
    //        = (1/Ω) [ c (1 − e^{−gt}) + A0 e^{−gt} (1 − e^{−gt}) ]           (= (m(t) − A0 e^{−2gt}) / Ω)
    // which is also the exact CME variance: Poisson(Ωc(1 − e^{−gt})) immigrants still present plus
    // Binomial(ΩA0, e^{−gt}) survivors, divided by Ω². (Note: m(t)(1 − e^{−gt})/Ω is NOT the variance; it
    // differs by c(e^{−gt} − e^{−2gt})/Ω.) Derivatives of the closed forms, with p = e^{−gt}:
    //   ∂m/∂k = (1 − p)/g,              ∂m/∂g = −(k/g²)(1 − p) − (A0 − c) t p
    //   ∂V/∂k = (1 − p)/(gΩ),           ∂V/∂g = (1/Ω) [ −(k/g²)(1 − p) + c t p + A0 (−t p + 2 t p²) ]
    // ---------------------------------------------------------------------------------------------------------
    private const double K = 10, G = 1, Omega = 50, A0 = 2;

    private static double Mean(double t) => (K / G) + ((A0 - (K / G)) * Math.Exp(-G * t));

    private static double Variance(double t)
    {
        double p = Math.Exp(-G * t);
        return (((K / G) * (1 - p)) + (A0 * p * (1 - p))) / Omega;
    }

    [Theory]
    [InlineData(OdeMethod.Auto)]
    [InlineData(OdeMethod.Implicit)]
    public void Propagate_ImmigrationDeath_MeanVarianceAndSensitivitiesEqualClosedForms(OdeMethod method)
    {
        // Also through the implicit stages (Newton on the mean, packed Lyapunov solves for Ψ and Ψ_k).
        var model = LnaTestSupport.ImmigrationDeath(K, G, Omega, A0);
        var solver = new LnaSolver(model, [0, 1], LnaTestSupport.Tight with { Tolerances = LnaTestSupport.Tight.Tolerances with { Method = method } });
        var state = solver.CreateState();
        state.Reset([A0]);
        double[] theta = [K, G];
        double t = 0;

        // Tolerance 1e−7 relative: either method at rtol 1e−10 / atol 1e−14 keeps the global error of these
        // smooth, non-stiff components near 1e−9 relative; 1e−7 leaves a 100× margin yet catches any wrong term
        // (a missing D contribution or a wrong F_k changes the values at the percent level).
        const double tol = 1e-7;
        foreach (double t1 in new[] { 0.1, 0.5, 1.0, 2.5, 6.0 })
        {
            solver.Propagate(state, theta, t, t1); // sequential propagation: each leg starts from the last state
            t = t1;
            double p = Math.Exp(-G * t);
            double c = K / G;
            double dmdk = (1 - p) / G;
            double dmdg = (-(K / (G * G)) * (1 - p)) - ((A0 - c) * t * p);
            double dvdk = (1 - p) / (G * Omega);
            double dvdg = ((-(K / (G * G)) * (1 - p)) + (c * t * p) + (A0 * ((-t * p) + (2 * t * p * p)))) / Omega;
            AssertRelative(Mean(t), state.Mean[0], tol, $"m({t})");
            AssertRelative(Variance(t), state.Covariance[0], tol, $"V({t})");
            AssertRelative(dmdk, state.MeanSensitivity[0], tol, $"∂m/∂k({t})");
            AssertRelative(dmdg, state.MeanSensitivity[1], tol, $"∂m/∂g({t})");
            AssertRelative(dvdk, state.CovarianceSensitivity[0], tol, $"∂V/∂k({t})");
            AssertRelative(dvdg, state.CovarianceSensitivity[1], tol, $"∂V/∂g({t})");
        }
    }

    [Fact]
    public void Propagate_ImmigrationDeathFromNonzeroCovariance_AddsDecayedInitialCovariance()
    {
        // Starting from (m0, V0) instead of (A0, 0): V(t) = e^{−2gt} V0 + V_{A0 = m0}(t) (the forcing term of the
        // variance ODE depends only on the mean path), the form the Kalman filter relies on after an update.
        const double m0 = 7.5, v0 = 0.3, t1 = 0.8;
        var model = LnaTestSupport.ImmigrationDeath(K, G, Omega, A0);
        var solver = new LnaSolver(model, [], LnaTestSupport.Tight);
        var state = solver.CreateState();
        state.Reset([m0]);
        state.Covariance[0] = v0;
        solver.Propagate(state, [K, G], 0, t1);
        double p = Math.Exp(-G * t1);
        double expected = (p * p * v0) + ((((K / G) * (1 - p)) + (m0 * p * (1 - p))) / Omega);

        // Same integration-error argument as above: 1e−7 relative.
        AssertRelative(expected, state.Covariance[0], 1e-7, "V(0.8) from V0 = 0.3");
        AssertRelative((K / G) + ((m0 - (K / G)) * p), state.Mean[0], 1e-7, "m(0.8) from m0 = 7.5");
    }

    // ---------------------------------------------------------------------------------------------------------
    // (b) CHO at large Ω against Monte Carlo.
    // ---------------------------------------------------------------------------------------------------------

    /// <summary>
    /// CHO at Ω = 1000: LNA mean and covariance at 24/48/72 h against 800 CLE paths (Euler–Maruyama, Δt = 0.01 h).
    /// <para>Mean: |x̄ − δ_Euler − η| ≤ 4·SE, SE = s/√N. δ_Euler is the deterministic bias of the CLE's Euler step
    /// (O(Δt); for X1 at 24 h it is −0.04, ~70 SE), measured exactly by running the same integrator at Ω = 1e14,
    /// where its noise is ~1e−6 of that at Ω = 1000. The LNA's own O(1/Ω) mean bias was measured with 8000
    /// paths to be below 1.3 SE of that run, i.e. under 0.5 SE here, so it is not added.</para>
    /// <para>Variance: |s² − Ψ_ii| ≤ 4·Ψ_ii·√(2/(N − 1)) + 2e−3·Ψ_ii, the first term the standard error of a
    /// Gaussian sample variance (the CLE increments are Gaussian and nearly linear at this Ω), the second the
    /// O(1/Ω) LNA bias plus the O(Δt) Euler bias of the variance (each ~1e−3 relative). Covariance GLC–LAC:
    /// |ĉ − Ψ₀₁| ≤ 4·√((Ψ₀₀Ψ₁₁ + Ψ₀₁²)/(N − 1)).</para>
    /// </summary>
    [Fact]
    public void Propagate_ChoAtLargeSystemSize_MatchesChemicalLangevinMonteCarlo()
    {
        const double omega = 1000, dt = 0.01;
        const int paths = 800;
        var model = BuiltInModels.Load("cho");
        var theta = model.NominalParameters();
        var z0 = model.DefaultInitialState();
        double[] times = [24, 48, 72];
        int n = model.StateDimension;
        var (means, covariances) = LnaAt(model, theta, z0, times, omega);
        var euler = LnaTestSupport.SimulateCle(model, theta, z0, times, 1, dt, new Random(11), 1e14)[0];

        var sim = LnaTestSupport.SimulateCle(model, theta, z0, times, paths, dt, new Random(12), omega);
        var failures = new List<string>();
        for (int j = 0; j < times.Length; j++)
        {
            var samples = new double[paths, n];
            for (int p = 0; p < paths; p++)
            {
                for (int i = 0; i < n; i++)
                {
                    samples[p, i] = sim[p][(j * n) + i];
                }
            }

            for (int i = 0; i < n; i++)
            {
                var (mean, variance) = TestHelpers.MeanVariance(samples, i);
                double biasEuler = euler[(j * n) + i] - means[j][i];
                double se = Math.Sqrt(variance / paths);
                double meanError = mean - biasEuler - means[j][i];
                if (!(Math.Abs(meanError) <= 4 * se))
                {
                    failures.Add($"t = {times[j]} h, {model.StateNames[i]}: mean {mean:G8} − Euler bias {biasEuler:G3} vs LNA {means[j][i]:G8} ({meanError / se:F2} SE)");
                }

                double psi = covariances[j][(i * n) + i];
                double varTol = (4 * psi * Math.Sqrt(2.0 / (paths - 1))) + (2e-3 * psi);
                if (!(Math.Abs(variance - psi) <= varTol))
                {
                    failures.Add($"t = {times[j]} h, {model.StateNames[i]}: variance {variance:G5} vs LNA {psi:G5} (tolerance {varTol:G3})");
                }
            }

            double cov = Covariance(samples, 0, 1);
            double c00 = covariances[j][0], c11 = covariances[j][n + 1], c01 = covariances[j][1];
            double covTol = 4 * Math.Sqrt(((c00 * c11) + (c01 * c01)) / (paths - 1));
            if (!(Math.Abs(cov - c01) <= covTol))
            {
                failures.Add($"t = {times[j]} h: Cov(GLC, LAC) {cov:G5} vs LNA {c01:G5} (tolerance {covTol:G3})");
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    /// <summary>
    /// A small exact-jump check: CHO at Ω = 100 to 24 h, 200 Gillespie paths (≈ 31 000 events each; the cell
    /// densities advance by the simulator's capped midpoint steps, ADR 0002). Tolerances as in the CLE test: mean
    /// 4 SE, variance 4·Ψ_ii·√(2/(N − 1)) (≈ 40 %); the O(1/Ω) LNA bias at Ω = 100 was measured with 1000 SSA
    /// paths to be within 1.3 SE of that run (< 0.6 SE here) and the variances within 5 %, so it is not added.
    /// mAb is left out: at Ω = 100 its mean is 0.04 molecules, a Poisson count far from Gaussian, so the
    /// Gaussian standard error of its sample variance does not apply.
    /// </summary>
    [Fact]
    public void Propagate_ChoAtModerateSystemSize_MatchesGillespieMonteCarlo()
    {
        const double omega = 100;
        const int paths = 200;
        var model = BuiltInModels.Load("cho");
        var theta = model.NominalParameters();
        var z0 = model.DefaultInitialState();
        int n = model.StateDimension;
        var (means, covariances) = LnaAt(model, theta, z0, [24], omega);
        var ssa = new GillespieSimulator(model, omega);
        var rng = new Random(13);
        var samples = new double[paths, n];
        var output = new double[n];
        for (int p = 0; p < paths; p++)
        {
            ssa.Simulate(z0, theta, [24.0], output, rng);
            for (int i = 0; i < n; i++)
            {
                samples[p, i] = output[i];
            }
        }

        var failures = new List<string>();
        foreach (int i in new[] { 0, 1, 3, 4 })
        {
            var (mean, variance) = TestHelpers.MeanVariance(samples, i);
            double se = Math.Sqrt(variance / paths);
            if (!(Math.Abs(mean - means[0][i]) <= 4 * se))
            {
                failures.Add($"{model.StateNames[i]}: SSA mean {mean:G8} vs LNA {means[0][i]:G8} ({(mean - means[0][i]) / se:F2} SE)");
            }

            double psi = covariances[0][(i * n) + i];
            double varTol = 4 * psi * Math.Sqrt(2.0 / (paths - 1));
            if (!(Math.Abs(variance - psi) <= varTol))
            {
                failures.Add($"{model.StateNames[i]}: SSA variance {variance:G5} vs LNA {psi:G5} (tolerance {varTol:G3})");
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    // ---------------------------------------------------------------------------------------------------------
    // (c) Positive semi-definiteness and the Euler form.
    // ---------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Ψ after every 1 h leg (default tolerances, as used in practice): exactly symmetric (the solver symmetrises),
    /// and its smallest eigenvalue (independent Jacobi routine) ≥ −1e−9·max Ψ_ii. The exact Ψ is PSD; the slack
    /// only admits rounding and the 1e−6-relative integration error in directions whose variance is ~0 (the
    /// conserved E + ES and S + ES + P of Michaelis–Menten, exactly singular). CHO runs to 96 h, past glucose
    /// depletion, where GLC's variance collapses from 0.6 to 1e−4 while X1's reaches 2000. The ∂Ψ/∂θ_k must be
    /// symmetric too.
    /// </summary>
    [Theory]
    [InlineData("cho", 96.0, 1.0)]
    [InlineData("michaelis-menten", 0.03, 0.0005)]
    public void Propagate_Throughout_CovarianceSymmetricPositiveSemidefinite(string name, double horizon, double leg)
    {
        var model = BuiltInModels.Load(name);
        int n = model.StateDimension;
        int[] sens = name == "cho" ? [0, 2, 3] : [0, 1, 2];
        var solver = new LnaSolver(model, sens);
        var state = solver.CreateState();
        state.Reset(model.DefaultInitialState());
        var theta = model.NominalParameters();
        int legs = (int)Math.Round(horizon / leg);
        double worst = double.PositiveInfinity;
        for (int j = 0; j < legs; j++)
        {
            solver.Propagate(state, theta, j * leg, (j + 1) * leg);
            double maxDiag = 0;
            for (int i = 0; i < n; i++)
            {
                maxDiag = Math.Max(maxDiag, state.Covariance[(i * n) + i]);
                for (int l = 0; l < n; l++)
                {
                    Assert.Equal(state.Covariance[(i * n) + l], state.Covariance[(l * n) + i]);
                    for (int k = 0; k < sens.Length; k++)
                    {
                        Assert.Equal(state.CovarianceSensitivity[(k * n * n) + (i * n) + l], state.CovarianceSensitivity[(k * n * n) + (l * n) + i]);
                    }
                }
            }

            Assert.True(maxDiag > 0, $"{name}: no variance at t = {(j + 1) * leg} h");
            var eig = LnaTestSupport.SymmetricEigenvalues(state.Covariance, n);
            double minEig = eig[0];

            // Self-check of the Jacobi routine: Σλ = tr Ψ and Σλ² = ‖Ψ‖_F² (orthogonal invariants), to rounding.
            double trace = 0, frob = 0;
            for (int i = 0; i < n * n; i++)
            {
                frob += state.Covariance[i] * state.Covariance[i];
                trace += i % (n + 1) == 0 ? state.Covariance[i] : 0;
            }

            Assert.True(Math.Abs(eig.Sum() - trace) <= 1e-12 * eig.Sum(Math.Abs), $"eigenvalue sum {eig.Sum():G15} vs trace {trace:G15}");
            Assert.True(Math.Abs(eig.Sum(x => x * x) - frob) <= 1e-12 * frob, $"Σλ² {eig.Sum(x => x * x):G15} vs ‖Ψ‖² {frob:G15}");
            worst = Math.Min(worst, minEig / maxDiag);
            Assert.True(minEig >= -1e-9 * maxDiag, $"{name}: smallest eigenvalue of Ψ at t = {(j + 1) * leg} h is {minEig:G4} (max variance {maxDiag:G4})");
        }

        Assert.True(double.IsFinite(worst));
    }

    /// <summary>
    /// The seed's explicit Euler form (eq. 15–16) converges to the adaptive solution at first order: on CHO to
    /// 48 h the error (max over η and Ψ entries, relative to the largest entry of each) halves with the step
    /// (each ratio e(h)/e(h/2) in [1.7, 2.3]; the leading O(h) term dominates once h ≤ 0.4 h, and higher-order
    /// terms shift the ratio by ~h·|f''/f'| ≈ 5 %), and the Richardson combination of the two finest runs lands
    /// within a tenth of the finest run's error of the reference. The reference is the tight adaptive run (error
    /// ~1e−9, negligible against the smallest Euler error ~1e−2).
    /// </summary>
    [Fact]
    public void Propagate_EulerIntegrator_ConvergesAtFirstOrderToAdaptive()
    {
        var model = BuiltInModels.Load("cho");
        var theta = model.NominalParameters();
        var z0 = model.DefaultInitialState();
        var (refMean, refCov) = LnaAt(model, theta, z0, [48], null);
        double meanScale = refMean[0].Max(Math.Abs), covScale = refCov[0].Max(Math.Abs);
        double[] steps = [0.4, 0.2, 0.1, 0.05];
        var runs = new (double[] Mean, double[] Cov)[steps.Length];
        var errors = new double[steps.Length];
        for (int s = 0; s < steps.Length; s++)
        {
            var solver = new LnaSolver(model, [], new LnaOptions { Integrator = LnaIntegrator.Euler, EulerStepHours = steps[s] });
            var state = solver.CreateState();
            state.Reset(z0);
            solver.Propagate(state, theta, 0, 48);
            runs[s] = ((double[])state.Mean.Clone(), (double[])state.Covariance.Clone());
            errors[s] = Error(runs[s].Mean, runs[s].Cov);
        }

        for (int s = 0; s + 1 < steps.Length; s++)
        {
            double ratio = errors[s] / errors[s + 1];
            Assert.True(ratio is >= 1.7 and <= 2.3, $"error ratio e({steps[s]})/e({steps[s + 1]}) = {ratio:F3} (errors {string.Join(", ", errors.Select(x => x.ToString("G3")))})");
        }

        // Richardson: 2·y(h/2) − y(h) cancels the O(h) term, so if the Euler runs converge to the adaptive solution
        // (and not to something else) the extrapolated error is O(h²), far below e(0.05).
        var extrapolatedMean = runs[3].Mean.Select((v, i) => (2 * v) - runs[2].Mean[i]).ToArray();
        var extrapolatedCov = runs[3].Cov.Select((v, i) => (2 * v) - runs[2].Cov[i]).ToArray();
        double richardson = Error(extrapolatedMean, extrapolatedCov);
        Assert.True(richardson < 0.1 * errors[^1], $"Richardson-extrapolated error {richardson:G3} vs Euler error {errors[^1]:G3} at h = 0.05");

        double Error(double[] mean, double[] cov)
        {
            double e = 0;
            for (int i = 0; i < mean.Length; i++)
            {
                e = Math.Max(e, Math.Abs(mean[i] - refMean[0][i]) / meanScale);
            }

            for (int i = 0; i < cov.Length; i++)
            {
                e = Math.Max(e, Math.Abs(cov[i] - refCov[0][i]) / covScale);
            }

            return e;
        }
    }

    private static (double[][] Means, double[][] Covariances) LnaAt(ReactionNetwork model, double[] theta, double[] z0, double[] times, double? omega)
    {
        var solver = new LnaSolver(model, [], LnaTestSupport.Tight with { SystemSize = omega });
        var state = solver.CreateState();
        state.Reset(z0);
        var means = new double[times.Length][];
        var covs = new double[times.Length][];
        double t = 0;
        for (int j = 0; j < times.Length; j++)
        {
            solver.Propagate(state, theta, t, times[j]);
            t = times[j];
            means[j] = (double[])state.Mean.Clone();
            covs[j] = (double[])state.Covariance.Clone();
        }

        return (means, covs);
    }

    private static double Covariance(double[,] samples, int a, int b)
    {
        int n = samples.GetLength(0);
        double ma = 0, mb = 0;
        for (int p = 0; p < n; p++)
        {
            ma += samples[p, a];
            mb += samples[p, b];
        }

        ma /= n;
        mb /= n;
        double s = 0;
        for (int p = 0; p < n; p++)
        {
            s += (samples[p, a] - ma) * (samples[p, b] - mb);
        }

        return s / (n - 1);
    }

    private static void AssertRelative(double expected, double actual, double tolerance, string what)
    {
        double rel = Math.Abs(actual - expected) / Math.Abs(expected);
        Assert.True(rel <= tolerance, $"{what}: expected {expected:G12}, LNA {actual:G12}, relative error {rel:G3}");
    }
}
