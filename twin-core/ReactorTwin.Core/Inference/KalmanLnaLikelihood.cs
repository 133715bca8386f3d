using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Core.Inference;

/// <summary>
/// Log-likelihood of partially observed, noisy, irregularly timed measurements under the LNA, computed by a
/// Kalman filter (RAPTOR-GEN's sequential LNA fusion, seed 000; seed 001 eq. 12–13): between observation times
/// the LNA predicts mean and covariance starting from the filtered ones; at each time only the components measured
/// then are conditioned on, with y = H z + ε, ε ~ N(0, R) (<see cref="MeasurementNoise"/>). For batch b and time j
/// with innovation v = y − Hη, S = HΨHᵀ + R:
/// <code>
/// ℓ += −½ (q log 2π + log det S + vᵀS⁻¹v),   η⁺ = η + Gα,   Ψ⁺ = Ψ − B Gᵀ,   G = ΨHᵀ, α = S⁻¹v, B = GS⁻¹
/// </code>
/// and the exact gradient follows by differentiating every step through the LNA forward sensitivities:
/// <code>
/// ∂ℓ/∂θ_k += −½ tr(S⁻¹S_k) − v_kᵀα + ½ αᵀS_kα,   S_k = HΨ_kHᵀ, v_k = −Hη_k, α_k = S⁻¹(v_k − S_kα)
/// η_k⁺ = η_k + G_kα + Gα_k,   Ψ_k⁺ = Ψ_k − G_kBᵀ − BG_kᵀ + B S_k Bᵀ
/// </code>
/// A measured channel may be an observable h(z; θ, t, u) of the model instead of a state: H is then its linearisation
/// at the predicted mean and the update that of an extended Kalman filter, with S_k, G_k, v_k from the observable's
/// first and second derivatives (<see cref="ObservationProjection"/>, KalmanLnaLikelihood.Measurement.cs); models with
/// observables use the forward recursion. Replicates (a channel twice at one time) are independent rows of H.
/// Components measured at t = 0 are the batch's known initial state (covariance 0). Batches are independent; their
/// log-likelihoods add. By default (<see cref="LnaGradientMethod.Adjoint"/>) the gradient is not carried forward:
/// the filter records its steps and a reverse pass differentiates it exactly (KalmanLnaLikelihood.Adjoint.cs); the
/// forward recursion above is <see cref="LnaGradientMethod.Forward"/>. After construction an evaluation allocates
/// nothing once its buffers have grown to the longest batch, unless filtered states are requested. Not thread-safe.
/// </summary>
public sealed partial class KalmanLnaLikelihood
{
    private readonly LnaSolver _lna;
    private readonly LnaState _state;
    private readonly int _n, _q, _stateSensitivities;
    private readonly int[] _gradientParameters;
    private bool _resume;
    private readonly ObservationProjection _projection;
    private int _capacity;
    private double[] _s = [], _sInv = [], _v = [], _alpha = [], _g = [], _b = [], _gk = [], _sk = [], _vk = [], _alphak = [], _tmp = [], _col = [];
    private double[] _rows = [], _rowsk = [], _r = [], _rk = [];

    /// <summary>Creates the likelihood.</summary>
    /// <param name="model">The model.</param>
    /// <param name="gradientParameters">Indices into θ to differentiate by (typically the estimated ones).</param>
    /// <param name="options">LNA options; null for the defaults (adaptive DP5(4)).</param>
    public KalmanLnaLikelihood(ReactionNetwork model, IReadOnlyList<int> gradientParameters, LnaOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(gradientParameters);
        var lnaOptions = options ?? new LnaOptions();
        _gradientParameters = [.. gradientParameters];
        UsesAdjoint = _gradientParameters.Length > 0 && lnaOptions.Gradient == LnaGradientMethod.Adjoint && lnaOptions.Integrator == LnaIntegrator.Adaptive
            && model.Inputs.Count == 0 && model.Events.Count == 0 && model.Observables.Count == 0 && !model.HasParameterInitialValues;
        _lna = new LnaSolver(model, UsesAdjoint ? [] : gradientParameters, lnaOptions);
        _state = _lna.CreateState();
        _n = model.StateDimension;
        _q = _gradientParameters.Length;
        _stateSensitivities = _state.SensitivityCount;
        _lastMeanSensitivity = new double[_stateSensitivities];
        _lastVarianceSensitivity = new double[_stateSensitivities];
        if (UsesAdjoint)
        {
            InitializeAdjoint(model);
        }

        _projection = new ObservationProjection(model, _gradientParameters);
        EnsureCapacity(_n);
    }

