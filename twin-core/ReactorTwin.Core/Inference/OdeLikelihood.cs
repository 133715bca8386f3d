using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Core.Inference;

/// <summary>
/// Log-likelihood of measurements as the mean ODE plus independent Gaussian measurement noise: y_ij = η_i(t_j; θ) + ε,
/// ε ~ N(0, R_ii) (<see cref="MeasurementNoise"/>), η the solution of dη/dt = b(η; θ) from the batch's initial state.
/// This is the Kalman–LNA likelihood (<see cref="KalmanLnaLikelihood"/>) in the deterministic limit Ω → ∞, where the
/// intrinsic covariance Ψ vanishes and the filter no longer moves the mean:
/// <code>
/// ℓ = Σ_b Σ_j Σ_i −½ (log 2π R_ii + v²/R_ii),  v = y − η_i(t_j)
/// ∂ℓ/∂θ_k = Σ v η_k,i / R_ii,  dη_k/dt = F η_k + ∂b/∂θ_k  (the mean part of the LNA sensitivities, seed 001 Lemma 2)
/// </code>
/// It integrates n (1 + q) equations instead of the LNA's (n + n²)(1 + q), so it is the likelihood to use when the
/// culture's intrinsic noise is negligible against the measurement noise (large Ω), and for ODE-only baselines (seed 002's
/// BFGS). The system is integrated by <see cref="OdeSolver"/> (automatic stiffness switching by default); on the
/// implicit method the sensitivities share each stage's factorisation of I − hγF (<see cref="MeanSensitivitySystem"/>).
/// After construction an evaluation allocates nothing (its output buffer grows to the longest batch once).
/// Not thread-safe.
/// </summary>
public sealed partial class OdeLikelihood
{
    private readonly MeanSensitivitySystem _system;
    private readonly TrajectoryDriver _driver;
    private readonly int _n, _q;
    private readonly double[] _y0;
    private double[] _times = new double[8];
    private double[] _out;
    private readonly ObservationProjection _projection;
    private readonly double[] _eta;
    private double[] _v = [], _rows = [], _r = [], _muk = [], _rk = [];

    /// <summary>Creates the likelihood.</summary>
    /// <param name="model">The model.</param>
    /// <param name="gradientParameters">Indices into θ to differentiate by.</param>
    /// <param name="tolerances">Integration tolerances and method (default rtol 1e−6, atol 1e−9, automatic switching).</param>
    /// <param name="sensitivityErrorControl">Whether the sensitivities enter the step-size control (true: as CVODES's
    /// errconS = true, slower and more accurate gradients).</param>
    public OdeLikelihood(ReactionNetwork model, IReadOnlyList<int> gradientParameters, OdeOptions? tolerances = null, bool sensitivityErrorControl = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(gradientParameters);
        Model = model;
        GradientParameters = [.. gradientParameters];
        _n = model.StateDimension;
        _q = gradientParameters.Count;
        _system = new MeanSensitivitySystem(model, [.. gradientParameters]);
        var options = tolerances ?? new OdeOptions { RelativeTolerance = 1e-6, AbsoluteTolerance = 1e-9 };
        if (!sensitivityErrorControl)
        {
            options = options with { ErrorControlComponents = _n };
        }

        _driver = new TrajectoryDriver(model, new OdeSolver(_system.Dimension, options));
        _y0 = new double[_system.Dimension];
        _out = new double[_times.Length * _system.Dimension];
        _projection = new ObservationProjection(model, GradientParameters);
        _eta = new double[_n];
    }

    /// <summary>The model.</summary>
    public ReactionNetwork Model { get; }

    /// <summary>Indices into θ of the gradient parameters.</summary>
    public IReadOnlyList<int> GradientParameters { get; }

