using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Core.Lna;

/// <summary>
/// Model events on the LNA state (packed y = [η | Ψ | (η_k | Ψ_k)…]): the mean and its sensitivities jump as in
/// <see cref="EventJump"/>; the covariance follows the linearised jump, Ψ⁺ = S Ψ Sᵀ with S the saltation matrix (H at a
/// fixed time), and at a fixed time its sensitivities are
/// <code>
/// Ψ_k⁺ = H_k Ψ Hᵀ + H Ψ_k Hᵀ + H Ψ H_kᵀ,   H_k = Σ_j ∂H/∂z_j η_k,j + ∂H/∂θ_k
/// </code>
/// (η_k before the jump). Root functions are the triggers evaluated at the mean.
/// </summary>
internal sealed partial class LnaSystem : IModelSystem, IOdeRootSystem
{
    private EventJump _jump = null!;
    private double[] _etaBefore = [], _hk = [], _eventValues = [];

    public int RootCount => _model.CompiledEvents.RootCount;

    public void Roots(double t, double[] y, double[] roots)
    {
        Arguments.At(t);
        _model.CompiledEvents.Roots(y, Parameters, roots);
    }

    public void ApplyEvent(int index, double t, double[] y, bool triggered)
    {
        int n = _n, np = _np, block = _block;
        if (triggered && _q > 0)
        {
            throw new LnaException($"model '{_model.Name}': forward sensitivities of the LNA covariance across the condition-triggered event '{_model.Events[index].Name}' are not available; use the ODE likelihood, a time event, or the likelihood value without gradient");
        }

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

        _jump.Apply(index, Arguments, y, triggered, _sens, block, block);

        // Ψ⁺ = S Ψ Sᵀ (Ψ in _psi, S Ψ in _m1).
        _packed.Unpack(y.AsSpan(n, np), _psi);
        var s = _jump.Saltation;
        Sandwich(s, _psi, s, y.AsSpan(n, np));
        if (_q == 0)
        {
            return;
        }

        var h = _jump.StateJacobian;
        var zBefore = _jump.StateBefore;
        var stateHessian = _model.CompiledEvents.StateHessian(index);
        var mixedHessian = _model.CompiledEvents.MixedHessian(index);
        int values = Math.Max(stateHessian.Count, mixedHessian.Count);
        if (_eventValues.Length < values)
        {
            _eventValues = new double[values];
        }

        for (int k = 0; k < _q; k++)
        {
            int off = block * (k + 1);
            var etak = _etaBefore.AsSpan(k * n, n);

            // H_k = Σ_j ∂H/∂z_j η_k,j + ∂H/∂θ_k.
            Array.Clear(_hk);
            stateHessian.Evaluate(zBefore, Parameters, _eventValues);
            for (int e = 0; e < stateHessian.Count; e++)
            {
                _hk[(stateHessian.Output[e] * n) + stateHessian.First[e]] += _eventValues[e] * etak[stateHessian.Second[e]];
            }

            mixedHessian.Evaluate(zBefore, Parameters, _eventValues);
            for (int e = 0; e < mixedHessian.Count; e++)
            {
                if (mixedHessian.Second[e] == _sens[k])
                {
                    _hk[(mixedHessian.Output[e] * n) + mixedHessian.First[e]] += _eventValues[e];
                }
            }

            // Ψ_k⁺ = H Ψ_k Hᵀ + (H_k Ψ Hᵀ + H Ψ H_kᵀ): the second term is M + Mᵀ with M = H_k Ψ Hᵀ.
            _packed.Unpack(y.AsSpan(off + n, np), _psik);
            var target = y.AsSpan(off + n, np);
            Sandwich(h, _psik, h, target);
            Multiply(_hk, _psi, _m1);
            Multiply(_m1, h, _fk, transposeRight: true);
            for (int e = 0; e < np; e++)
            {
                int i = _packed.Row[e], j = _packed.Column[e];
                target[e] += _fk[(i * n) + j] + _fk[(j * n) + i];
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
