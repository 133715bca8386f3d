namespace ReactorTwin.Core.Estimation;

/// <summary>Outcome of one <see cref="LevenbergMarquardt"/> run.</summary>
/// <param name="Optimum">The last accepted point (the best evaluated: every accepted step lowers the cost).</param>
/// <param name="LogDensity">c − ½‖r‖² at <paramref name="Optimum"/>.</param>
/// <param name="Iterations">Trial steps (accepted or not).</param>
/// <param name="Evaluations">Residual-and-Jacobian evaluations.</param>
/// <param name="Exit">How it ended, for people.</param>
/// <param name="Converged">Stopped on the gradient, function or step tolerance.</param>
/// <param name="IterationLimit">Stopped by the iteration limit.</param>
/// <param name="StoppedBy">The reason given by the stop check when it stopped the run, else null.</param>
public sealed record LevenbergMarquardtResult(double[] Optimum, double LogDensity, int Iterations, long Evaluations, string Exit, bool Converged, bool IterationLimit, string? StoppedBy);

/// <summary>
/// Box-constrained Levenberg–Marquardt with Moré's (1978, "The Levenberg–Marquardt algorithm: implementation and
/// theory") trust region: minimises F(u) = ½‖r(u)‖² over L ≤ u ≤ U. Each iteration, with g = Jᵀr and
/// A = JᵀJ, fixes the parameters at a bound whose gradient pushes outwards (the active set) and then those at a bound
/// that the step would push outwards (solving again), and on the free ones takes
/// <code>
/// (A + λ D²) p = −g,   λ = 0 if ‖D p_GN‖ ≤ Δ, else λ &gt; 0 with ‖D p‖ ≈ Δ (within 10 %, Moré's Newton iteration on
///                      1/‖Dp‖ − 1/Δ),   D = I, or D_jj = max over the run of ‖J_:j‖ (<see cref="JacobianScaling"/>)
/// </code>
/// projected onto the box. The step is accepted when the ratio ρ of actual to predicted reduction
/// (pred = −gᵀs − ½ sᵀAs for the projected step s) exceeds 10⁻⁴; Δ shrinks when ρ &lt; ¼ and grows to 2‖Ds‖ when
/// ρ &gt; ¾ or λ = 0. It stops (converged) on MINPACK's criteria: the gradient's largest cosine with a free column
/// max_j |g_j| / (‖J_:j‖ ‖r‖) ≤ gtol, relative actual and predicted reductions ≤ ftol (for a step the bounds did not
/// cut), or Δ ≤ xtol ‖D u‖. On a
/// linear least-squares problem the first step is the exact Gauss–Newton solution when it lies inside the initial
/// region Δ₀ = 100 ‖D u₀‖ (100 if that is 0). The workspace is allocated for one (d, m); a run allocates its result
/// and a closure, the same whatever the number of iterations (tested). Not thread-safe.
/// </summary>
public sealed class LevenbergMarquardt
{
    private readonly int _d, _m;
    private double[] _r, _j, _rTrial, _jTrial;
    private readonly double[] _g, _a, _scale, _p, _u, _uTrial, _s, _column;
    private readonly int[] _free, _firstFree;
    private readonly LevenbergMarquardtStep _step;
    private readonly bool[] _fixed;

