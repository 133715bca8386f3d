using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Inference;

/// <summary>
/// The measurement model of one observation time, linearised at the state mean η: for each measured channel a
/// (a state component c, or an observable o with h_o(z; θ, t, u)) its prediction μ_a, its row H_a = ∂μ_a/∂z and its
/// variance R_a, on the scale the channel is measured on:
/// <code>
/// state c:            μ = η_c,            H = e_c,                 R = σ² + (ρ y)²   (MeasurementNoise)
/// normal observable:  μ = h(η),           H = ∂h/∂z(η),            R = σ(η)² (SD formula) or σ² + (ρ y)²
/// log-normal:         μ = log h(η),       H = ∂h/∂z / h,           R as above on the log scale; ỹ = log y
/// </code>
/// and their derivatives by a gradient parameter θ_k through the mean's sensitivity η_k:
/// <code>
/// μ_k = H η_k + ∂μ/∂θ_k,   H_k = Σ_l ∂H/∂z_l η_k,l + ∂H/∂θ_k,   R_k = 2σ (∂σ/∂z η_k + ∂σ/∂θ_k)
/// </code>
/// (for log-normal, H̃_k = H_k/h − H h_k/h² with h_k = H η_k + ∂h/∂θ_k). Linear observables with constant noise make
/// this exact; otherwise it is the first-order (extended Kalman) measurement update of the LNA, exact in the limit
/// of small Ψ, and exact for the ODE likelihood, which has Ψ = 0. A log-normal measurement's density in y adds
/// −log y (<see cref="LogJacobian"/>). Buffers grow to the largest time once; no allocation after that.
/// Not thread-safe.
/// </summary>
internal sealed class ObservationProjection
{
    private readonly CompiledObservables _obs;
    private readonly ModelArguments _args;
    private readonly int _n, _p;
    private readonly int[] _gradientParameters;
    private readonly double[] _h, _hz, _hp, _sd, _sdz, _sdp;
    private double[] _stateHessian = [], _mixedHessian = [];
    private double[] _sigma = new double[4];

    /// <summary>Creates the projection for a model and the indices into θ of the gradient parameters.</summary>
    public ObservationProjection(ReactionNetwork model, IReadOnlyList<int> gradientParameters)
    {
        _obs = model.CompiledObservables;
        _n = model.StateDimension;
        _p = model.Parameters.Count;
        int o = _obs.Count;
        _gradientParameters = [.. gradientParameters];
        _args = new ModelArguments(model);
        _h = new double[o];
        _hz = new double[o * _n];
        _hp = new double[o * _p];
        _sd = new double[o];
        _sdz = new double[o * _n];
        _sdp = new double[o * _p];
    }

    /// <summary>Σ −log y_a over the log-normal channels of the last <see cref="Project"/> (the density's change of variable).</summary>
    public double LogJacobian { get; private set; }

    /// <summary>True when every channel of <paramref name="obs"/> is a state component (the plain selection H = e_c).</summary>
    public static bool IsDirect(ObservationTime obs, int stateDimension) =>
        obs.Components.Length == 0 || obs.Components[^1] < stateDimension;

    /// <summary>θ (natural scale, all model parameters).</summary>
    public void SetParameters(ReadOnlySpan<double> theta) => _args.SetParameters(theta);

