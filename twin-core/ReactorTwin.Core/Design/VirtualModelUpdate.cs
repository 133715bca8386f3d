using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Core.Design;

/// <summary>
/// The virtual model update of seed 001 eq. 8 and its exact Jacobian in the design:
/// <code>
/// u(θ̂, ω) = clamp( θ̂ + Adam_k( G̃(ω) ) ),   G̃(ω) = ∇_θ ℓ(τᵈ(ω); θ̂, π(ω))
/// </code>
/// where τᵈ is a chemical-Langevin path of the twin at θ̂ from z₀ = π(ω) (Euler–Maruyama on a fine grid, seed eq. 3),
/// observed at the batch's sampling times, and ℓ the Euler–Maruyama likelihood of those observations (eq. 4).
/// The path is driven by a fixed sequence of standard normals ξ (common random numbers, from a seed), so τᵈ and G̃ are
/// smooth functions of ω and ∂u/∂ω is computed exactly by forward (tangent) propagation:
/// <list type="bullet">
/// <item>path tangent: ż ← ż + Σ_r s_r [ȧ_r Δt + ȧ_r/(2√a_r) √(Δt/Ω) ξ_r], ȧ = ∂a/∂z ż, ż₀ = ∂π/∂ω;</item>
/// <item>score tangent: the derivative of Lemma 1's per-channel coefficients c_r (see <see cref="EulerMaruyamaLikelihood"/>)
/// through α = W r and W = (QᵀΣQ)⁻¹: α̇ = W(ṙ − Σ̇α), ċ_r = Δt m_rᵀα̇ + (Δt/Ω)[(m_rᵀα)(m_rᵀα̇) + ½ (W m_r)ᵀΣ̇(W m_r)],
/// and Ġ_k = Σ_r ċ_r ∂a_r/∂θ_k + c_r Σ_l ∂²a_r/∂θ_k∂z_l ż_l;</item>
/// <item>Adam: ∂u_j/∂G̃_j from <see cref="AdamOptimizer.Preview"/> (the step is element-wise), zero where the clamp to the
/// parameter bounds is active.</item>
/// </list>
/// Rates are truncated at 0 as in the simulators; the derivative of a truncated channel is taken as 0. After
/// construction an evaluation allocates nothing. Not thread-safe.
/// </summary>
public sealed class VirtualModelUpdate
{
    private readonly CompiledModel _m;
    private readonly DesignSpace _space;
    private readonly int[] _est;
    private readonly double[] _lower, _upper, _times;
    private readonly double _omega, _stepHours;
    private readonly int _n, _ns, _r, _p, _q, _d, _k;
    private readonly double[] _qBasis, _mr;
    private readonly SparseTensor _mixed;
    private readonly double[] _mixedValues;
    private readonly double[] _z, _zt, _theta, _rates, _ja, _jp, _adot, _inc, _incDot;
    private readonly double[] _path, _tan;
    private readonly double[] _sigma, _sigmaDot, _dvec, _alpha, _alphaDot, _coef, _tmp, _wm, _jpDot;
    private readonly double[] _score, _scoreJac, _step, _stepDeriv;

    /// <summary>Creates the update for batches observed at <paramref name="times"/> (h, increasing, &gt; 0).</summary>
    public VirtualModelUpdate(DesignSpace space, IReadOnlyList<int> estimated, IReadOnlyList<double> times, double stepHours, double? systemSize = null)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(estimated);
        ArgumentNullException.ThrowIfNull(times);
        var model = space.Model;
        _m = model.Compiled;
        _space = space;
        _est = [.. estimated];
        _times = [.. times];
        if (_times.Length == 0 || _times[0] <= 0 || _times.Zip(_times.Skip(1)).Any(t => !(t.Second > t.First)))
        {
            throw new ArgumentException("sampling times must be increasing and > 0 (t = 0 is the initial state)", nameof(times));
        }

        if (!(stepHours > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(stepHours), stepHours, "the simulation step must be > 0 hours");
        }

