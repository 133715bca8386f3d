using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Core.Inference;

/// <summary>
/// Euler–Maruyama transition log-likelihood of fully observed trajectories (seed 001 eq. 4, Lemma 1):
/// <code>
/// ℓ(θ) = Σ_batches Σ_t log N(s_{t+1} − s_t; μ, Σ),   μ = N a(z_t; θ) Δt,   Σ = N diag(a(z_t; θ)) Nᵀ Δt / Ω + εI
/// </code>
/// over the species rows (the cell densities enter a through z_t but carry no noise, ADR 0002). Rates are truncated
/// at 0. ε = 1e−10 · tr(Σ)/n_s + 1e−300 is a jitter that keeps Σ invertible when the species are linearly dependent
/// (conservation laws, e.g. E + ES in Michaelis–Menten); the likelihood and its gradient are those of the jittered Σ.
/// The gradient (Lemma 1) is exact and cheap: with α = Σ⁻¹(d − μ), W = Σ⁻¹ and n_r the species column of channel r,
/// <code>
/// ∂ℓ/∂θ_k = Σ_r ∂a_r/∂θ_k · [ Δt n_rᵀα − ½ (Δt/Ω) n_rᵀ W n_r + ½ (Δt/Ω) (n_rᵀα)² + ½ (αᵀα − tr W) ∂ε/∂a_r ]
/// </code>
/// where ∂ε/∂a_r = 1e−10 (Δt/Ω) |n_r|² / n_s: ε depends on θ through tr(Σ), and when Σ is singular that term is
/// O(1) (log det contains log ε once per null direction), so it is part of the exact gradient.
/// Every batch must give every state component at every time.
/// After construction an evaluation allocates nothing. Not thread-safe.
/// </summary>
public sealed class EulerMaruyamaLikelihood
{
    private readonly CompiledModel _m;
    private readonly ReactionNetwork _model;
    private readonly int[] _grad;
    private readonly double _omega;
    private readonly int _n, _ns, _r, _p;
    private readonly double[] _z, _theta, _rates, _jp, _sigma, _d, _alpha, _u, _coef;

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
        _n = _m.StateDimension;
        _ns = _m.SpeciesCount;
        _r = _m.ChannelCount;
        _p = _m.ParameterCount;
        _z = new double[_n];
        _theta = new double[_p];
        _rates = new double[_r];
        _jp = new double[_r * _p];
        _sigma = new double[_ns * _ns];
        _d = new double[_ns];
        _alpha = new double[_ns];
        _u = new double[_ns];
        _coef = new double[_r];
    }

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
                if (t.Components.Length != _n)
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

        parameters.CopyTo(_theta);
        var st = _m.Stoichiometry;
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
                if (obs.Components.Length != _n)
                {
                    throw new DataException($"batch {batch.Id}: incomplete observation at {obs.TimeHours:G6} h; call Validate first");
                }

                double dt = obs.TimeHours - tPrev;
                prev.AsSpan().CopyTo(_z);
                _m.Rates(_z, _theta, _rates);
                _m.RateParameterJacobian(_z, _theta, _jp);

                // μ, Σ over species rows.
                Array.Clear(_sigma);
                double trace = 0;
                for (int i = 0; i < ns; i++)
                {
                    double mu = 0;
                    for (int c = 0; c < r; c++)
                    {
                        mu += st[(i * r) + c] * Math.Max(_rates[c], 0.0);
                    }

                    _d[i] = obs.Values[i] - prev[i] - (mu * dt);
                }

                for (int c = 0; c < r; c++)
                {
                    double w = Math.Max(_rates[c], 0.0) * dt / _omega;
                    if (w == 0.0 || !_m.IsStochasticChannel(c))
                    {
                        continue;
                    }

                    for (int i = 0; i < ns; i++)
                    {
                        double si = st[(i * r) + c];
                        if (si == 0.0)
                        {
                            continue;
                        }

                        for (int j = 0; j < ns; j++)
                        {
                            _sigma[(i * ns) + j] += w * si * st[(j * r) + c];
                        }
                    }
                }

                for (int i = 0; i < ns; i++)
                {
                    trace += _sigma[(i * ns) + i];
                }

                double eps = (1e-10 * trace / ns) + 1e-300;
                for (int i = 0; i < ns; i++)
                {
                    _sigma[(i * ns) + i] += eps;
                }

                if (!SmallDense.TryCholesky(_sigma, ns))
                {
                    throw new DataException($"batch {batch.Id}: the transition covariance before {obs.TimeHours:G6} h is not positive definite (all rates zero?)");
                }

                _d.AsSpan().CopyTo(_alpha);
                SmallDense.CholeskySolve(_sigma, ns, _alpha);
                double quad = 0;
                for (int i = 0; i < ns; i++)
                {
                    quad += _d[i] * _alpha[i];
                }

                ll += -0.5 * ((ns * log2Pi) + SmallDense.CholeskyLogDeterminant(_sigma, ns) + quad);
                count += ns;

                // ∂ℓ/∂ε = ½ (αᵀα − tr W), times ∂ε/∂a_r / |n_r|² = 1e−10 (Δt/Ω) / n_s (ε = 1e−10 tr Σ / n_s).
                double traceW = 0, alphaAlpha = 0;
                for (int i = 0; i < ns; i++)
                {
                    alphaAlpha += _alpha[i] * _alpha[i];
                    Array.Clear(_u);
                    _u[i] = 1.0;
                    SmallDense.CholeskySolve(_sigma, ns, _u);
                    traceW += _u[i];
                }

                double epsCoef = 0.5 * (alphaAlpha - traceW) * 1e-10 * dt / (_omega * ns);

                // Per-channel coefficient of ∂a_r/∂θ_k (Lemma 1).
                for (int c = 0; c < r; c++)
                {
                    if (_rates[c] <= 0)
                    {
                        _coef[c] = 0;
                        continue;
                    }

                    double na = 0;
                    for (int i = 0; i < ns; i++)
                    {
                        double si = st[(i * r) + c];
                        _u[i] = si;
                        na += si * _alpha[i];
                    }

                    double c0 = dt * na;
                    if (_m.IsStochasticChannel(c))
                    {
                        SmallDense.CholeskySolve(_sigma, ns, _u);
                        double nWn = 0, nn = 0;
                        for (int i = 0; i < ns; i++)
                        {
                            double si = st[(i * r) + c];
                            nWn += si * _u[i];
                            nn += si * si;
                        }

                        c0 += (0.5 * (dt / _omega) * ((na * na) - nWn)) + (epsCoef * nn);
                    }

                    _coef[c] = c0;
                }

                for (int k = 0; k < _grad.Length; k++)
                {
                    int pk = _grad[k];
                    double g = 0;
                    for (int c = 0; c < r; c++)
                    {
                        g += _coef[c] * _jp[(c * p) + pk];
                    }

                    result.Gradient[k] += g;
                }

                tPrev = obs.TimeHours;
                prev = obs.Values;
            }
        }

        result.LogLikelihood = ll;
        result.MeasurementCount = count;
    }
}