    /// <summary>Evaluates the log-likelihood and its gradient.</summary>
    /// <param name="data">Observations (validated against the same model).</param>
    /// <param name="parameters">θ on the natural scale (all model parameters).</param>
    /// <param name="noise">Measurement model.</param>
    /// <param name="result">Receives ℓ and ∂ℓ/∂θ_k; its gradient length must equal the number of gradient parameters.</param>
    /// <exception cref="LnaException">The mean ODE could not be integrated (e.g. stiffness beyond the step budget).</exception>
    public void Evaluate(ObservationSet data, ReadOnlySpan<double> parameters, MeasurementNoise noise, LikelihoodResult result)
    {
        ArgumentNullException.ThrowIfNull(noise);
        LikelihoodArguments.Check(data, Model, result, _q);

        if (parameters.Length != Model.Parameters.Count)
        {
            throw new ArgumentException($"{parameters.Length} parameters given, the model has {Model.Parameters.Count}", nameof(parameters));
        }

        _system.Arguments.SetParameters(parameters);
        _projection.SetParameters(parameters);
        int dim = _system.Dimension, n = _n;
        double ll = 0;
        int count = 0;
        var gradient = result.Gradient;
        Array.Clear(gradient);
        var batches = data.Batches;
        for (int bi = 0; bi < batches.Count; bi++)
        {
            var batch = batches[bi];
            int m = batch.Times.Count;
            if (m == 0)
            {
                continue;
            }

            Integrate(batch, parameters);
            for (int j = 0; j < m; j++)
            {
                var obs = batch.Times[j];
                var row = _out.AsSpan(j * dim, dim);
                if (!ObservationProjection.IsDirect(obs, n))
                {
                    ll += Observables(obs, row, noise, batch.Inputs, gradient);
                    count += obs.Components.Length;
                    continue;
                }

                for (int a = 0; a < obs.Components.Length; a++)
                {
                    int c = obs.Components[a];
                    double s = noise.Variance(c, obs.Values[a]);
                    double v = obs.Values[a] - row[c];
                    ll -= 0.5 * (Math.Log(2 * Math.PI * s) + (v * v / s));
                    double w = v / s;
                    for (int k = 0; k < _q; k++)
                    {
                        gradient[k] += w * row[n + (k * n) + c];
                    }
                }

                count += obs.Components.Length;
            }
        }

        result.LogLikelihood = ll;
        result.MeasurementCount = count;
    }

    /// <summary>Integrates the mean and its sensitivities over one batch (m &gt; 0 times) into <c>_out</c> (m × dim).</summary>
    /// <exception cref="LnaException">The integration failed.</exception>
    private void Integrate(Batch batch, ReadOnlySpan<double> parameters)
    {
        int m = batch.Times.Count, dim = _system.Dimension;
        if (_times.Length < m)
        {
            _times = new double[m];
            _out = new double[m * dim];
        }

        for (int j = 0; j < m; j++)
        {
            _times[j] = batch.Times[j].TimeHours;
        }

        Array.Clear(_y0);
        batch.InitialState.AsSpan().CopyTo(_y0);
        if (Model.HasParameterInitialValues)
        {
            ParameterInitialState.Apply(Model, batch.InitiallyMeasured, parameters, _y0);
            ParameterInitialState.Seed(Model, batch.InitiallyMeasured, GradientParameters, _y0.AsSpan(_n));
        }

        var solved = _driver.Solve(_system, batch.Inputs, 0.0, _y0, _times.AsSpan(0, m), _out.AsSpan(0, m * dim));
        if (!solved.Succeeded)
        {
            throw new LnaException($"the mean ODE of model '{Model.Name}' failed in batch '{batch.Id}': {solved.Exit} at t = {solved.ReachedTime:G6} h");
        }
    }

    /// <summary>
    /// The terms of one time that measures observables: with μ, R from the projection at η(t) and their derivatives
    /// μ_k = H η_k + ∂μ/∂θ_k, R_k, each measurement adds −½ (log 2πR + v²/R) (+ −log y if log-normal) and
    /// ∂/∂θ_k = v μ_k / R − ½ R_k / R + ½ v² R_k / R².
    /// </summary>
    private double Observables(ObservationTime obs, ReadOnlySpan<double> row, MeasurementNoise noise, InputSchedule? inputs, Span<double> gradient)
    {
        int n = _n, m = obs.Components.Length;
        if (_v.Length < m)
        {
            _v = new double[m];
            _r = new double[m];
            _muk = new double[m];
            _rk = new double[m];
            _rows = new double[m * n];
        }

        row[..n].CopyTo(_eta);
        _projection.Project(obs, noise, _eta, obs.TimeHours, inputs, rowSensitivities: false, _v, _rows, _r);
        double ll = _projection.LogJacobian;
        for (int a = 0; a < m; a++)
        {
            ll -= 0.5 * (Math.Log(2 * Math.PI * _r[a]) + (_v[a] * _v[a] / _r[a]));
        }

        for (int k = 0; k < _q; k++)
        {
            _projection.Sensitivity(k, obs, noise, row.Slice(n + (k * n), n), _muk, [], _rk);
            double g = 0;
            for (int a = 0; a < m; a++)
            {
                double s = _r[a], v = _v[a];
                g += (v * _muk[a] / s) - (0.5 * _rk[a] / s) + (0.5 * v * v * _rk[a] / (s * s));
            }

            gradient[k] += g;
        }

        return ll;
    }
}