    /// <summary>Grows the update's buffers to m measurements at one time (replicates and observables can make m &gt; n).</summary>
    private void EnsureCapacity(int m)
    {
        if (m <= _capacity)
        {
            return;
        }

        int n = _n;
        _capacity = m;
        _s = new double[m * m];
        _sInv = new double[m * m];
        _sk = new double[m * m];
        _v = new double[m];
        _alpha = new double[m];
        _vk = new double[m];
        _alphak = new double[m];
        _col = new double[m];
        _r = new double[m];
        _rk = new double[m];
        _g = new double[n * m];
        _b = new double[n * m];
        _gk = new double[n * m];
        _rows = new double[m * n];
        _rowsk = new double[m * n];
        _tmp = new double[m * Math.Max(m, n)];
    }

    /// <summary>The model.</summary>
    public ReactionNetwork Model => _lna.Model;

    /// <summary>Indices into θ of the gradient parameters.</summary>
    public IReadOnlyList<int> GradientParameters => _gradientParameters;

    /// <summary>True when the gradient comes from the reverse pass (<see cref="LnaGradientMethod.Adjoint"/>).</summary>
    public bool UsesAdjoint { get; }

    /// <summary>The LNA propagator (its counters tell how the moment equations were integrated).</summary>
    public LnaSolver Propagator => _lna;

    /// <summary>Evaluates the log-likelihood and its gradient.</summary>
    /// <param name="data">Observations (validated against the same model).</param>
    /// <param name="parameters">θ on the natural scale (all model parameters).</param>
    /// <param name="noise">Measurement model.</param>
    /// <param name="result">Receives ℓ and ∂ℓ/∂θ_k; its gradient length must equal the number of gradient parameters.</param>
    /// <param name="filtered">If not null, receives the filtered state after every observation time.</param>
    /// <exception cref="LnaException">The LNA failed or an innovation covariance was not positive definite.</exception>
    public void Evaluate(ObservationSet data, ReadOnlySpan<double> parameters, MeasurementNoise noise, LikelihoodResult result, List<FilteredState>? filtered = null)
    {
        ArgumentNullException.ThrowIfNull(noise);
        LikelihoodArguments.Check(data, Model, result, _q);
        if (UsesAdjoint)
        {
            EvaluateAdjoint(data, parameters, noise, result, filtered);
            return;
        }

        double ll = 0;
        int count = 0;
        Array.Clear(result.Gradient);
        var batches = data.Batches;
        for (int bi = 0; bi < batches.Count; bi++)
        {
            var batch = batches[bi];
            BeginBatch(batch.InitialState, batch.Inputs, parameters, batch.InitiallyMeasured);

            var times = batch.Times;
            for (int j = 0; j < times.Count; j++)
            {
                var obs = times[j];
                ll += Absorb(obs, parameters, noise, result.Gradient, batch.Id);
                count += obs.Components.Length;
                filtered?.Add(new FilteredState(batch.Id, CurrentTime, (double[])_state.Mean.Clone(), (double[])_state.Covariance.Clone()));
            }
        }

        result.LogLikelihood = ll;
        result.MeasurementCount = count;
    }

    /// <summary>A state shaped for <see cref="Predict"/>.</summary>
    public LnaState CreateState() => _lna.CreateState();

    /// <summary>The filter's current time (h) within the batch begun last.</summary>
    public double CurrentTime { get; private set; }

    /// <summary>The filter's current mean, covariance and (with forward gradients) sensitivities (read them; do not modify).</summary>
    public LnaState Current => _state;

    /// <summary>Starts filtering a batch from a known initial state at t = 0 (incremental use).</summary>
    public void BeginBatch(ReadOnlySpan<double> initialState) => BeginBatch(initialState, null);

    /// <summary>Starts filtering a batch from a known initial state at t = 0 with the batch's inputs (null: the model's values).</summary>
    public void BeginBatch(ReadOnlySpan<double> initialState, InputSchedule? inputs)
    {
        _state.Reset(initialState);
        CurrentTime = 0;
        _resume = false;
        Inputs = inputs;
    }

