using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;
using ReactorTwin.Core.Tests.Lna;

namespace ReactorTwin.Core.Tests.Inference;

/// <summary>
/// Observables (formulas of the state measured by instruments) and replicate measurements in the Kalman–LNA and ODE
/// likelihoods: checked against an exact change of variables, against each other in the deterministic limit, against
/// the closed form at t = 0, against sequential conditioning, and their gradients against central differences.
/// </summary>
public class ObservableLikelihoodTests
{
    private const int Od = 2, Y = 3, L = 4; // channels after the states X, S

    private static ReactionNetwork Model(double omega, bool withObservables = true)
    {
        var b = ReactionNetwork.CreateBuilder("obs-growth")
            .WithSystemSize(omega)
            .AddSpecies("X", "g/L", 0.5)
            .AddSpecies("S", "g/L", 10)
            .AddParameter("mu", 0.3, 0.01, 2)
            .AddParameter("K", 1.0, 0.01, 10)
            .AddParameter("sa", 0.02, 1e-4, 1)
            .AddParameter("a", 1.5, 0.1, 10)
            .AddReaction("growth", "mu*X*S/(K+S)", ("X", "1"), ("S", "-2"))
            .AddReaction("death", new() { ["X"] = -1 }, "0.05*X");
        if (withObservables)
        {
            b.AddObservable("OD600", "2.6*X", new NoiseModel(Absolute: 0.05))
                .AddObservable("Y", "X*S/(K+S)", new NoiseModel(Formula: "sa + 0.05*Y"))
                .AddObservable("L", "a*X", new NoiseModel(NoiseDistribution.LogNormal, Absolute: 0.1));
        }

        return b.Build();
    }

    private static readonly double[] Theta = [0.3, 1.0, 0.02, 1.5];
    private static readonly int[] All = [0, 1, 2, 3];

    /// <summary>Mean-ODE values at the times, perturbed by a few per cent so that the residuals are not zero.</summary>
    private static ObservationSet Data(ReactionNetwork model, params (double T, int[] Channels)[] times)
    {
        double[] z0 = [0.5, 10];
        double[] ts = [.. times.Select(t => t.T)];
        var path = new double[ts.Length * 2];
        Assert.True(new MeanOdeSimulator(model).Simulate(z0, Theta, ts, path).Succeeded);
        var obs = new List<ObservationTime>();
        for (int j = 0; j < ts.Length; j++)
        {
            double x = path[2 * j], s = path[(2 * j) + 1];
            var values = times[j].Channels.Select((c, i) => (1 + (0.03 * ((i % 2 == 0) ? 1 : -1))) * (c switch
            {
                0 => x,
                1 => s,
                Od => 2.6 * x,
                Y => x * s / (1 + s),
                _ => 1.5 * x,
            })).ToArray();
            obs.Add(new ObservationTime(ts[j], times[j].Channels, values));
        }

        return ObservationSet.FromBatches(model, [new Batch("b1", z0, [0, 1], obs)]);
    }

    private static ObservationSet Mixed(ReactionNetwork model) =>
        Data(model, (1, [1, Od]), (2, [Od, Y, L]), (4, [0, Y, L]), (6, [Od, Y]), (8, [1, Od, L]));

    private static LnaOptions Forward => LnaTestSupport.Tight with { Gradient = LnaGradientMethod.Forward };

    private static OdeOptions TightOde => new() { RelativeTolerance = 1e-11, AbsoluteTolerance = 1e-13 };

    /// <summary>The observables' own noise models, and SDs for the states X (0.05 g/L) and S (0.2 g/L).</summary>
    private static MeasurementNoise Noise(ReactionNetwork model) => MeasurementNoise.ForModel(model).SetAbsolute(0, 0.05).SetAbsolute(1, 0.2);

    private static (double Value, double[] Gradient) Kalman(ReactionNetwork model, ObservationSet data, double[] theta, MeasurementNoise? noise = null, LnaOptions? options = null)
    {
        var r = new LikelihoodResult(All.Length);
        new KalmanLnaLikelihood(model, All, options ?? Forward).Evaluate(data, theta, noise ?? Noise(model), r);
        return (r.LogLikelihood, r.Gradient);
    }

    private static (double Value, double[] Gradient) Ode(ReactionNetwork model, ObservationSet data, double[] theta, MeasurementNoise? noise = null)
    {
        var r = new LikelihoodResult(All.Length);
        new OdeLikelihood(model, All, TightOde).Evaluate(data, theta, noise ?? Noise(model), r);
        return (r.LogLikelihood, r.Gradient);
    }

