using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Simulation;

/// <summary>
/// Applies a model event to a state and its forward sensitivities (<see cref="CompiledEvents"/> states the
/// equations): z⁺ = h(z⁻), s_k⁺ = H s_k⁻ + ∂h/∂θ_k + w dτ/dθ_k with w = H f⁻ + ∂h/∂t − f⁺ for a triggered event (w = 0
/// at a fixed time). Also gives the saltation matrix S = H − w ∂g/∂zᵀ / (∂g/∂z·f⁻ + ∂g/∂t), the linearisation of the
/// jump that maps a perturbation of z⁻ to one of z⁺ (= H at a fixed time), which the LNA applies to the covariance.
/// Allocation-free after construction; not thread-safe.
/// </summary>
internal sealed class EventJump
{
    private readonly CompiledModel _m;
    private readonly CompiledEvents _events;
    private readonly int _n, _p, _inputs;
    private readonly double[] _zMinus, _zPlus, _fMinus, _fPlus, _h, _hp, _ht, _w, _gz, _gp, _gt;
    private double[] _dTau = [];

    public EventJump(ReactionNetwork model)
    {
        _m = model.Compiled;
        _events = model.CompiledEvents;
        _n = _m.StateDimension;
        _p = _m.ParameterCount;
        _inputs = _m.InputCount;
        int n = _n, roots = Math.Max(1, _events.RootCount);
        _zMinus = new double[n];
        _zPlus = new double[n];
        _fMinus = new double[n];
        _fPlus = new double[n];
        _h = new double[n * n];
        _hp = new double[n * _p];
        _ht = new double[n * (1 + _inputs)];
        _w = new double[n];
        _gz = new double[roots * n];
        _gp = new double[roots * _p];
        _gt = new double[roots * (1 + _inputs)];
        Saltation = new double[n * n];
    }

    /// <summary>The saltation matrix of the last <see cref="Apply"/> (n × n, row-major; H for a time event).</summary>
    public double[] Saltation { get; }

    /// <summary>H = ∂h/∂z of the last <see cref="Apply"/>.</summary>
    public double[] StateJacobian => _h;

    /// <summary>The state just before the last <see cref="Apply"/>.</summary>
    public double[] StateBefore => _zMinus;

    /// <summary>The state just after the last <see cref="Apply"/>, h(z⁻).</summary>
    public double[] StateAfter => _zPlus;

    /// <summary>The root function of the last <see cref="Apply"/> if it was a triggered event, else −1.</summary>
    public int Root { get; private set; } = -1;

    /// <summary>For a triggered event: f⁻ and f⁺, the drift just before and after it (stale otherwise).</summary>
    public double[] DriftBefore => _fMinus;

    /// <inheritdoc cref="DriftBefore"/>
    public double[] DriftAfter => _fPlus;

    /// <summary>For a triggered event: w = H f⁻ + ∂h/∂t − f⁺.</summary>
    public double[] Shift => _w;

    /// <summary>For a triggered event: ∂g/∂z of its root function (length n) and D = ∂g/∂z·f⁻ + ∂g/∂t.</summary>
    public ReadOnlySpan<double> RootStateGradient => _gz.AsSpan(Math.Max(Root, 0) * _n, _n);

    /// <inheritdoc cref="RootStateGradient"/>
    public double Denominator { get; private set; }

    /// <summary>∂h/∂θ (n × p) of the last <see cref="Apply"/> with sensitivities.</summary>
    public double[] ParameterJacobian => _hp;

    /// <summary>dτ/dθ_k per sensitivity of the last <see cref="Apply"/> (0 at a fixed time).</summary>
    public ReadOnlySpan<double> TimeShifts => _dTau;

    /// <summary>
    /// Applies event <paramref name="e"/> at the time already set in <paramref name="arguments"/>: the state
    /// y[0..n) and the q sensitivity blocks y[offset(k)..offset(k) + n), offset(k) = <paramref name="first"/> +
    /// k·<paramref name="stride"/>, by the parameters <paramref name="sensitivities"/>.
    /// </summary>
    /// <exception cref="Lna.LnaException">A triggered event whose trigger is crossed tangentially (∂g/∂z·f + ∂g/∂t = 0), where its time has no derivative.</exception>
    public void Apply(int e, ModelArguments arguments, double[] y, bool triggered, int[] sensitivities, int first, int stride)
    {
        int n = _n, p = _p;
        double[] args = arguments.Values;
        y.AsSpan(0, n).CopyTo(_zMinus);
        _events.Apply(e, _zMinus, args, _zPlus);
        _events.StateJacobian(e, _zMinus, args, _h);
        _h.AsSpan().CopyTo(Saltation);
        int root = triggered ? Array.IndexOf(_events.RootEvent, e) : -1;
        Root = root;
        if (_dTau.Length < sensitivities.Length)
        {
            _dTau = new double[sensitivities.Length];
        }

        double denominator = 0;
        if (root >= 0)
        {
            _m.Drift(_zMinus, args, _fMinus);
            _m.Drift(_zPlus, args, _fPlus);
            _events.TimeDerivative(e, _zMinus, args, _ht);
            _events.RootGradients(_zMinus, args, _gz, _gp, _gt);
            int tc = 1 + _inputs;
            denominator = TimeRate(_gt.AsSpan(root * tc, tc), arguments);
            for (int l = 0; l < n; l++)
            {
                denominator += _gz[(root * n) + l] * _fMinus[l];
            }

            if (!(Math.Abs(denominator) > 0))
            {
                throw new Lna.LnaException($"event {e} is triggered where its condition is only touched, not crossed: its time has no derivative");
            }

            for (int i = 0; i < n; i++)
            {
                double w = TimeRate(_ht.AsSpan(i * tc, tc), arguments) - _fPlus[i];
                for (int l = 0; l < n; l++)
                {
                    w += _h[(i * n) + l] * _fMinus[l];
                }

                _w[i] = w;
                for (int l = 0; l < n; l++)
                {
                    Saltation[(i * n) + l] -= w * _gz[(root * n) + l] / denominator;
                }
            }
        }

        Denominator = denominator;
        if (sensitivities.Length > 0)
        {
            _events.ParameterJacobian(e, _zMinus, args, _hp);
        }

        Span<double> sMinus = stackalloc double[n];
        for (int k = 0; k < sensitivities.Length; k++)
        {
            int pk = sensitivities[k];
            var s = y.AsSpan(first + (k * stride), n);
            s.CopyTo(sMinus);
            double dTau = 0;
            if (root >= 0)
            {
                double num = _gp[(root * p) + pk];
                for (int l = 0; l < n; l++)
                {
                    num += _gz[(root * n) + l] * sMinus[l];
                }

                dTau = -num / denominator;
            }

            _dTau[k] = dTau;

            for (int i = 0; i < n; i++)
            {
                double v = _hp[(i * p) + pk] + (root >= 0 ? _w[i] * dTau : 0.0);
                for (int l = 0; l < n; l++)
                {
                    v += _h[(i * n) + l] * sMinus[l];
                }

                s[i] = v;
            }
        }

        _zPlus.AsSpan().CopyTo(y);
    }

    /// <summary>d/dt of a formula with explicit time derivative d[0] and input derivatives d[1 + i]: d[0] + Σ d[1+i] du_i/dt.</summary>
    private double TimeRate(ReadOnlySpan<double> d, ModelArguments arguments)
    {
        double v = d[0];
        for (int i = 0; i < _inputs; i++)
        {
            v += d[1 + i] * arguments.Slope(i);
        }

        return v;
    }
}
