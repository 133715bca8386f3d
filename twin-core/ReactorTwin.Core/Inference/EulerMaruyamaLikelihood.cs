using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Core.Inference;

/// <summary>
/// Euler–Maruyama transition log-likelihood of fully observed trajectories (seed 001 eq. 4, Lemma 1):
/// <code>
/// ℓ(θ) = Σ_batches Σ_t log N(s_{t+1} − s_t; μ, Σ),   μ = N a(z_t; θ) Δt,   Σ = N diag(a(z_t; θ)) Nᵀ Δt / Ω
/// </code>
/// over the species rows (the cell densities enter a through z_t but carry no noise, ADR 0002). Rates are truncated
/// at 0. When the species are linearly dependent (conservation laws, e.g. E + ES in Michaelis–Menten) Σ is singular
/// and the increments live in range(N); the density is then the Gaussian density on that subspace: with Q an
/// orthonormal basis of range(N) (computed once, constant in θ), the likelihood of Qᵀ(s_{t+1} − s_t) under
/// N(Qᵀμ, QᵀΣQ). When N has full row rank Q is square and this is exactly eq. 4.
/// The gradient (Lemma 1) is exact and cheap: with m_r = Qᵀ n_r (n_r the species column of channel r),
/// α = (QᵀΣQ)⁻¹(Qᵀd − Qᵀμ) and W = (QᵀΣQ)⁻¹,
/// <code>
/// ∂ℓ/∂θ_k = Σ_r ∂a_r/∂θ_k · [ Δt m_rᵀα − ½ (Δt/Ω) m_rᵀ W m_r + ½ (Δt/Ω) (m_rᵀα)² ]
/// </code>
/// Every batch must give every state component at every time. After construction an evaluation allocates
/// nothing. Not thread-safe.
/// </summary>
public sealed class EulerMaruyamaLikelihood
{
    private readonly CompiledModel _m;
    private readonly ReactionNetwork _model;
    private readonly int[] _grad;
    private readonly double _omega;
    private readonly int _n, _ns, _r, _p;
    private readonly double[] _z, _rates, _jp, _sigma, _d, _alpha, _u, _coef;
    private readonly ModelArguments _args;

    // Orthonormal basis of range(N) (species rows): _q[i * _k + j], and reduced columns m_r = Qᵀ n_r: _mr[r * _k + j].
    private readonly double[] _q, _mr;
    private readonly int _k;

    /// <summary>Creates the likelihood.</summary>
    /// <param name="model">The model.</param>
    /// <param name="gradientParameters">Indices into θ to differentiate by.</param>
    /// <param name="systemSize">Ω; null for the model's.</param>
    public EulerMaruyamaLikelihood(ReactionNetwork model, IReadOnlyList<int> gradientParameters, double? systemSize = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(gradientParameters);
        _model = model;
        _m = model.Compiled;
        _grad = [.. gradientParameters];
        _omega = systemSize ?? model.SystemSize;
        if (model.Compiled.HasParameterStoichiometry)
        {
            throw new NotSupportedException($"model '{model.Name}' has stoichiometric coefficients that depend on parameters; the Euler–Maruyama likelihood needs numeric ones (use the Kalman–LNA or ODE likelihood)");
        }

        _n = _m.StateDimension;
        _ns = _m.SpeciesCount;
        _r = _m.ChannelCount;
        _p = _m.ParameterCount;
        _z = new double[_n];
        _args = new ModelArguments(model);
        _rates = new double[_r];
        _jp = new double[_r * _p];
        (_q, _k) = RangeBasis(_m, _ns, _r);
        _mr = new double[_r * Math.Max(_k, 1)];
        var st = _m.Stoichiometry;
        for (int c = 0; c < _r; c++)
        {
            for (int j = 0; j < _k; j++)
            {
                double v = 0;
                for (int i = 0; i < _ns; i++)
                {
                    v += _q[(i * _k) + j] * st[(i * _r) + c];
                }

                _mr[(c * _k) + j] = v;
            }
        }

        _sigma = new double[_k * _k];
        _d = new double[_k];
        _alpha = new double[_k];
        _u = new double[_k];
        _coef = new double[_r];
    }

    /// <summary>Dimension of range(N): the number of independent species increments (≤ species count).</summary>
    public int IndependentIncrements => _k;

    /// <summary>
    /// When true, a transition whose covariance is singular (every noisy channel at rate 0, e.g. after a substrate ran
    /// out) is left out of ℓ and counted in <see cref="SkippedTransitions"/> instead of failing the evaluation. Eq. 4
    /// has no density there; the design harness uses this so that one depleted interval does not discard a batch.
    /// Default false.
    /// </summary>
    public bool SkipSingularTransitions { get; set; }

    /// <summary>Transitions left out since construction (see <see cref="SkipSingularTransitions"/>).</summary>
    public long SkippedTransitions { get; private set; }

    /// <summary>Indices into θ of the gradient parameters.</summary>
    public IReadOnlyList<int> GradientParameters => _grad;

