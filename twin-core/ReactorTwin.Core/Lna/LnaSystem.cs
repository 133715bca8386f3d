using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Core.Lna;

/// <summary>
/// The LNA moment equations with forward sensitivities as one ODE system (seed 001 eq. 12–13, Lemma 2):
/// <code>
/// dη/dt   = b(η; θ)
/// dΨ/dt   = FΨ + ΨFᵀ + D,                      F = ∂b/∂z(η), D = Σ_r a_r(η) s_r s_rᵀ / Ω
/// dη_k/dt = F η_k + ∂b/∂θ_k
/// dΨ_k/dt = F_k Ψ + Ψ F_kᵀ + F Ψ_k + Ψ_k Fᵀ + D_k,
///           F_k = Σ_j ∂F/∂z_j η_k,j + ∂F/∂θ_k,   D_k = Σ_r (∂a_r/∂z η_k + ∂a_r/∂θ_k) s_r s_rᵀ / Ω
/// </code>
/// where s_r is the species part of the stoichiometry column of a stochastic channel (cell densities carry no
/// diffusion, ADR 0002) and η_k = ∂η/∂θ_k, Ψ_k = ∂Ψ/∂θ_k. Because Ψ and Ψ_k are symmetric, FΨ + ΨFᵀ = M + Mᵀ with
/// M = FΨ, which halves the work. Layout of y: [η | Ψ | (η_k | Ψ_k) for k = 1..q]. Allocation-free.
/// </summary>
internal sealed class LnaSystem : IOdeSystem
{
    private readonly CompiledModel _m;
    private readonly int _n, _r, _p, _q;
    private readonly int[] _sens;
    private readonly double _invOmega;
    private readonly double[] _rates, _rateJz, _rateJp, _f, _fp, _h1, _h2, _work, _fk, _ak, _noiseOuter;
    private readonly int[] _patternRow, _patternCol;
    private readonly int[][] _h2ForSensitivity;
    private readonly int _ns;

    public LnaSystem(ReactionNetwork model, int[] sensitivityParameters, double systemSize)
    {
        _m = model.Compiled;
        _n = _m.StateDimension;
        _r = _m.ChannelCount;
        _p = _m.ParameterCount;
        _q = sensitivityParameters.Length;
        _sens = sensitivityParameters;
        _invOmega = 1.0 / systemSize;
        Parameters = new double[_p];
        _rates = new double[_r];
        _rateJz = new double[_r * _n];
        _rateJp = new double[_r * _p];
        _f = new double[_n * _n];
        _fp = new double[_n * _p];
        _work = new double[_n * _n];
        _fk = new double[_n * _n];
        _ak = new double[_r];
        _ns = _m.SpeciesCount;
        (_patternRow, _patternCol) = _m.DriftStateJacobianRowsAndColumns();
        if (_q > 0)
        {
            _h1 = new double[_m.DriftStateHessian.Count];
            _h2 = new double[_m.DriftMixedHessian.Count];
        }
        else
        {
            _h1 = [];
            _h2 = [];
        }

        // For each sensitivity parameter, the entries of ∂F/∂θ that belong to it (bucketed once, not searched per call).
        _h2ForSensitivity = new int[_q][];
        for (int k = 0; k < _q; k++)
        {
            var second = _q > 0 ? _m.DriftMixedHessian.Second : default;
            var list = new List<int>();
            for (int e = 0; e < second.Length; e++)
            {
                if (second[e] == sensitivityParameters[k])
                {
                    list.Add(e);
                }
            }

            _h2ForSensitivity[k] = [.. list];
        }

        // s_r s_rᵀ over species rows, precomputed per channel (zero for deterministic channels).
        _noiseOuter = new double[_r * _n * _n];
        var st = _m.Stoichiometry;
        for (int c = 0; c < _r; c++)
        {
            if (!_m.IsStochasticChannel(c))
            {
                continue;
            }

            for (int i = 0; i < _m.SpeciesCount; i++)
            {
                for (int j = 0; j < _m.SpeciesCount; j++)
                {
                    _noiseOuter[(c * _n * _n) + (i * _n) + j] = st[(i * _r) + c] * st[(j * _r) + c];
                }
            }
        }

        Dimension = _n + (_n * _n) + (_q * (_n + (_n * _n)));
    }

    /// <summary>θ used by <see cref="Evaluate"/> (natural scale, all model parameters).</summary>
    public double[] Parameters { get; }

    public int Dimension { get; }