    [Fact]
    public void A_linear_observable_is_the_scaled_state_exactly()
    {
        // y_OD = 2.6 X + ε, ε ~ N(0, σ²)  ⇔  y_OD/2.6 = X + ε/2.6, and p(y_OD) = p(y_OD/2.6)/2.6: ℓ_OD = ℓ_X − N log 2.6.
        var model = Model(omega: 100);
        var odData = Data(model, (1, [Od]), (3, [Od]), (5, [Od]), (7, [Od]));
        var xData = ObservationSet.FromBatches(model, [.. odData.Batches.Select(b => b with
        {
            Times = [.. b.Times.Select(t => new ObservationTime(t.TimeHours, [0], [t.Values[0] / 2.6]))],
        })]);
        var xNoise = MeasurementNoise.ForModel(model).SetAbsolute(0, 0.05 / 2.6);
        double shift = -4 * Math.Log(2.6);
        foreach (var (od, x) in new[]
        {
            (Kalman(model, odData, Theta), Kalman(model, xData, Theta, xNoise)),
            (Ode(model, odData, Theta), Ode(model, xData, Theta, xNoise)),
        })
        {
            Assert.Equal(x.Value + shift, od.Value, 7); // the noise floor 1e−12 is added on either scale: a ~1e−8 difference
            for (int k = 0; k < All.Length; k++)
            {
                Assert.True(Math.Abs(x.Gradient[k] - od.Gradient[k]) <= 1e-8 * Math.Abs(x.Gradient[k]), $"∂ℓ/∂{model.Parameters[k].Name}: {x.Gradient[k]:G12} vs {od.Gradient[k]:G12}");
            }
        }
    }

    [Fact]
    public void Kalman_with_nonlinear_observables_tends_to_the_ode_likelihood_as_omega_grows()
    {
        // Ψ = O(1/Ω) and the filter's terms differ from the ODE's by O(Ψ (Hᵀα)²) (α = S⁻¹v ~ 100 for these precise
        // channels): at Ω = 1e12 the two likelihoods (independent code paths: the LNA filter and mean-ODE residuals)
        // agree to ~1e−7 absolute.
        var model = Model(omega: 1e12);
        var data = Mixed(model);
        var kalman = Kalman(model, data, Theta);
        var ode = Ode(model, data, Theta);
        Assert.Equal(ode.Value, kalman.Value, 5);
        for (int k = 0; k < All.Length; k++)
        {
            Assert.True(Math.Abs(ode.Gradient[k] - kalman.Gradient[k]) <= 1e-6 * Math.Abs(ode.Gradient[k]), $"∂ℓ/∂{model.Parameters[k].Name}: ode {ode.Gradient[k]:G10}, kalman {kalman.Gradient[k]:G10}");
        }

        // and at Ω = 100 the intrinsic noise widens S: a different, lower-curvature likelihood
        var small = Model(omega: 100);
        Assert.True(Math.Abs(ode.Value - Kalman(small, Mixed(small), Theta).Value) > 1e-3);
    }

    [Fact]
    public void Ode_likelihood_of_observables_matches_a_hand_computation()
    {
        var model = Model(omega: 100);
        var data = Data(model, (1, [Od]), (2, [Od, Y, L]), (4, [Y, L]), (6, [Od, Y]));
        double expected = 0;
        foreach (var t in data.Batches[0].Times)
        {
            var z = new double[2];
            Assert.True(new MeanOdeSimulator(model, TightOde).Simulate([0.5, 10], Theta, [t.TimeHours], z).Succeeded);
            for (int a = 0; a < t.Components.Length; a++)
            {
                double y = t.Values[a];
                (double mu, double sd, bool log) = t.Components[a] switch
                {
                    Od => (2.6 * z[0], 0.05, false),
                    Y => (z[0] * z[1] / (1 + z[1]), 0.02 + (0.05 * z[0] * z[1] / (1 + z[1])), false),
                    _ => (1.5 * z[0], 0.1, true),
                };
                double v = log ? Math.Log(y) - Math.Log(mu) : y - mu, var = (sd * sd) + 1e-12;
                expected += (-0.5 * (Math.Log(2 * Math.PI * var) + (v * v / var))) - (log ? Math.Log(y) : 0);
            }
        }

        Assert.Equal(expected, Ode(model, data, Theta).Value, 7);
    }

    [Theory]
    [InlineData("kalman")]
    [InlineData("ode")]
    public void Gradients_with_observables_match_central_differences(string likelihood)
    {
        // μ, H, R of a nonlinear observable with an SD formula (sa) and of a log-normal one (a) depend on θ directly
        // and through η: every path of ∂ℓ/∂θ is exercised. Central differences with step 1e−5·θ: truncation ~1e−10.
        var model = Model(omega: 60);
        var data = Mixed(model);
        Func<double[], (double Value, double[] Gradient)> f = likelihood == "kalman" ? th => Kalman(model, data, th) : th => Ode(model, data, th);
        var (_, gradient) = f(Theta);
        for (int k = 0; k < All.Length; k++)
        {
            double h = 1e-5 * Theta[k];
            var plus = (double[])Theta.Clone();
            var minus = (double[])Theta.Clone();
            plus[k] += h;
            minus[k] -= h;
            double fd = (f(plus).Value - f(minus).Value) / (2 * h);
            Assert.True(Math.Abs(fd - gradient[k]) <= 1e-5 * Math.Max(1, Math.Abs(fd)), $"{likelihood} ∂ℓ/∂{model.Parameters[k].Name}: exact {gradient[k]:G10}, central difference {fd:G10}");
        }
    }