    /// <summary>
    /// Starts filtering a batch at t = 0 from <paramref name="initialState"/>, except that a component whose initial value
    /// is a parameter (<see cref="Species.InitialParameter"/>) and is not in <paramref name="initiallyMeasured"/> starts
    /// at that parameter's value in θ, with ∂z_i(0)/∂θ_k = 1 seeded in the forward sensitivities (incremental use with
    /// estimated initial values; no allocation).
    /// </summary>
    /// <param name="initialState">z(0) for the components measured or fixed at t = 0.</param>
    /// <param name="inputs">The batch's inputs (null: the model's values).</param>
    /// <param name="parameters">θ (natural scale, all parameters).</param>
    /// <param name="initiallyMeasured">State components measured at t = 0, which keep their value.</param>
    public void BeginBatch(ReadOnlySpan<double> initialState, InputSchedule? inputs, ReadOnlySpan<double> parameters, int[] initiallyMeasured)
    {
        ArgumentNullException.ThrowIfNull(initiallyMeasured);
        BeginBatch(initialState, inputs);
        if (Model.HasParameterInitialValues)
        {
            ParameterInitialState.Apply(Model, initiallyMeasured, parameters, _state.Mean);
            if (_stateSensitivities > 0)
            {
                ParameterInitialState.Seed(Model, initiallyMeasured, _gradientParameters, _state.MeanSensitivity.AsSpan(0, _stateSensitivities * _n));
            }
        }
    }

    /// <summary>The inputs of the batch begun last (null: the model's values); the runtime replaces them when a setpoint changes.</summary>
    public InputSchedule? Inputs { get; set; }

    /// <summary>
    /// Incremental use: predicts from <see cref="CurrentTime"/> to the observation time with the LNA and conditions
    /// on it; returns the log-likelihood increment and adds its gradient to <paramref name="gradient"/> (which must be
    /// empty when the gradient is computed by the adjoint: incremental gradients need <see cref="LnaGradientMethod.Forward"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The observation is earlier than the current time.</exception>
    /// <exception cref="InvalidOperationException">A gradient was asked for from an adjoint-mode likelihood.</exception>
    /// <exception cref="LnaException">The LNA failed or the innovation covariance is not positive definite.</exception>
    public double Absorb(ObservationTime observation, ReadOnlySpan<double> parameters, MeasurementNoise noise, Span<double> gradient, string batchId = "") =>
        Absorb(observation, parameters, noise, gradient, batchId, beforeUpdate: -1);

    /// <summary>Absorb; with <paramref name="beforeUpdate"/> ≥ 0 (adjoint recording) the prior of that observation is kept.</summary>
    private double Absorb(ObservationTime observation, ReadOnlySpan<double> parameters, MeasurementNoise noise, Span<double> gradient, string batchId, int beforeUpdate)
    {
        ArgumentNullException.ThrowIfNull(observation);
        ArgumentNullException.ThrowIfNull(noise);
        if (UsesAdjoint && gradient.Length > 0)
        {
            throw new InvalidOperationException("this likelihood computes its gradient by the adjoint over whole batches (Evaluate); for incremental gradients use LnaGradientMethod.Forward");
        }

        if (observation.TimeHours < CurrentTime)
        {
            throw new ArgumentException($"batch {batchId}: observation at {observation.TimeHours:G6} h is earlier than the filter time {CurrentTime:G6} h", nameof(observation));
        }

        // Within a batch each prediction continues the previous one from the updated state: the integrator keeps its
        // step size and method across the update instead of starting afresh.
        _lna.Propagate(_state, parameters, CurrentTime, observation.TimeHours, _resume, Inputs);
        _projection.SetParameters(parameters);
        _resume = true;
        CurrentTime = observation.TimeHours;
        if (beforeUpdate >= 0)
        {
            KeepPrior(beforeUpdate);
        }

        return Update(observation, noise, gradient, batchId);
    }