    /// <summary>
    /// Checks that every batch observes every state component at t = 0 and at every later time; the EM likelihood
    /// needs complete trajectories.
    /// </summary>
    /// <exception cref="DataException">Some batch misses a component somewhere.</exception>
    public void Validate(ObservationSet data, string source)
    {
        ArgumentNullException.ThrowIfNull(data);
        var errors = new List<DataError>();
        foreach (var b in data.Batches)
        {
            if (b.InitiallyMeasured.Length != _n)
            {
                errors.Add(new DataError(source, 0, "species", $"batch {b.Id}: the Euler–Maruyama likelihood needs every component ({string.Join(", ", _model.StateNames)}) at t = 0; {b.InitiallyMeasured.Length} given"));
            }

            foreach (var t in b.Times)
            {
                if (t.Components.Any(c => c >= _n) || t.Components.Distinct().Count() != t.Components.Length)
                {
                    errors.Add(new DataError(source, 0, "species", $"batch {b.Id}: at {t.TimeHours:G6} h the data measure observables or replicates; the Euler–Maruyama likelihood needs each state measured once, directly: use the Kalman–LNA likelihood (--likelihood lna)"));
                }
                else if (t.Components.Length != _n)
                {
                    var missing = _model.StateNames.Where((_, i) => Array.IndexOf(t.Components, i) < 0);
                    errors.Add(new DataError(source, 0, "species", $"batch {b.Id}: at {t.TimeHours:G6} h {string.Join(", ", missing)} missing; use the Kalman–LNA likelihood for partial observations"));
                }
            }
        }

        if (errors.Count > 0)
        {
            throw new DataException(errors);
        }
    }

    /// <summary>Evaluates ℓ and ∂ℓ/∂θ_k (natural scale) over all batches and transitions.</summary>
    /// <param name="data">Complete trajectories (see <see cref="Validate"/>).</param>
    /// <param name="parameters">θ (all model parameters, natural scale).</param>
    /// <param name="result">Receives the value and gradient.</param>
    public void Evaluate(ObservationSet data, ReadOnlySpan<double> parameters, LikelihoodResult result)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(result);
        if (result.Gradient.Length != _grad.Length)
        {
            throw new ArgumentException($"the result holds {result.Gradient.Length} gradient values; {_grad.Length} are needed", nameof(result));
        }

        _args.SetParameters(parameters);
        int ns = _ns, r = _r, p = _p;
        double ll = 0;
        int count = 0;
        Array.Clear(result.Gradient);
        double log2Pi = Math.Log(2 * Math.PI);
        var batches = data.Batches;
        for (int bi = 0; bi < batches.Count; bi++)
        {
            var batch = batches[bi];
            double tPrev = 0;
            var prev = batch.InitialState;
            var times = batch.Times;
            for (int ti = 0; ti < times.Count; ti++)
            {
                var obs = times[ti];
                if (obs.Components.Length != _n || obs.Components[^1] != _n - 1)
                {
                    throw new DataException($"batch {batch.Id}: incomplete observation at {obs.TimeHours:G6} h; call Validate first");
                }

                double dt = obs.TimeHours - tPrev;
                prev.AsSpan().CopyTo(_z);
                _args.SetSegment(batch.Inputs, tPrev, tPrev);
                _args.At(tPrev);
                _m.Rates(_z, _args.Values, _rates);
                _m.RateParameterJacobian(_z, _args.Values, _jp);

                // Reduced increment Qᵀ(d − μ) and covariance QᵀΣQ = Σ_r a_r Δt/Ω m_r m_rᵀ.
                int k = _k;
                Array.Clear(_sigma);
                for (int j = 0; j < k; j++)
                {
                    double v = 0;
                    for (int i = 0; i < ns; i++)
                    {
                        v += _q[(i * k) + j] * (obs.Values[i] - prev[i]);
                    }

                    _d[j] = v;
                }

                SubtractDriftAddCovariance(_m, _mr, k, dt, _omega, _rates, _rates, _d, _sigma);

                // A rank-deficient QᵀΣQ (some channels at rate 0, e.g. Michaelis–Menten from ES = 0) can leave a
                // rounding-level positive pivot instead of failing: a pivot below 1e−12 of its diagonal is singular.
                for (int j = 0; j < k; j++)
                {
                    _u[j] = _sigma[(j * k) + j];
                }

                if (!SmallDense.TryCholesky(_sigma, k) || !PivotsAboveRounding(_sigma, _u, k))
                {
                    if (SkipSingularTransitions)
                    {
                        SkippedTransitions++;
                        tPrev = obs.TimeHours;
                        prev = obs.Values;
                        continue;
                    }

                    throw new DataException($"batch {batch.Id}: the transition covariance before {obs.TimeHours:G6} h is singular (rates of some reactions are zero); the Euler–Maruyama likelihood is undefined there");
                }

                _d.AsSpan().CopyTo(_alpha);
                SmallDense.CholeskySolve(_sigma, k, _alpha);
                double quad = 0;
                for (int j = 0; j < k; j++)
                {
                    quad += _d[j] * _alpha[j];
                }

                ll += -0.5 * ((k * log2Pi) + SmallDense.CholeskyLogDeterminant(_sigma, k) + quad);
                count += k;

                // Per-channel coefficient of ∂a_r/∂θ_k (Lemma 1).
                for (int c = 0; c < r; c++)
                {
                    if (_rates[c] <= 0 || !_m.IsStochasticChannel(c))
                    {
                        _coef[c] = 0;
                        continue;
                    }

                    double ma = 0;
                    for (int j = 0; j < k; j++)
                    {
                        _u[j] = _mr[(c * k) + j];
                        ma += _u[j] * _alpha[j];
                    }

                    SmallDense.CholeskySolve(_sigma, k, _u);
                    double mWm = 0;
                    for (int j = 0; j < k; j++)
                    {
                        mWm += _mr[(c * k) + j] * _u[j];
                    }

                    _coef[c] = (dt * ma) + (0.5 * (dt / _omega) * ((ma * ma) - mWm));
                }

                for (int g = 0; g < _grad.Length; g++)
                {
                    int pk = _grad[g];
                    double sum = 0;
                    for (int c = 0; c < r; c++)
                    {
                        sum += _coef[c] * _jp[(c * p) + pk];
                    }

                    result.Gradient[g] += sum;
                }

                tPrev = obs.TimeHours;
                prev = obs.Values;
            }
        }