    [Fact]
    public void An_observable_measured_at_time_zero_is_an_observation_of_the_known_initial_state()
    {
        // At t = 0 the state is known (Ψ = 0): the term is the measurement density itself, N(y; 2.6·X₀, σ²).
        var model = Model(omega: 100);
        var data = ObservationSet.FromBatches(model, [new Batch("b1", [0.5, 10], [0, 1], [new ObservationTime(0, [Od], [1.4])])]);
        double var = (0.05 * 0.05) + 1e-12, v = 1.4 - 1.3;
        double expected = -0.5 * (Math.Log(2 * Math.PI * var) + (v * v / var));
        Assert.Equal(expected, Kalman(model, data, Theta).Value, 10);
        Assert.Equal(expected, Ode(model, data, Theta).Value, 10);
    }

    [Fact]
    public void Replicates_at_one_time_equal_conditioning_on_them_one_after_the_other()
    {
        // Two replicate samples of A at t = 1 h (and one at 2 h): the joint Gaussian update equals two sequential
        // updates at the same time (independent measurement errors). Gradients: forward and adjoint against each other
        // and against central differences.
        var model = LnaTestSupport.ImmigrationDeath(k: 2, g: 0.5, omega: 20, a0: 1);
        double[] theta = [2, 0.5];
        int[] both = [0, 1];
        var noise = new MeasurementNoise(1).SetAbsolute(0, 0.2);
        var data = ObservationSet.FromBatches(model, [new Batch("b1", [1.0], [0],
            [new ObservationTime(1, [0, 0], [2.3, 2.9]), new ObservationTime(2, [0], [3.4])])]);
        var forward = new LikelihoodResult(2);
        new KalmanLnaLikelihood(model, both, Forward).Evaluate(data, theta, noise, forward);
        var joint = new LikelihoodResult(0);
        new KalmanLnaLikelihood(model, [], LnaTestSupport.Tight).Evaluate(data, theta, noise, joint);

        // the same integration (no sensitivities in the step control) for the joint and the sequential filter
        var sequential = new KalmanLnaLikelihood(model, [], LnaTestSupport.Tight);
        sequential.BeginBatch([1.0]);
        double ll = sequential.Absorb(new ObservationTime(1, [0], [2.3]), theta, noise, []);
        ll += sequential.Condition(new ObservationTime(1, [0], [2.9]), noise, []);
        ll += sequential.Absorb(new ObservationTime(2, [0], [3.4]), theta, noise, []);
        Assert.Equal(ll, joint.LogLikelihood, 11);
        Assert.Equal(joint.LogLikelihood, forward.LogLikelihood, 7); // step control with sensitivities: ~1e−8

        var adjoint = new LikelihoodResult(2);
        var adjointLikelihood = new KalmanLnaLikelihood(model, both, LnaTestSupport.Tight);
        Assert.True(adjointLikelihood.UsesAdjoint);
        adjointLikelihood.Evaluate(data, theta, noise, adjoint);
        Assert.Equal(joint.LogLikelihood, adjoint.LogLikelihood, 11);
        for (int k = 0; k < 2; k++)
        {
            double h = 1e-5 * theta[k];
            var plus = (double[])theta.Clone();
            var minus = (double[])theta.Clone();
            plus[k] += h;
            minus[k] -= h;
            var rp = new LikelihoodResult(0);
            var rm = new LikelihoodResult(0);
            new KalmanLnaLikelihood(model, [], LnaTestSupport.Tight).Evaluate(data, plus, noise, rp);
            new KalmanLnaLikelihood(model, [], LnaTestSupport.Tight).Evaluate(data, minus, noise, rm);
            double fd = (rp.LogLikelihood - rm.LogLikelihood) / (2 * h);
            Assert.Equal(fd, forward.Gradient[k], 6);
            Assert.Equal(forward.Gradient[k], adjoint.Gradient[k], 7);
        }
    }

    [Fact]
    public void A_log_normal_observable_refuses_a_non_positive_measurement_by_name()
    {
        var model = Model(omega: 100);
        var data = ObservationSet.FromBatches(model, [new Batch("b1", [0.5, 10], [0, 1], [new ObservationTime(1, [L], [-0.1])])]);
        var e = Assert.Throws<LnaException>(() => Kalman(model, data, Theta));
        Assert.Contains("L is log-normal", e.Message, StringComparison.Ordinal);
        Assert.Throws<LnaException>(() => Ode(model, data, Theta));
    }

    [Fact]
    public void Evaluations_with_observables_do_not_allocate_once_warm()
    {
        var model = Model(omega: 60);
        var data = Mixed(model);
        var noise = Noise(model);
        var kalman = new KalmanLnaLikelihood(model, All, Forward);
        var ode = new OdeLikelihood(model, All, TightOde);
        var r = new LikelihoodResult(All.Length);
        Assert.Equal(0, Numerics.AllocationTests.AllocatedInSteadyState(() => kalman.Evaluate(data, Theta, noise, r)));
        Assert.Equal(0, Numerics.AllocationTests.AllocatedInSteadyState(() => ode.Evaluate(data, Theta, noise, r)));
    }
}