/// <summary>
/// The mean ODE with forward sensitivities, y = [η | η_1 | … | η_q]: dη/dt = b(η; θ), dη_k/dt = F η_k + ∂b/∂θ_k with
/// F = ∂b/∂z(η) (sparse pattern). Its Jacobian is block lower-triangular with F on every diagonal block, so an implicit
/// stage is solved by Newton on η alone (<see cref="DriftStageSolver"/>) and then, with the same factors of
/// I − hγF(η), one linear solve per sensitivity: (I − hγF) η_k = v_k + hγ ∂b/∂θ_k — the exact stage solution, so the
/// sensitivities are the derivatives of the discrete solution. Allocation-free.
/// </summary>
internal sealed class MeanSensitivitySystem : IImplicitStageSystem, IModelSystem, IOdeRootSystem
{
    private readonly CompiledEvents _events;
    private readonly EventJump _jump;

    private readonly CompiledModel _m;
    private readonly int _n, _p;
    private readonly int[] _sens, _patternRow, _patternCol;
    private readonly double[] _f, _fp;
    private readonly DriftStageSolver _stage;

    public MeanSensitivitySystem(ReactionNetwork model, int[] sensitivityParameters)
    {
        _m = model.Compiled;
        _n = _m.StateDimension;
        _p = _m.ParameterCount;
        _sens = sensitivityParameters;
        Arguments = new ModelArguments(model);
        _f = new double[_n * _n];
        _fp = new double[_n * _p];
        (_patternRow, _patternCol) = _m.DriftStateJacobianRowsAndColumns();
        _stage = new DriftStageSolver(_m);
        Dimension = _n * (1 + sensitivityParameters.Length);
        _events = model.CompiledEvents;
        _jump = new EventJump(model);
    }

    public int RootCount => _events.RootCount;

    public bool CarriesDerivatives => _sens.Length > 0;

    public void Roots(double t, double[] y, double[] roots)
    {
        Arguments.At(t);
        _events.Roots(y, Arguments.Values, roots);
    }

    public void ApplyEvent(int index, double t, double[] y, bool triggered)
    {
        Arguments.At(t);
        _jump.Apply(index, Arguments, y, triggered, _sens, _n, _n);
    }

    /// <summary>θ (natural scale, all model parameters), t and the inputs.</summary>
    public ModelArguments Arguments { get; }

    public int Dimension { get; }

    public int NonNegativeComponents => _n;

    public void Evaluate(double t, double[] y, double[] dy)
    {
        int n = _n, p = _p;
        Arguments.At(t);
        double[] theta = Arguments.Values;
        _m.Drift(y, theta, dy);
        if (_sens.Length == 0)
        {
            return;
        }

        _m.DriftStateJacobian(y, theta, _f);
        _m.DriftParameterJacobian(y, theta, _fp);
        for (int k = 0; k < _sens.Length; k++)
        {
            int pk = _sens[k], off = n + (k * n);
            for (int i = 0; i < n; i++)
            {
                dy[off + i] = _fp[(i * p) + pk];
            }

            for (int e = 0; e < _patternRow.Length; e++)
            {
                int i = _patternRow[e], l = _patternCol[e];
                dy[off + i] += _f[(i * n) + l] * y[off + l];
            }
        }
    }

    public bool SolveStage(double t, double hGamma, double[] v, double[] y, double[] k, in NewtonTolerance tolerance)
    {
        int n = _n, p = _p;
        Arguments.At(t);
        double[] theta = Arguments.Values;
        if (!_stage.SolveMean(hGamma, v, y, theta, tolerance))
        {
            return false;
        }

        double inv = 1.0 / hGamma;
        for (int i = 0; i < n; i++)
        {
            k[i] = (y[i] - v[i]) * inv;
        }

        if (_sens.Length == 0)
        {
            return true;
        }

        _m.DriftParameterJacobian(y, theta, _fp);
        for (int s = 0; s < _sens.Length; s++)
        {
            int pk = _sens[s], off = n + (s * n);
            var block = y.AsSpan(off, n);
            for (int i = 0; i < n; i++)
            {
                block[i] = v[off + i] + (hGamma * _fp[(i * p) + pk]);
            }

            _stage.SolveLinear(block);
            for (int i = 0; i < n; i++)
            {
                k[off + i] = (block[i] - v[off + i]) * inv;
            }
        }

        return true;
    }

    public double SpectralRadius(double t, double[] y)
    {
        Arguments.At(t);
        return _stage.SpectralRadius(y, Arguments.Values);
    }
}
