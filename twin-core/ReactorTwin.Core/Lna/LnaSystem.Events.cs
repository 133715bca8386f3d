using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Core.Lna;

/// <summary>
/// Model events on the LNA state (packed y = [η | Ψ | (η_k | Ψ_k)…]): the mean and its sensitivities jump as in
/// <see cref="EventJump"/>; the covariance follows the linearised jump, Ψ⁺ = S Ψ Sᵀ with S the saltation matrix (H at a
/// fixed time), and its sensitivities are
/// <code>
/// Ψ_k⁺ = S (Ψ_k + Ψ̇⁻ dτ_k) Sᵀ + S_k Ψ Sᵀ + S Ψ S_kᵀ − Ψ̇⁺ dτ_k
/// </code>
/// with S_k the total derivative of S by θ_k (through z⁻, θ and the event time; H_k = Σ_j ∂H/∂z_j η_k,j + ∂H/∂θ_k at a
/// fixed time, where dτ_k = 0; <see cref="SaltationDerivative"/> for a triggered event), Ψ̇⁻ and Ψ̇⁺ the covariance's
/// rate just before and after the event, η_k and Ψ_k before the jump. Root functions are the triggers evaluated at the mean.
/// </summary>
internal sealed partial class LnaSystem : IModelSystem, IOdeRootSystem
{
    private EventJump _jump = null!;
    private double[] _etaBefore = [], _hk = [], _stateHessianValues = [], _mixedHessianValues = [];

    public int RootCount => _model.CompiledEvents.RootCount;

    /// <summary>Always: y carries the covariance.</summary>
    public bool CarriesDerivatives => true;

    public void Roots(double t, double[] y, double[] roots)
    {
        Arguments.At(t);
        _model.CompiledEvents.Roots(y, Parameters, roots);
    }

    public void ApplyEvent(int index, double t, double[] y, bool triggered)
    {
        int n = _n, np = _np, block = _block;
        bool salted = triggered && _q > 0;
        bool byDifferences = salted && SaltationReadsTime(index);

        Arguments.At(t);
        _jump ??= new EventJump(_model);
        if (_etaBefore.Length == 0)
        {
            _etaBefore = new double[Math.Max(1, _q) * n];
            _hk = new double[n * n];
        }

        for (int k = 0; k < _q; k++)
        {
            y.AsSpan(block * (k + 1), n).CopyTo(_etaBefore.AsSpan(k * n, n));
        }

        if (salted)
        {
            y.AsSpan(0, n + np).CopyTo(SaltationBuffers.YBefore);
        }

        _jump.Apply(index, Arguments, y, triggered, _sens, block, block);

        // Ψ⁺ = S Ψ Sᵀ (Ψ in _psi).
        _packed.Unpack(y.AsSpan(n, np), _psi);
        var s = _jump.Saltation;
        Sandwich(s, _psi, s, y.AsSpan(n, np));
        if (_q == 0)
        {
            return;
        }

        if (salted && !byDifferences)
        {
            PrepareSaltationDerivatives(y);
        }
        else if (salted)
        {
            PrepareSaltationRates(y);
        }

        var zBefore = _jump.StateBefore;
        var stateHessian = _model.CompiledEvents.StateHessian(index);
        var mixedHessian = _model.CompiledEvents.MixedHessian(index);
        // The second derivatives of the assignments at the state before the event, once for every parameter.
        stateHessian.Evaluate(zBefore, Parameters, ref _stateHessianValues);
        mixedHessian.Evaluate(zBefore, Parameters, ref _mixedHessianValues);

        Span<double> dz = stackalloc double[n];
        for (int k = 0; k < _q; k++)
        {
            int off = block * (k + 1);
            double dTau = salted ? _jump.TimeShifts[k] : 0.0;

            // dz⁻ = η_k + f⁻ dτ_k, the total derivative of the state where the event happens.
            for (int i = 0; i < n; i++)
            {
                dz[i] = _etaBefore[(k * n) + i] + (salted ? _jump.DriftBefore[i] * dTau : 0.0);
            }

            // H_k = Σ_j ∂H/∂z_j dz⁻_j + ∂H/∂θ_k, then S_k.
            Array.Clear(_hk);
            for (int e = 0; e < stateHessian.Count; e++)
            {
                _hk[(stateHessian.Output[e] * n) + stateHessian.First[e]] += _stateHessianValues[e] * dz[stateHessian.Second[e]];
            }

            for (int e = 0; e < mixedHessian.Count; e++)
            {
                if (mixedHessian.Second[e] == _sens[k])
                {
                    _hk[(mixedHessian.Output[e] * n) + mixedHessian.First[e]] += _mixedHessianValues[e];
                }
            }

            if (byDifferences)
            {
                SaltationDerivativeByDifferences(index, k, t, dz, dTau, _hk); // S_k itself (H_k included)
            }
            else if (salted)
            {
                SaltationDerivative(k, dz, _hk);
            }

            // Ψ_k⁺ = S Ψ̃_k Sᵀ + (M + Mᵀ) − Ψ̇⁺ dτ_k with Ψ̃_k = Ψ_k + Ψ̇⁻ dτ_k and M = S_k Ψ Sᵀ.
            _packed.Unpack(y.AsSpan(off + n, np), _psik);
            if (salted)
            {
                for (int e = 0; e < n * n; e++)
                {
                    _psik[e] += SaltationBuffers.PsiRateBefore[e] * dTau;
                }
            }

            var target = y.AsSpan(off + n, np);
            Sandwich(s, _psik, s, target);
            Multiply(_hk, _psi, _m1);
            Multiply(_m1, s, _fk, transposeRight: true);
            for (int e = 0; e < np; e++)
            {
                int i = _packed.Row[e], j = _packed.Column[e];
                target[e] += _fk[(i * n) + j] + _fk[(j * n) + i];
                if (salted)
                {
                    target[e] -= SaltationBuffers.RateAfter[n + e] * dTau;
                }
            }
        }
    }

    /// <summary>packed(A X Bᵀ) into <paramref name="target"/> (A X into _m1, the product into _fk).</summary>
    private void Sandwich(double[] a, double[] x, double[] b, Span<double> target)
    {
        Multiply(a, x, _m1);
        Multiply(_m1, b, _fk, transposeRight: true);
        for (int e = 0; e < target.Length; e++)
        {
            target[e] = _fk[(_packed.Row[e] * _n) + _packed.Column[e]];
        }
    }

    /// <summary>c = a b (or a bᵀ), n × n.</summary>
    private void Multiply(double[] a, double[] b, double[] c, bool transposeRight = false)
    {
        int n = _n;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int l = 0; l < n; l++)
                {
                    sum += a[(i * n) + l] * (transposeRight ? b[(j * n) + l] : b[(l * n) + j]);
                }

                c[(i * n) + j] = sum;
            }
        }
    }
}