        _stepHours = stepHours;
        _omega = systemSize ?? model.SystemSize;
        _n = _m.StateDimension;
        _ns = _m.SpeciesCount;
        _r = _m.ChannelCount;
        _p = _m.ParameterCount;
        _q = _est.Length;
        _d = space.Dimension;
        _lower = _est.Select(k => model.Parameters[k].Lower).ToArray();
        _upper = _est.Select(k => model.Parameters[k].Upper).ToArray();
        (_qBasis, _k) = EulerMaruyamaLikelihood.RangeBasis(_m, _ns, _r);
        _mr = new double[_r * Math.Max(_k, 1)];
        var st = _m.Stoichiometry;
        for (int c = 0; c < _r; c++)
        {
            for (int j = 0; j < _k; j++)
            {
                double v = 0;
                for (int i = 0; i < _ns; i++)
                {
                    v += _qBasis[(i * _k) + j] * st[(i * _r) + c];
                }

                _mr[(c * _k) + j] = v;
            }
        }

        _mixed = _m.RateMixedHessian;
        _mixedValues = new double[Math.Max(_mixed.Count, 1)];
        _z = new double[_n];
        _zt = new double[_n * _d];
        _theta = new double[_p];
        _rates = new double[_r];
        _ja = new double[_r * _n];
        _jp = new double[_r * _p];
        _adot = new double[_r * _d];
        _inc = new double[_r];
        _incDot = new double[_r * _d];
        _path = new double[(_times.Length + 1) * _n];
        _tan = new double[(_times.Length + 1) * _n * _d];
        _sigma = new double[_k * _k];
        _sigmaDot = new double[_k * _k];
        _dvec = new double[_k];
        _alpha = new double[_k];
        _alphaDot = new double[_k];
        _coef = new double[_r];
        _tmp = new double[_k];
        _wm = new double[_r * _k];
        _jpDot = new double[_r * _p];
        _score = new double[_q];
        _scoreJac = new double[_q * _d];
        _step = new double[_q];
        _stepDeriv = new double[_q];
    }

    /// <summary>G̃ (length q, natural scale) of the last evaluation.</summary>
    public ReadOnlySpan<double> Score => _score;

    /// <summary>∂G̃/∂ω (q × d, row-major) of the last evaluation.</summary>
    public ReadOnlySpan<double> ScoreJacobian => _scoreJac;

    /// <summary>Transitions of virtual batches left out because their covariance was singular (since construction).</summary>
    public long SkippedTransitions { get; private set; }

    /// <summary>The simulated path of the last evaluation ((T + 1) × n, row 0 = z₀).</summary>
    public ReadOnlySpan<double> Path => _path;

    /// <summary>
    /// Evaluates u(θ̂, ω) (length q, natural scale) and ∂u/∂ω (q × d). <paramref name="adam"/> is not changed.
    /// </summary>
    /// <param name="design">ω within the design space.</param>
    /// <param name="theta">θ̂, all model parameters (natural scale).</param>
    /// <param name="adam">The twin's optimiser state (its next step is previewed).</param>
    /// <param name="noiseSeed">Seed of ξ; the same seed gives the same path for every ω (common random numbers).</param>
    /// <param name="update">Receives u.</param>
    /// <param name="jacobian">Receives ∂u/∂ω.</param>
    public void Evaluate(ReadOnlySpan<double> design, ReadOnlySpan<double> theta, AdamOptimizer adam, int noiseSeed, Span<double> update, Span<double> jacobian)
    {
        ArgumentNullException.ThrowIfNull(adam);
        SimulateAndScore(design, theta, noiseSeed);
        adam.Preview(_score, _step, _stepDeriv);
        for (int j = 0; j < _q; j++)
        {
            double x = theta[_est[j]] + _step[j];
            bool clamped = false;
            if (x <= _lower[j])
            {
                x = _lower[j];
                clamped = true;
            }
            else if (x >= _upper[j])
            {
                x = _upper[j];
                clamped = true;
            }

            update[j] = x;
            for (int e = 0; e < _d; e++)
            {
                jacobian[(j * _d) + e] = clamped ? 0.0 : _stepDeriv[j] * _scoreJac[(j * _d) + e];
            }
        }
    }

    /// <summary>Simulates τᵈ(ω) with its tangent and evaluates G̃ and ∂G̃/∂ω into <see cref="Score"/>/<see cref="ScoreJacobian"/>.</summary>
    public void SimulateAndScore(ReadOnlySpan<double> design, ReadOnlySpan<double> theta, int noiseSeed)
    {
        if (theta.Length != _p)
        {
            throw new ArgumentException($"θ has {theta.Length} values; the model has {_p} parameters", nameof(theta));
        }

        theta.CopyTo(_theta);
        _space.InitialState(design, _z);
        Array.Clear(_zt);
        for (int e = 0; e < _d; e++)
        {
            _zt[(_space.Variables[e].StateIndex * _d) + e] = 1.0;
        }

        var noise = new GaussianSource(new Random(noiseSeed));
        _z.CopyTo(_path, 0);
        _zt.CopyTo(_tan, 0);
        double t = 0;
        for (int ti = 0; ti < _times.Length; ti++)
        {
            double target = _times[ti];
            while (t < target)
            {
                double dt = Math.Min(_stepHours, target - t);
                if (target - (t + dt) < 1e-12 * Math.Max(1.0, target))
                {
                    dt = target - t;
                }

                Step(dt, noise);
                t += dt;
            }

            t = target;
            _z.CopyTo(_path, (ti + 1) * _n);
            _zt.CopyTo(_tan, (ti + 1) * _n * _d);
        }

        ScoreWithTangent();
    }

    private void Step(double dt, GaussianSource noise)
    {
        _m.Rates(_z, _theta, _rates);
        _m.RateStateJacobian(_z, _theta, _ja);
        double scale = Math.Sqrt(dt / _omega);
        for (int c = 0; c < _r; c++)
        {
            double a = Math.Max(_rates[c], 0.0);
            double xi = _m.IsStochasticChannel(c) ? noise.Next() : 0.0;
            double sa = Math.Sqrt(a);
            _inc[c] = (a * dt) + (scale * sa * xi);
            for (int e = 0; e < _d; e++)
            {
                double adot = 0;
                if (_rates[c] > 0)
                {
                    for (int l = 0; l < _n; l++)
                    {
                        adot += _ja[(c * _n) + l] * _zt[(l * _d) + e];
                    }
                }

                _incDot[(c * _d) + e] = (adot * dt) + (sa > 0 ? scale * adot / (2 * sa) * xi : 0.0);
            }
        }

        var st = _m.Stoichiometry;
        for (int i = 0; i < _n; i++)
        {
            for (int c = 0; c < _r; c++)
            {
                double s = st[(i * _r) + c];
                if (s == 0.0)
                {
                    continue;
                }

                _z[i] += s * _inc[c];
                for (int e = 0; e < _d; e++)
                {
                    _zt[(i * _d) + e] += s * _incDot[(c * _d) + e];
                }
            }
        }

        for (int i = 0; i < _n; i++)
        {
            if (!double.IsFinite(_z[i]))
            {
                throw new Simulation.SimulationException($"the virtual batch became non-finite in {_space.Model.StateNames[i]}");
            }
        }
    }

    private void ScoreWithTangent()
    {
        Array.Clear(_score);
        Array.Clear(_scoreJac);
        int k = _k, r = _r, n = _n, d = _d, p = _p;
        double tPrev = 0;
        for (int ti = 0; ti < _times.Length; ti++)
        {
            double dt = _times[ti] - tPrev;
            tPrev = _times[ti];
            int prev = ti * n, next = (ti + 1) * n;
            Array.Copy(_path, prev, _z, 0, n);
            _m.Rates(_z, _theta, _rates);
            _m.RateStateJacobian(_z, _theta, _ja);
            _m.RateParameterJacobian(_z, _theta, _jp);
            _mixed.Evaluate(_z, _theta, _mixedValues);

            Array.Clear(_sigma);
            for (int j = 0; j < k; j++)
            {
                double v = 0;
                for (int i = 0; i < _ns; i++)
                {
                    v += _qBasis[(i * k) + j] * (_path[next + i] - _path[prev + i]);
                }

                _dvec[j] = v;
            }

            EulerMaruyamaLikelihood.SubtractDriftAddCovariance(_m, _mr, k, dt, _omega, _rates, _rates, _dvec, _sigma);

            // As in the physical update (EulerMaruyamaLikelihood.SkipSingularTransitions): a transition with a singular
            // covariance (all noisy channels at rate 0) has no density under eq. 4 and is left out.
            for (int j = 0; j < k; j++)
            {
                _tmp[j] = _sigma[(j * k) + j];
            }

            if (!SmallDense.TryCholesky(_sigma, k) || !EulerMaruyamaLikelihood.PivotsAboveRounding(_sigma, _tmp, k))
            {
                SkippedTransitions++;
                continue;
            }

            _dvec.AsSpan().CopyTo(_alpha);
            SmallDense.CholeskySolve(_sigma, k, _alpha);

            // Per-channel W m_r and Lemma 1's coefficients.
            for (int c = 0; c < r; c++)
            {
                var wm = _wm.AsSpan(c * k, k);
                if (_rates[c] <= 0 || !_m.IsStochasticChannel(c))
                {
                    wm.Clear();
                    _coef[c] = 0;
                    continue;
                }

                double ma = 0, mWm = 0;
                for (int j = 0; j < k; j++)
                {
                    wm[j] = _mr[(c * k) + j];
                    ma += wm[j] * _alpha[j];
                }

                SmallDense.CholeskySolve(_sigma, k, wm);
                for (int j = 0; j < k; j++)
                {
                    mWm += _mr[(c * k) + j] * wm[j];
                }

                _coef[c] = (dt * ma) + (0.5 * (dt / _omega) * ((ma * ma) - mWm));
            }

            for (int g = 0; g < _q; g++)
            {
                int pk = _est[g];
                double sum = 0;
                for (int c = 0; c < r; c++)
                {
                    sum += _coef[c] * _jp[(c * p) + pk];
                }

                _score[g] += sum;
            }

            for (int e = 0; e < d; e++)
            {
                // ȧ_r = ∂a_r/∂z ż (0 for truncated channels), Σ̇ and ṙ = ḋ − Σ_r ȧ_r Δt m_r.
                Array.Clear(_sigmaDot);
                for (int j = 0; j < k; j++)
                {
                    double v = 0;
                    for (int i = 0; i < _ns; i++)
                    {
                        v += _qBasis[(i * k) + j] * (_tan[((next + i) * d) + e] - _tan[((prev + i) * d) + e]);
                    }

                    _tmp[j] = v;
                }

                for (int c = 0; c < r; c++)
                {
                    double adot = 0;
                    if (_rates[c] > 0 && _m.IsStochasticChannel(c))
                    {
                        for (int l = 0; l < n; l++)
                        {
                            adot += _ja[(c * n) + l] * _tan[((prev + l) * d) + e];
                        }
                    }

                    _adot[c] = adot;
                }

                EulerMaruyamaLikelihood.SubtractDriftAddCovariance(_m, _mr, k, dt, _omega, _rates, _adot, _tmp, _sigmaDot);

                // α̇ = W (ṙ − Σ̇ α).
                for (int j = 0; j < k; j++)
                {
                    double v = _tmp[j];
                    for (int l = 0; l < k; l++)
                    {
                        v -= _sigmaDot[(j * k) + l] * _alpha[l];
                    }

                    _alphaDot[j] = v;
                }

                SmallDense.CholeskySolve(_sigma, k, _alphaDot);

                // ∂/∂ω of ∂a_r/∂θ_k along ż: Σ_l ∂²a_r/∂z_l∂θ_k ż_l.
                Array.Clear(_jpDot);
                var outs = _mixed.Output;
                var firsts = _mixed.First;
                var seconds = _mixed.Second;
                for (int t = 0; t < _mixed.Count; t++)
                {
                    _jpDot[(outs[t] * p) + seconds[t]] += _mixedValues[t] * _tan[((prev + firsts[t]) * d) + e];
                }

                for (int c = 0; c < r; c++)
                {
                    double coefDot = 0;
                    if (_rates[c] > 0 && _m.IsStochasticChannel(c))
                    {
                        double ma = 0, maDot = 0, quad = 0;
                        var wm = _wm.AsSpan(c * k, k);
                        for (int j = 0; j < k; j++)
                        {
                            double mj = _mr[(c * k) + j];
                            ma += mj * _alpha[j];
                            maDot += mj * _alphaDot[j];
                            double row = 0;
                            for (int l = 0; l < k; l++)
                            {
                                row += _sigmaDot[(j * k) + l] * wm[l];
                            }

                            quad += wm[j] * row;
                        }

                        coefDot = (dt * maDot) + ((dt / _omega) * ((ma * maDot) + (0.5 * quad)));
                    }

                    for (int g = 0; g < _q; g++)
                    {
                        int pk = _est[g];
                        _scoreJac[(g * d) + e] += (coefDot * _jp[(c * p) + pk]) + (_coef[c] * _jpDot[(c * p) + pk]);
                    }
                }
            }
        }
    }
}