    /// <summary>Conditions the current state on one observation time; returns its log-likelihood term.</summary>
    private double Update(ObservationTime obs, MeasurementNoise noise, Span<double> grad, string batchId)
    {
        int n = _n, m = obs.Components.Length;
        EnsureCapacity(m);
        var c = obs.Components;
        double[] psi = _state.Covariance, eta = _state.Mean;
        bool direct = ObservationProjection.IsDirect(obs, n);
        double logJacobian = 0;
        if (direct)
        {
            SelectMoments(obs, noise);
        }
        else
        {
            _projection.Project(obs, noise, eta, CurrentTime, Inputs, _stateSensitivities > 0, _v, _rows, _r);
            logJacobian = _projection.LogJacobian;
            ProjectMoments(m);
        }

        _lastInnovationVariance = m == 1 ? _s[0] : double.NaN;
        var chol = _tmp.AsSpan(0, m * m);
        _s.AsSpan(0, m * m).CopyTo(chol);
        if (!SmallDense.TryCholesky(chol, m))
        {
            throw new LnaException($"batch {batchId}: the innovation covariance at t = {CurrentTime:G6} h is not positive definite; give the measured components a measurement noise (--noise)");
        }

        double logDet = SmallDense.CholeskyLogDeterminant(chol, m);
        _v.AsSpan(0, m).CopyTo(_alpha);
        SmallDense.CholeskySolve(chol, m, _alpha.AsSpan(0, m));
        double quad = 0;
        for (int a = 0; a < m; a++)
        {
            quad += _v[a] * _alpha[a];
        }

        // S⁻¹ column by column (m is small), then B = G S⁻¹.
        for (int a = 0; a < m; a++)
        {
            Array.Clear(_col);
            _col[a] = 1.0;
            SmallDense.CholeskySolve(chol, m, _col.AsSpan(0, m));
            for (int b = 0; b < m; b++)
            {
                _sInv[(b * m) + a] = _col[b];
            }
        }

        for (int i = 0; i < n; i++)
        {
            for (int a = 0; a < m; a++)
            {
                double s = 0;
                for (int b = 0; b < m; b++)
                {
                    s += _g[(i * m) + b] * _sInv[(b * m) + a];
                }

                _b[(i * m) + a] = s;
            }
        }

        // Gradient terms and sensitivity updates use the prior Ψ, G, B: do them before updating η and Ψ.
        for (int k = 0; k < _stateSensitivities; k++)
        {
            var etak = _state.MeanSensitivity.AsSpan(k * n, n);
            var psik = _state.CovarianceSensitivity.AsSpan(k * n * n, n * n);
            if (direct)
            {
                SelectMomentSensitivities(c, etak, psik, m);
            }
            else
            {
                _projection.Sensitivity(k, obs, noise, etak, _vk, _rowsk, _rk);
                ProjectMomentSensitivities(psik, m);
            }

            double trace = 0, vkAlpha = 0, alphaSkAlpha = 0;
            for (int a = 0; a < m; a++)
            {
                vkAlpha += _vk[a] * _alpha[a];
                for (int b = 0; b < m; b++)
                {
                    trace += _sInv[(a * m) + b] * _sk[(b * m) + a];
                    alphaSkAlpha += _alpha[a] * _sk[(a * m) + b] * _alpha[b];
                }
            }

            grad[k] += (-0.5 * trace) - vkAlpha + (0.5 * alphaSkAlpha);
            if (m == 1)
            {
                _lastMeanSensitivity[k] = -_vk[0]; // v = y − μ: ∂μ/∂θ_k = −∂v/∂θ_k
                _lastVarianceSensitivity[k] = _sk[0];
            }

            // α_k = S⁻¹ (v_k − S_k α)
            for (int a = 0; a < m; a++)
            {
                double s = _vk[a];
                for (int b = 0; b < m; b++)
                {
                    s -= _sk[(a * m) + b] * _alpha[b];
                }

                _col[a] = s;
            }

            for (int a = 0; a < m; a++)
            {
                double s = 0;
                for (int b = 0; b < m; b++)
                {
                    s += _sInv[(a * m) + b] * _col[b];
                }

                _alphak[a] = s;
            }

            // η_k += G_k α + G α_k
            for (int i = 0; i < n; i++)
            {
                double s = 0;
                for (int a = 0; a < m; a++)
                {
                    s += (_gk[(i * m) + a] * _alpha[a]) + (_g[(i * m) + a] * _alphak[a]);
                }

                etak[i] += s;
            }

            // Ψ_k += −G_k Bᵀ − B G_kᵀ + B S_k Bᵀ   (T = S_k Bᵀ first, m × n)
            for (int a = 0; a < m; a++)
            {
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int b = 0; b < m; b++)
                    {
                        s += _sk[(a * m) + b] * _b[(j * m) + b];
                    }

                    _tmp[(a * n) + j] = s;
                }
            }

            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int a = 0; a < m; a++)
                    {
                        s += (-_gk[(i * m) + a] * _b[(j * m) + a]) - (_b[(i * m) + a] * _gk[(j * m) + a]) + (_b[(i * m) + a] * _tmp[(a * n) + j]);
                    }

                    psik[(i * n) + j] += s;
                }
            }
        }

        // η += G α ; Ψ −= B Gᵀ
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int a = 0; a < m; a++)
            {
                s += _g[(i * m) + a] * _alpha[a];
            }

            eta[i] += s;
        }

        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int a = 0; a < m; a++)
                {
                    s += _b[(i * m) + a] * _g[(j * m) + a];
                }

                psi[(i * n) + j] -= s;
            }
        }

        SmallDense.Symmetrize(psi, n);
        return (-0.5 * ((m * Math.Log(2 * Math.PI)) + logDet + quad)) + logJacobian;
    }
}
