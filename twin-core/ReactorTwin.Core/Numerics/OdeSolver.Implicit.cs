namespace ReactorTwin.Core.Numerics;

/// <summary>
/// The implicit method of <see cref="OdeSolver"/>: ESDIRK4(3)6L[2]SA of Kennedy &amp; Carpenter (2003, "Additive
/// Runge–Kutta schemes for convection–diffusion–reaction equations", the implicit part of ARK4(3)6L[2]SA):
/// six stages, the first explicit (FSAL), five with the same diagonal γ = 1/4, stiffly accurate (ŷ is the last
/// stage), L-stable, stage order 2, embedded 3rd-order solution and a 3rd-order continuous extension. Each implicit
/// stage Y = v + hγ f(t + c h, Y) is solved by a simplified Newton iteration on I − hγJ with J = ∂f/∂y at the step's
/// start (<see cref="IOdeJacobian"/>), or by the system itself (<see cref="IImplicitStageSystem"/>).
/// </summary>
public sealed partial class OdeSolver
{
    private const int ImplicitStages = 6;
    private const double Gamma = 0.25;

    private static readonly double[] EsdirkA =
    [
        0, 0, 0, 0, 0, 0,
        1.0 / 4, 1.0 / 4, 0, 0, 0, 0,
        8611.0 / 62500, -1743.0 / 31250, 1.0 / 4, 0, 0, 0,
        5012029.0 / 34652500, -654441.0 / 2922500, 174375.0 / 388108, 1.0 / 4, 0, 0,
        15267082809.0 / 155376265600, -71443401.0 / 120774400, 730878875.0 / 902184768, 2285395.0 / 8070912, 1.0 / 4, 0,
        82889.0 / 524892, 0, 15625.0 / 83664, 69875.0 / 102672, -2260.0 / 8211, 1.0 / 4,
    ];

    private static readonly double[] EsdirkC = [0, 1.0 / 2, 83.0 / 250, 31.0 / 50, 17.0 / 20, 1];

    // b − b̂ (b is the last row of A).
    private static readonly double[] EsdirkE =
    [
        (82889.0 / 524892) - (4586570599.0 / 29645900160),
        0,
        (15625.0 / 83664) - (178811875.0 / 945068544),
        (69875.0 / 102672) - (814220225.0 / 1159782912),
        (-2260.0 / 8211) - (-3700637.0 / 11593932),
        (1.0 / 4) - (61727.0 / 225920),
    ];

    // Continuous extension b*_s(θ) = Σ_j EsdirkDense[3s + j − 1] θ^j, j = 1..3 (b*_s(1) = b_s).
    private static readonly double[] EsdirkDense =
    [
        6943876665148.0 / 7220017795957, -54480133.0 / 30881146, 6818779379841.0 / 7100303317025,
        0, 0, 0,
        7640104374378.0 / 9702883013639, -11436875.0 / 14766696, 2173542590792.0 / 12501825683035,
        -20649996744609.0 / 7521556579894, 174696575.0 / 18121608, -31592104683404.0 / 5083833661969,
        8854892464581.0 / 2390941311638, -12120380.0 / 966161, 61146701046299.0 / 7138195549469,
        -11397109935349.0 / 6675773540249, 3843.0 / 706, -17219254887155.0 / 4939391667607,
    ];

    private readonly double[] _v, _delta;
    private double[] _jacobian = [], _lu = [], _powerWork = [];
    private int[] _pivots = [];
    private double _luStep = double.NaN;
    private double _newtonRate = 1.0;

    private enum StageKind
    {
        None,
        DenseJacobian,
        Structured,
    }

    private static StageKind ImplicitSupport(IOdeSystem system) => system switch
    {
        IImplicitStageSystem => StageKind.Structured,
        IOdeJacobian => StageKind.DenseJacobian,
        _ => StageKind.None,
    };

    /// <summary>
    /// At a new step start (t, _y): evaluates the Jacobian (dense systems) and returns an estimate of ρ(∂f/∂y) for the
    /// switching test.
    /// </summary>
    private double BeginImplicitPoint<TSystem>(TSystem system, StageKind stage, double t, ref Counters counters)
        where TSystem : IOdeSystem
    {
        counters.Jacobians++;
        bool needRho = _options.Method == OdeMethod.Auto;
        if (stage == StageKind.Structured)
        {
            return needRho ? ((IImplicitStageSystem)system).SpectralRadius(t, _y) : 0.0;
        }

        int n = Dimension;
        if (_jacobian.Length == 0)
        {
            _jacobian = new double[n * n];
            _lu = new double[n * n];
            _pivots = new int[n];
            _powerWork = new double[2 * n];
        }

        ((IOdeJacobian)system).Jacobian(t, _y, _jacobian);
        _luStep = double.NaN;
        return needRho ? SmallDense.SpectralRadius(_jacobian, n, _powerWork) : 0.0;
    }