        result.LogLikelihood = ll;
        result.MeasurementCount = count;
    }

    /// <summary>True when every pivot L_jj² of the Cholesky factor exceeds 1e−12 times the diagonal entry it came from.</summary>
    /// <summary>
    /// The per-channel sums of one transition in the reduced coordinates: d ← d − Σ_r v_r Δt m_r and
    /// Σ ← Σ + Σ_r v_r (Δt/Ω) m_r m_rᵀ over the stochastic channels whose rate a_r is &gt; 0. With v = a this assembles
    /// Qᵀ(s' − s − μ) and QᵀΣQ of eq. 4; with v = ȧ (and d the tangent increment) their derivatives along a direction,
    /// which is how the design policy differentiates the score (<see cref="Design.VirtualModelUpdate"/>).
    /// </summary>
    internal static void SubtractDriftAddCovariance(CompiledModel m, ReadOnlySpan<double> mr, int k, double dt, double omega, ReadOnlySpan<double> rates, ReadOnlySpan<double> values, Span<double> d, Span<double> sigma)
    {
        for (int c = 0; c < rates.Length; c++)
        {
            if (!(rates[c] > 0) || !m.IsStochasticChannel(c) || values[c] == 0.0)
            {
                continue;
            }

            double v = values[c];
            double w = v * dt / omega;
            for (int j = 0; j < k; j++)
            {
                double mj = mr[(c * k) + j];
                d[j] -= v * dt * mj;
                for (int l = 0; l < k; l++)
                {
                    sigma[(j * k) + l] += w * mj * mr[(c * k) + l];
                }
            }
        }
    }

    internal static bool PivotsAboveRounding(ReadOnlySpan<double> l, ReadOnlySpan<double> diagonal, int k)
    {
        for (int j = 0; j < k; j++)
        {
            double pivot = l[(j * k) + j];
            if (!(pivot * pivot > 1e-12 * diagonal[j]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Orthonormal basis of the column space of the species stoichiometry of the stochastic channels, by modified
    /// Gram–Schmidt with a relative tolerance of 1e−10 (columns dependent on earlier ones are skipped).
    /// </summary>
    internal static (double[] Basis, int Rank) RangeBasis(CompiledModel m, int ns, int r)
    {
        var st = m.Stoichiometry;
        var basis = new List<double[]>();
        for (int c = 0; c < r; c++)
        {
            if (!m.IsStochasticChannel(c))
            {
                continue;
            }

            var v = new double[ns];
            double norm0 = 0;
            for (int i = 0; i < ns; i++)
            {
                v[i] = st[(i * r) + c];
                norm0 += v[i] * v[i];
            }

            foreach (var b in basis)
            {
                double dot = 0;
                for (int i = 0; i < ns; i++)
                {
                    dot += b[i] * v[i];
                }

                for (int i = 0; i < ns; i++)
                {
                    v[i] -= dot * b[i];
                }
            }

            double norm = Math.Sqrt(v.Sum(x => x * x));
            if (norm > 1e-10 * Math.Sqrt(norm0))
            {
                basis.Add(v.Select(x => x / norm).ToArray());
            }
        }

        int k = basis.Count;
        var q = new double[ns * Math.Max(k, 1)];
        for (int j = 0; j < k; j++)
        {
            for (int i = 0; i < ns; i++)
            {
                q[(i * k) + j] = basis[j][i];
            }
        }

        return (q, k);
    }
}
