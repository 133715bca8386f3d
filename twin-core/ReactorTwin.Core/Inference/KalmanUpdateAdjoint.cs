using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Core.Inference;

/// <summary>
/// Reverse mode through one Kalman update of <see cref="KalmanLnaLikelihood"/>. With the prior (η, Ψ), S = HΨHᵀ + R,
/// v = y − Hη, α = S⁻¹v, K = ΨHᵀS⁻¹ and A = I − KH, the update η⁺ = η + Kv, Ψ⁺ = AΨ (= AΨAᵀ + KRKᵀ) and the term
/// ℓ_j = −½(m log 2π + log det S + vᵀα) have the adjoints (dℓ = η̄ᵀdη + tr(X dΨ), X symmetric)
/// <code>
/// η̄ = Aᵀη̄⁺ + Hᵀα
/// X = Aᵀ X⁺ A + sym(Hᵀα (Aᵀη̄⁺)ᵀ) + Hᵀ(½ααᵀ − ½S⁻¹)H
/// </code>
/// (from dη⁺ = A dη + A dΨ Hᵀα and dΨ⁺ = A dΨ Aᵀ). Packed adjoints are converted on the way in and out: an
/// off-diagonal packed entry stands for two matrix entries. Allocation-free; not thread-safe.
/// </summary>
internal sealed class KalmanUpdateAdjoint
{
    private readonly int _n;
    private readonly PackedSymmetric _packing;
    private double[] _x = [], _t = [], _a = [], _g = [], _k = [], _s = [], _sInv = [], _alpha = [], _col = [], _u = [], _etaBar = [];
    private int _capacity;

    public KalmanUpdateAdjoint(int n, PackedSymmetric packing)
    {
        _n = n;
        _packing = packing;
        EnsureCapacity(n);
    }

    /// <summary>Buffers for max(n, m) measurements at one time (replicates can make m &gt; n); grows once.</summary>
    private void EnsureCapacity(int m)
    {
        int c = Math.Max(m, _n);
        if (c <= _capacity)
        {
            return;
        }

        _capacity = c;
        _x = new double[c * c];
        _t = new double[c * c];
        _a = new double[c * c];
        _g = new double[c * c];
        _k = new double[c * c];
        _s = new double[c * c];
        _sInv = new double[c * c];
        _alpha = new double[c];
        _col = new double[c];
        _u = new double[c];
        _etaBar = new double[c];
    }

    /// <summary>
    /// Takes the adjoint <paramref name="yBar"/> (packed [η̄ | Ψ̄]) of the posterior back to the prior (η, Ψ) of
    /// observation <paramref name="obs"/>, including the derivative of the observation's log-likelihood term.
    /// </summary>
    public void Reverse(ObservationTime obs, MeasurementNoise noise, ReadOnlySpan<double> eta, ReadOnlySpan<double> psi, Span<double> yBar)
    {
        int n = _n, m = obs.Components.Length;
        EnsureCapacity(m);
        var c = obs.Components;

        // S, its inverse (by Cholesky, column by column), v and α = S⁻¹v.
        for (int a = 0; a < m; a++)
        {
            for (int b = 0; b < m; b++)
            {
                _s[(a * m) + b] = psi[(c[a] * n) + c[b]];
            }

            _s[(a * m) + a] += noise.Variance(c[a], obs.Values[a]);
        }

        var chol = _t.AsSpan(0, m * m);
        _s.AsSpan(0, m * m).CopyTo(chol);
        if (!SmallDense.TryCholesky(chol, m))
        {
            throw new LnaException($"the innovation covariance at t = {obs.TimeHours:G6} h is not positive definite");
        }

        for (int a = 0; a < m; a++)
        {
            _alpha[a] = obs.Values[a] - eta[c[a]];
        }

        SmallDense.CholeskySolve(chol, m, _alpha.AsSpan(0, m));
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

        // K = ΨHᵀS⁻¹ (n × m), A = I − KH (n × n).
        for (int i = 0; i < n; i++)
        {
            for (int a = 0; a < m; a++)
            {
                double s = 0;
                for (int b = 0; b < m; b++)
                {
                    s += psi[(i * n) + c[b]] * _sInv[(b * m) + a];
                }

                _k[(i * m) + a] = s;
            }
        }

        Array.Clear(_a);
        for (int i = 0; i < n; i++)
        {
            _a[(i * n) + i] = 1.0;
            for (int a = 0; a < m; a++)
            {
                _a[(i * n) + c[a]] -= _k[(i * m) + a];
            }
        }

        // Incoming adjoints: η̄⁺ and X⁺ from the packed ones.
        yBar[..n].CopyTo(_etaBar);
        var packed = yBar.Slice(n, _packing.Count);
        _packing.Unpack(packed, _x);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                if (i != j)
                {
                    _x[(i * n) + j] *= 0.5;
                }
            }
        }

        // u = Aᵀη̄⁺; η̄ = u + Hᵀα.
        for (int j = 0; j < n; j++)
        {
            double s = 0;
            for (int i = 0; i < n; i++)
            {
                s += _a[(i * n) + j] * _etaBar[i];
            }

            _u[j] = s;
        }

        for (int j = 0; j < n; j++)
        {
            yBar[j] = _u[j];
        }

        for (int a = 0; a < m; a++)
        {
            yBar[c[a]] += _alpha[a];
        }

        // X = AᵀX⁺A (T = X⁺A first).
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int l = 0; l < n; l++)
                {
                    s += _x[(i * n) + l] * _a[(l * n) + j];
                }

                _t[(i * n) + j] = s;
            }
        }

        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int l = 0; l < n; l++)
                {
                    s += _a[(l * n) + i] * _t[(l * n) + j];
                }

                _g[(i * n) + j] = s;
            }
        }

        // + sym(Hᵀα uᵀ) + Hᵀ(½ααᵀ − ½S⁻¹)H.
        for (int a = 0; a < m; a++)
        {
            int ca = c[a];
            for (int j = 0; j < n; j++)
            {
                double v = 0.5 * _alpha[a] * _u[j];
                _g[(ca * n) + j] += v;
                _g[(j * n) + ca] += v;
            }

            for (int b = 0; b < m; b++)
            {
                _g[(ca * n) + c[b]] += 0.5 * ((_alpha[a] * _alpha[b]) - _sInv[(a * m) + b]);
            }
        }

        // Back to packed: a diagonal entry once, an off-diagonal one for both of its matrix entries.
        for (int e = 0; e < packed.Length; e++)
        {
            int i = _packing.Row[e], j = _packing.Column[e];
            packed[e] = i == j ? _g[(i * n) + i] : _g[(i * n) + j] + _g[(j * n) + i];
        }
    }
}