    /// <summary>Creates the workspace for <paramref name="dimension"/> parameters and <paramref name="residuals"/> residuals.</summary>
    public LevenbergMarquardt(int dimension, int residuals)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(residuals, 1);
        _d = dimension;
        _m = residuals;
        _r = new double[residuals];
        _rTrial = new double[residuals];
        _j = new double[residuals * dimension];
        _jTrial = new double[residuals * dimension];
        _g = new double[dimension];
        _a = new double[dimension * dimension];
        _scale = new double[dimension];
        _p = new double[dimension];
        _u = new double[dimension];
        _uTrial = new double[dimension];
        _s = new double[dimension];
        _column = new double[dimension];
        _free = new int[dimension];
        _firstFree = new int[dimension];
        _fixed = new bool[dimension];
        _step = new LevenbergMarquardtStep(dimension, _a, _g, _scale, _free, _p);
    }

    /// <summary>Gradient tolerance gtol on the largest cosine between r and a free column of J, ≥ 0. Default 1e−8.</summary>
    public double GradientTolerance { get; init; } = 1e-8;

    /// <summary>Function tolerance ftol on the relative actual and predicted reductions of ½‖r‖², ≥ 0. Default 1e−8.</summary>
    public double FunctionTolerance { get; init; } = 1e-8;

    /// <summary>Step tolerance xtol on the trust radius relative to ‖D u‖, ≥ 0. Default 1e−8.</summary>
    public double StepTolerance { get; init; } = 1e-8;

    /// <summary>
    /// True for Moré's scaling D_jj = the running maximum of ‖J_:j‖ (for coordinates of very different units); false
    /// (default) for D = I, the right scaling for the log-scale coordinates of <see cref="ParameterSpace"/>, where a
    /// step of 1 is a factor e in any parameter. With Jacobian scaling a parameter that has (locally) no influence,
    /// such as a growth rate fast enough to end the batch before the first sample, gets an unbounded region and a
    /// singular step.
    /// </summary>
    public bool JacobianScaling { get; init; }

    /// <summary>Minimises ½‖r(u)‖² from <paramref name="start"/> (moved into the box) within the bounds.</summary>
    /// <param name="function">Residuals and Jacobian (dimension and residual count as the workspace's).</param>
    /// <param name="start">Start point u₀.</param>
    /// <param name="lower">Lower bounds (−∞ allowed).</param>
    /// <param name="upper">Upper bounds (+∞ allowed), ≥ lower.</param>
    /// <param name="maxIterations">Trial-step limit, ≥ 0.</param>
    /// <param name="stop">Asked before each evaluation; a non-null reason ends the run at its current point.</param>
    /// <param name="onEvaluation">Called after each evaluation with the count and the best log-density so far.</param>
    /// <param name="failure">Why the run has no result, when it returns null.</param>
    /// <returns>The result, or null when the start point itself cannot be evaluated (<paramref name="failure"/> says why).</returns>
    public LevenbergMarquardtResult? Minimize(IResidualFunction function, ReadOnlySpan<double> start, ReadOnlySpan<double> lower, ReadOnlySpan<double> upper, int maxIterations,
        Func<string?>? stop, Action<long, double>? onEvaluation, out string? failure)
    {
        ArgumentNullException.ThrowIfNull(function);
        int d = _d, m = _m;
        if (function.Dimension != d || function.ResidualCount != m)
        {
            throw new ArgumentException($"the function has d = {function.Dimension}, m = {function.ResidualCount}; the workspace d = {d}, m = {m}", nameof(function));
        }

        if (start.Length != d || lower.Length != d || upper.Length != d)
        {
            throw new ArgumentException($"start and bounds must have length {d}", nameof(start));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(maxIterations);
        for (int j = 0; j < d; j++)
        {
            if (!(lower[j] <= upper[j]))
            {
                throw new ArgumentException($"bound {j}: lower {lower[j]} is not ≤ upper {upper[j]}", nameof(lower));
            }

            _u[j] = Math.Clamp(start[j], lower[j], upper[j]);
        }

        failure = null;
        long evaluations = 0;
        int iterations = 0;
        if (stop?.Invoke() is { } early)
        {
            failure = $"{early} before any finite point";
            return null;
        }

        evaluations++;
        if (!function.Evaluate(_u, _r, _j, out double constant))
        {
            failure = "the residuals cannot be evaluated at the start point";
            onEvaluation?.Invoke(evaluations, double.NegativeInfinity);
            return null;
        }

        double cost = 0.5 * SumOfSquares(_r);
        onEvaluation?.Invoke(evaluations, constant - cost);
        ColumnNorms(_j);
        for (int j = 0; j < d; j++)
        {
            _scale[j] = JacobianScaling && _column[j] > 0 ? _column[j] : 1.0;
        }

        double radius = 100 * ScaledNorm(_u);
        if (radius == 0)
        {
            radius = 100;
        }

        double lambda = 0;
        LevenbergMarquardtResult Done(string exit, bool converged, bool limit = false, string? stoppedBy = null) =>
            new([.. _u], constant - cost, iterations, evaluations, exit, converged, limit, stoppedBy);

        while (true)
        {
            Normal(_j, _r);
            if (cost == 0)
            {
                return Done("zero residual", converged: true);
            }

            int free = ActiveSet(lower, upper);
            if (free == 0)
            {
                return Done("every parameter at a bound with the gradient pointing out", converged: true);
            }

            double rnorm = Math.Sqrt(2 * cost), cosine = 0;
            for (int f = 0; f < free; f++)
            {
                int j = _free[f];
                if (_column[j] > 0)
                {
                    cosine = Math.Max(cosine, Math.Abs(_g[j]) / (_column[j] * rnorm));
                }
            }

            if (cosine <= GradientTolerance)
            {
                return Done("gradient tolerance", converged: true);
            }

            if (iterations >= maxIterations)
            {
                return Done($"iteration limit ({maxIterations})", converged: false, limit: true);
            }

            iterations++;
            lambda = FeasibleStep(free, radius, lambda, lower, upper);
            double stepNorm = ProjectStep(lower, upper, out double predicted, out bool truncated);
            if (stop?.Invoke() is { } why)
            {
                return Done($"{why}: best point so far", converged: false, stoppedBy: why);
            }

            evaluations++;
            bool ok = function.Evaluate(_uTrial, _rTrial, _jTrial, out double trialConstant);
            double trialCost = ok ? 0.5 * SumOfSquares(_rTrial) : double.PositiveInfinity;
            ok &= double.IsFinite(trialCost);
            double actual = cost - trialCost;
            double rho = ok && predicted > 0 ? actual / predicted : -1;
            if (!ok)
            {
                radius = 0.25 * Math.Min(radius, stepNorm);
            }
            else if (rho < 0.25)
            {
                radius = 0.5 * Math.Min(radius, 10 * stepNorm);
            }
            else if (rho > 0.75 || lambda == 0)
            {
                radius = Math.Max(radius, 2 * stepNorm);
            }

            double before = cost;
            if (ok && rho >= 1e-4)
            {
                (_r, _rTrial) = (_rTrial, _r);
                (_j, _jTrial) = (_jTrial, _j);
                _uTrial.CopyTo(_u, 0);
                cost = trialCost;
                constant = trialConstant;
                ColumnNorms(_j);
                for (int j = 0; j < d; j++)
                {
                    _scale[j] = JacobianScaling ? Math.Max(_scale[j], _column[j]) : 1.0;
                }
            }

            onEvaluation?.Invoke(evaluations, constant - cost);
            // MINPACK's ftol test judges the model's full step; a step cut by the bounds predicts little and says nothing.
            if (ok && !truncated && Math.Abs(actual) <= FunctionTolerance * before && predicted <= FunctionTolerance * before && rho <= 2)
            {
                return Done("function tolerance", converged: true);
            }

            if (radius <= StepTolerance * ScaledNorm(_u))
            {
                return Done("step tolerance", converged: true);
            }
        }
    }

    /// <summary>g = Jᵀr and A = JᵀJ (upper triangle mirrored), and the column norms of J.</summary>
    private void Normal(double[] jac, double[] r)
    {
        int d = _d, m = _m;
        Array.Clear(_g);
        Array.Clear(_a);
        for (int i = 0; i < m; i++)
        {
            int row = i * d;
            double ri = r[i];
            for (int a = 0; a < d; a++)
            {
                double ja = jac[row + a];
                _g[a] += ja * ri;
                for (int b = a; b < d; b++)
                {
                    _a[(a * d) + b] += ja * jac[row + b];
                }
            }
        }

        for (int a = 0; a < d; a++)
        {
            for (int b = 0; b < a; b++)
            {
                _a[(a * d) + b] = _a[(b * d) + a];
            }
        }

        ColumnNorms(jac);
    }

    /// <summary>Marks as fixed the parameters at a bound whose descent direction −g leaves the box; lists the free ones.</summary>
    private int ActiveSet(ReadOnlySpan<double> lower, ReadOnlySpan<double> upper)
    {
        int free = 0;
        for (int j = 0; j < _d; j++)
        {
            _fixed[j] = (_u[j] <= lower[j] && _g[j] > 0) || (_u[j] >= upper[j] && _g[j] < 0);
            if (!_fixed[j])
            {
                _free[free++] = j;
            }
        }

        return free;
    }

    /// <summary>
    /// The step p from the trust-region model on the free parameters, with every free parameter at a bound that the
    /// step would push out of the box added to the fixed ones and the step solved again. If that fixes them all, the
    /// scaled steepest-descent step −Δ D⁻²g/‖D⁻¹g‖ on the first free set, which enters the box for each of them
    /// (their gradients point inwards). Returns λ (the previous one for the steepest-descent fallback).
    /// </summary>
    private double FeasibleStep(int free, double radius, double lambda, ReadOnlySpan<double> lower, ReadOnlySpan<double> upper)
    {
        int first = free;
        _free.AsSpan(0, free).CopyTo(_firstFree);
        while (true)
        {
            double l = _step.Compute(free, radius, lambda);
            int kept = 0;
            for (int f = 0; f < free; f++)
            {
                int j = _free[f];
                bool outwards = (_u[j] <= lower[j] && _p[j] < 0) || (_u[j] >= upper[j] && _p[j] > 0);
                if (!outwards)
                {
                    _free[kept++] = j;
                }
            }

            if (kept == free)
            {
                return l;
            }

            free = kept;
            if (free == 0)
            {
                break;
            }
        }

        double norm = 0;
        for (int f = 0; f < first; f++)
        {
            int j = _firstFree[f];
            norm += _g[j] * _g[j] / (_scale[j] * _scale[j]);
        }

        norm = Math.Sqrt(norm);
        Array.Clear(_p);
        for (int f = 0; f < first; f++)
        {
            int j = _firstFree[f];
            _p[j] = -radius * _g[j] / (_scale[j] * _scale[j] * norm);
        }

        return lambda;
    }

    /// <summary>u_trial = clamp(u + p), s = u_trial − u; returns ‖D s‖ and the predicted reduction −gᵀs − ½ sᵀAs.</summary>
    private double ProjectStep(ReadOnlySpan<double> lower, ReadOnlySpan<double> upper, out double predicted, out bool truncated)
    {
        int d = _d;
        double norm = 0, gs = 0, sas = 0;
        truncated = false;
        for (int j = 0; j < d; j++)
        {
            double target = _u[j] + _p[j];
            truncated |= target < lower[j] || target > upper[j];
            _uTrial[j] = Math.Clamp(target, lower[j], upper[j]);
            _s[j] = _uTrial[j] - _u[j];
            norm += _scale[j] * _scale[j] * _s[j] * _s[j];
            gs += _g[j] * _s[j];
        }

        for (int a = 0; a < d; a++)
        {
            double row = 0;
            for (int b = 0; b < d; b++)
            {
                row += _a[(a * d) + b] * _s[b];
            }

            sas += _s[a] * row;
        }

        predicted = -gs - (0.5 * sas);
        return Math.Sqrt(norm);
    }

    private double ScaledNorm(double[] u)
    {
        double sum = 0;
        for (int j = 0; j < _d; j++)
        {
            double v = _scale[j] * u[j];
            sum += v * v;
        }

        return Math.Sqrt(sum);
    }

    private void ColumnNorms(double[] jac)
    {
        int d = _d;
        Array.Clear(_column);
        for (int i = 0; i < _m; i++)
        {
            for (int j = 0; j < d; j++)
            {
                double v = jac[(i * d) + j];
                _column[j] += v * v;
            }
        }

        for (int j = 0; j < d; j++)
        {
            _column[j] = Math.Sqrt(_column[j]);
        }
    }

    private static double SumOfSquares(double[] r)
    {
        double sum = 0;
        for (int i = 0; i < r.Length; i++)
        {
            sum += r[i] * r[i];
        }

        return sum;
    }
}