    /// <summary>
    /// Evaluates the measurement model at (η, t): the residuals v_a = ỹ_a − μ_a, the rows H (m × n, row-major) and the
    /// variances R_a. With <paramref name="rowSensitivities"/> the second derivatives of the observables are evaluated
    /// too, for <see cref="Sensitivity"/> to give H_k.
    /// </summary>
    /// <exception cref="LnaException">A log-normal channel's measurement or prediction is not positive, or an SD
    /// formula is not positive.</exception>
    public void Project(ObservationTime obs, MeasurementNoise noise, double[] eta, double t, InputSchedule? inputs, bool rowSensitivities,
        Span<double> v, Span<double> h, Span<double> r)
    {
        int n = _n, m = obs.Components.Length;
        _args.SetSegment(inputs, t, t);
        _args.At(t);
        double[] a = _args.Values;
        _obs.Values(eta, a, _h);
        _obs.StateJacobian(eta, a, _hz);
        _obs.ParameterJacobian(eta, a, _hp);
        _obs.StandardDeviations(eta, a, _sd);
        _obs.StandardDeviationJacobians(eta, a, _sdz, _sdp);
        if (rowSensitivities)
        {
            EvaluateHessians(eta, a);
        }

        if (_sigma.Length < m)
        {
            _sigma = new double[m];
        }

        h[..(m * n)].Clear();
        double logJacobian = 0;
        for (int i = 0; i < m; i++)
        {
            int c = obs.Components[i];
            double y = obs.Values[i];
            var row = h.Slice(i * n, n);
            if (c < n)
            {
                v[i] = y - eta[c];
                row[c] = 1.0;
                r[i] = noise.Variance(c, y);
                continue;
            }

            int o = c - n;
            double mu = _h[o];
            for (int l = 0; l < n; l++)
            {
                row[l] = _hz[(o * n) + l];
            }

            if (noise.IsLogNormal(c))
            {
                if (!(y > 0) || !(mu > 0))
                {
                    throw new LnaException($"{_obs.Definitions[o].Name} is log-normal: its measurement ({y:G6}) and prediction ({mu:G6}) at t = {t:G6} h must be > 0");
                }

                v[i] = Math.Log(y) - Math.Log(mu);
                for (int l = 0; l < n; l++)
                {
                    row[l] /= mu;
                }

                logJacobian -= Math.Log(y);
            }
            else
            {
                v[i] = y - mu;
            }

            if (noise.HasFormula(c))
            {
                double s = _sd[o];
                if (!(s > 0) || !double.IsFinite(s))
                {
                    throw new LnaException($"the noise SD formula of {_obs.Definitions[o].Name} is {s:G6} at t = {t:G6} h: it must be > 0");
                }

                _sigma[i] = s;
                r[i] = (s * s) + noise.FloorVariance;
            }
            else
            {
                _sigma[i] = 0;
                r[i] = noise.Variance(c, y);
            }
        }

        LogJacobian = logJacobian;
    }

    /// <summary>
    /// The derivatives by gradient parameter <paramref name="k"/> of the last <see cref="Project"/>: μ_k (so v_k = −μ_k),
    /// H_k (m × n; pass an empty span to skip) and R_k, given the mean's sensitivity η_k.
    /// </summary>
    public void Sensitivity(int k, ObservationTime obs, MeasurementNoise noise, ReadOnlySpan<double> etak, Span<double> muk, Span<double> hk, Span<double> rk)
    {
        int n = _n, m = obs.Components.Length, pk = _gradientParameters[k];
        bool rows = hk.Length > 0;
        if (rows)
        {
            hk[..(m * n)].Clear();
        }

        for (int i = 0; i < m; i++)
        {
            int c = obs.Components[i];
            if (c < n)
            {
                muk[i] = etak[c];
                rk[i] = 0;
                continue;
            }

            int o = c - n;
            double dh = _hp[(o * _p) + pk];
            for (int l = 0; l < n; l++)
            {
                dh += _hz[(o * n) + l] * etak[l];
            }

            bool log = noise.IsLogNormal(c);
            double mu = _h[o];
            muk[i] = log ? dh / mu : dh;
            if (noise.HasFormula(c))
            {
                double ds = _sdp[(o * _p) + pk];
                for (int l = 0; l < n; l++)
                {
                    ds += _sdz[(o * n) + l] * etak[l];
                }

                rk[i] = 2 * _sigma[i] * ds;
            }
            else
            {
                rk[i] = 0;
            }

            if (rows)
            {
                var row = hk.Slice(i * n, n);
                AddRowSensitivity(o, pk, etak, row);
                if (log)
                {
                    // H̃_k = H_k / h − H h_k / h²
                    for (int l = 0; l < n; l++)
                    {
                        row[l] = (row[l] / mu) - (_hz[(o * n) + l] * dh / (mu * mu));
                    }
                }
            }
        }
    }

    /// <summary>row += Σ_l ∂²h_o/∂z∂z_l η_k,l + ∂²h_o/∂z∂θ_pk (from the Hessians evaluated by the last Project).</summary>
    private void AddRowSensitivity(int o, int pk, ReadOnlySpan<double> etak, Span<double> row)
    {
        var sh = _obs.StateHessian;
        for (int e = 0; e < sh.Count; e++)
        {
            if (sh.Output[e] == o)
            {
                row[sh.First[e]] += _stateHessian[e] * etak[sh.Second[e]];
            }
        }

        var mh = _obs.MixedHessian;
        for (int e = 0; e < mh.Count; e++)
        {
            if (mh.Output[e] == o && mh.Second[e] == pk)
            {
                row[mh.First[e]] += _mixedHessian[e];
            }
        }
    }

    private void EvaluateHessians(double[] eta, double[] a)
    {
        _obs.StateHessian.Evaluate(eta, a, ref _stateHessian);
        _obs.MixedHessian.Evaluate(eta, a, ref _mixedHessian);
    }
}