    public void Evaluate(double t, double[] y, double[] dy)
    {
        int n = _n, nn = n * n, r = _r, p = _p;
        double[] theta = Parameters;

        // y starts with η, so the compiled functions can read it as the state directly.
        _m.Rates(y, theta, _rates);
        _m.Drift(y, theta, dy);
        _m.DriftStateJacobian(y, theta, _f);

        var psi = y.AsSpan(n, nn);
        var dpsi = dy.AsSpan(n, nn);
        Array.Clear(_work);
        AddPatternProduct(_f, psi, _work);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                dpsi[(i * n) + j] = _work[(i * n) + j] + _work[(j * n) + i];
            }
        }

        AddNoise(_rates, dpsi, clampNegative: true);
        if (_q == 0)
        {
            return;
        }

        _m.DriftParameterJacobian(y, theta, _fp);
        _m.RateStateJacobian(y, theta, _rateJz);
        _m.RateParameterJacobian(y, theta, _rateJp);
        var h1 = _m.DriftStateHessian;
        var h2 = _m.DriftMixedHessian;
        h1.Evaluate(y, theta, _h1);
        h2.Evaluate(y, theta, _h2);
        var h1i = h1.Output;
        var h1l = h1.First;
        var h1c = h1.Second;
        var h2i = h2.Output;
        var h2l = h2.First;

        for (int k = 0; k < _q; k++)
        {
            int pk = _sens[k];
            int off = n + nn + (k * (n + nn));
            var etak = y.AsSpan(off, n);
            var psik = y.AsSpan(off + n, nn);
            var detak = dy.AsSpan(off, n);
            var dpsik = dy.AsSpan(off + n, nn);

            // dη_k = F η_k + ∂b/∂θ_k
            for (int i = 0; i < n; i++)
            {
                double s = _fp[(i * p) + pk];
                for (int j = 0; j < n; j++)
                {
                    s += _f[(i * n) + j] * etak[j];
                }

                detak[i] = s;
            }

            // F_k = Σ_j ∂F/∂z_j η_k,j + ∂F/∂θ_k
            Array.Clear(_fk);
            for (int e = 0; e < h1i.Length; e++)
            {
                _fk[(h1i[e] * n) + h1l[e]] += _h1[e] * etak[h1c[e]];
            }

            foreach (int e in _h2ForSensitivity[k])
            {
                _fk[(h2i[e] * n) + h2l[e]] += _h2[e];
            }

            // M_k = F_k Ψ + F Ψ_k ; dΨ_k = M_k + M_kᵀ + D_k (F_k shares F's sparsity pattern)
            Array.Clear(_work);
            AddPatternProduct(_fk, psi, _work);
            AddPatternProduct(_f, psik, _work);

            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    dpsik[(i * n) + j] = _work[(i * n) + j] + _work[(j * n) + i];
                }
            }

            for (int c = 0; c < r; c++)
            {
                double s = _rateJp[(c * p) + pk];
                for (int j = 0; j < n; j++)
                {
                    s += _rateJz[(c * n) + j] * etak[j];
                }

                _ak[c] = _rates[c] > 0 ? s : 0.0; // D uses max(a, 0): no derivative where the rate is cut off
            }

            AddNoise(_ak, dpsik, clampNegative: false);
        }
    }

    /// <summary>result += A·B for n × n matrices where A is non-zero only on the drift-Jacobian pattern.</summary>
    private void AddPatternProduct(double[] a, ReadOnlySpan<double> b, double[] result)
    {
        int n = _n;
        int[] rows = _patternRow, cols = _patternCol;
        for (int e = 0; e < rows.Length; e++)
        {
            int i = rows[e], l = cols[e];
            double v = a[(i * n) + l];
            if (v == 0.0)
            {
                continue;
            }

            var row = b.Slice(l * n, n);
            var target = result.AsSpan(i * n, n);
            for (int j = 0; j < target.Length; j++)
            {
                target[j] += v * row[j];
            }
        }
    }

    /// <summary>
    /// target += Σ_r w_r s_r s_rᵀ / Ω over stochastic channels (w_r ← max(w_r, 0) when clamping rates); only the
    /// species block is touched, the cell-density rows and columns of D are zero.
    /// </summary>
    private void AddNoise(double[] weights, Span<double> target, bool clampNegative)
    {
        int n = _n, nn = n * n, ns = _ns;
        for (int c = 0; c < _r; c++)
        {
            if (!_m.IsStochasticChannel(c))
            {
                continue;
            }

            double w = (clampNegative ? Math.Max(weights[c], 0.0) : weights[c]) * _invOmega;
            if (w == 0.0)
            {
                continue;
            }

            var outer = _noiseOuter.AsSpan(c * nn, nn);
            for (int i = 0; i < ns; i++)
            {
                var o = outer.Slice(i * n, ns);
                var t = target.Slice(i * n, ns);
                for (int j = 0; j < o.Length; j++)
                {
                    t[j] += w * o[j];
                }
            }
        }
    }
}