    /// <summary>
    /// One ESDIRK step from (t, _y) with k₁ = f(t, _y). Fills _yNew (the last stage) and k₂…k₆; returns the scaled
    /// error norm, or NaN when a Newton iteration failed.
    /// </summary>
    private double ImplicitStep<TSystem>(TSystem system, StageKind stage, double t, double h, int n, ref Counters counters)
        where TSystem : IOdeSystem
    {
        double hg = h * Gamma;
        if (stage == StageKind.DenseJacobian && _luStep != hg)
        {
            for (int i = 0; i < n * n; i++)
            {
                _lu[i] = -hg * _jacobian[i];
            }

            for (int i = 0; i < n; i++)
            {
                _lu[(i * n) + i] += 1.0;
            }

            if (!SmallDense.TryLuFactor(_lu, n, _pivots))
            {
                _luStep = double.NaN;
                return double.NaN;
            }

            _luStep = hg;
        }

        double rtol = _options.RelativeTolerance, atol = _options.AbsoluteTolerance;
        var tolerance = new NewtonTolerance(rtol, atol, _errorComponents, NewtonKappa(rtol), 10);
        double[][] k = _k;
        double[] v = _v;
        for (int s = 1; s < ImplicitStages; s++)
        {
            var rowA = EsdirkA.AsSpan(s * ImplicitStages, s);
            for (int i = 0; i < n; i++)
            {
                double sum = 0;
                for (int j = 0; j < rowA.Length; j++)
                {
                    sum += rowA[j] * k[j][i];
                }

                v[i] = _y[i] + (h * sum);
            }

            double[] target = s == ImplicitStages - 1 ? _yNew : _yStage;
            double[] previous = k[s - 1];
            for (int i = 0; i < n; i++)
            {
                target[i] = v[i] + (hg * previous[i]);
            }

            double ts = t + (EsdirkC[s] * h);
            bool ok;
            if (stage == StageKind.Structured)
            {
                ok = ((IImplicitStageSystem)system).SolveStage(ts, hg, v, target, k[s], tolerance);
                counters.Evaluations++;
            }
            else
            {
                ok = DenseNewton(system, ts, hg, target, k[s], tolerance, ref counters);
            }

            if (!ok)
            {
                return double.NaN;
            }
        }

        double sumSq = 0;
        for (int i = 0; i < _errorComponents; i++)
        {
            double e = 0;
            for (int s = 0; s < ImplicitStages; s++)
            {
                e += EsdirkE[s] * k[s][i];
            }

            double sc = atol + (rtol * Math.Max(Math.Max(Math.Abs(_y[i]), Math.Abs(_yNew[i])), _scaleFloor[i]));
            double r = h * e / sc;
            sumSq += r * r;
        }

        return Math.Sqrt(sumSq / _errorComponents);
    }

    /// <summary>The Newton stopping threshold in the scaled norm (Hairer's Radau5 choice).</summary>
    private static double NewtonKappa(double rtol) => Math.Max(10 * 2.220446049250313e-16 / rtol, Math.Min(0.03, Math.Sqrt(rtol)));

    /// <summary>
    /// Simplified Newton on Y − v − hγ f(ts, Y) = 0 with the factorised I − hγJ: Y += (I − hγJ)⁻¹ (v + hγ f(Y) − Y)
    /// until the estimated remaining error η‖Δ‖ (η = θ/(1 − θ), θ the contraction rate, carried over between
    /// stages as in Radau5) is below κ. Writes k = (Y − v)/(hγ).
    /// </summary>
    private bool DenseNewton<TSystem>(TSystem system, double ts, double hg, double[] y, double[] k, in NewtonTolerance tolerance, ref Counters counters)
        where TSystem : IOdeSystem
    {
        int n = Dimension;
        double[] v = _v, delta = _delta;
        double eta = Math.Pow(Math.Max(_newtonRate, 1e-16), 0.8);
        double previous = 0;
        for (int it = 1; it <= tolerance.MaxIterations; it++)
        {
            system.Evaluate(ts, y, k);
            counters.Evaluations++;
            for (int i = 0; i < n; i++)
            {
                delta[i] = v[i] + (hg * k[i]) - y[i];
            }

            SmallDense.LuSolve(_lu, n, _pivots, delta);
            double norm = 0;
            for (int i = 0; i < tolerance.Components; i++)
            {
                double r = delta[i] / (tolerance.Absolute + (tolerance.Relative * Math.Abs(y[i])));
                norm += r * r;
            }

            norm = Math.Sqrt(norm / tolerance.Components);
            if (!double.IsFinite(norm))
            {
                return false;
            }

            for (int i = 0; i < n; i++)
            {
                y[i] += delta[i];
            }

            if (it > 1)
            {
                double theta = norm / previous;
                if (theta >= 0.99)
                {
                    _newtonRate = 1.0;
                    return false;
                }

                eta = theta / (1.0 - theta);
            }

            if (eta * norm <= tolerance.Kappa || norm == 0)
            {
                _newtonRate = eta;
                double inv = 1.0 / hg;
                for (int i = 0; i < n; i++)
                {
                    k[i] = (y[i] - v[i]) * inv;
                }

                return true;
            }

            previous = norm;
        }

        _newtonRate = 1.0;
        return false;
    }

    /// <summary>y(t + θh) = y + h Σ_s b*_s(θ) k_s from the step just accepted.</summary>
    private void InterpolateImplicit(double theta, double h, Span<double> destination)
    {
        Span<double> weights = stackalloc double[ImplicitStages];
        for (int s = 0; s < ImplicitStages; s++)
        {
            int o = 3 * s;
            weights[s] = h * theta * (EsdirkDense[o] + (theta * (EsdirkDense[o + 1] + (theta * EsdirkDense[o + 2]))));
        }

        double[][] k = _k;
        for (int i = 0; i < destination.Length; i++)
        {
            double sum = _y[i];
            for (int s = 0; s < ImplicitStages; s++)
            {
                sum += weights[s] * k[s][i];
            }

            destination[i] = sum;
        }
    }
}
