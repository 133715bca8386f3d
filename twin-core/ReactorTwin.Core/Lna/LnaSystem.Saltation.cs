using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Core.Lna;

/// <summary>
/// The derivative of the saltation matrix S = H − w ∂gᵀ/D (w = H f⁻ − f⁺, D = ∂g·f⁻) of a condition-triggered event by
/// θ_k, for the covariance sensitivities across it. Everything is evaluated where the event happens, z⁻(τ(θ)), so every
/// factor moves with dz⁻ = η_k + f⁻ dτ_k as well as with θ_k itself:
/// <code>
/// df⁻ = F(z⁻) dz⁻ + ∂f/∂θ_k(z⁻),   dz⁺ = H dz⁻ + ∂h/∂θ_k,   df⁺ = F(z⁺) dz⁺ + ∂f/∂θ_k(z⁺)
/// dw = H_k f⁻ + H df⁻ − df⁺,   d∂g = ∂²g/∂z² dz⁻ + ∂²g/∂z∂θ_k,   dD = d∂g·f⁻ + ∂g·df⁻
/// S_k = H_k − (dw ∂gᵀ + w d∂gᵀ)/D + w ∂gᵀ dD/D²
/// </code>
/// (H_k = Σ_j ∂H/∂z_j dz⁻_j + ∂H/∂θ_k). Derived for rates, triggers and assignments that do not read t or an input;
/// for the others S_k is a directional difference quotient (<see cref="SaltationDerivativeByDifferences"/>).
/// </summary>
internal sealed partial class LnaSystem
{
    private SaltationWorkspace? _saltationBuffers;

    private SaltationWorkspace SaltationBuffers => _saltationBuffers ??= new SaltationWorkspace(_n, _np, _p);

    /// <summary>
    /// After the jump (y holds η⁺ and Ψ⁺): the covariance rates Ψ̇⁻ (unpacked) and Ψ̇⁺ (packed, after η̇⁺), the drift
    /// Jacobians at z⁻ and z⁺ and the root function's second derivatives at z⁻.
    /// </summary>
    private void PrepareSaltationDerivatives(double[] y)
    {
        var w = SaltationBuffers;
        double[] args = Parameters;
        PrepareSaltationRates(y);
        _m.DriftStateJacobian(_jump.StateBefore, args, w.JacobianBefore);
        _m.DriftStateJacobian(_jump.StateAfter, args, w.JacobianAfter);
        _m.DriftParameterJacobian(_jump.StateBefore, args, w.ParameterJacobianBefore);
        _m.DriftParameterJacobian(_jump.StateAfter, args, w.ParameterJacobianAfter);
        var events = _model.CompiledEvents;
        w.EnsureRootValues(events.RootStateHessian.Count, events.RootMixedHessian.Count);
        events.RootStateHessian.Evaluate(_jump.StateBefore, args, w.RootStateValues);
        events.RootMixedHessian.Evaluate(_jump.StateBefore, args, w.RootMixedValues);
    }

    /// <summary>After the jump (y holds η⁺ and Ψ⁺): the moments' rates just before (Ψ̇⁻ also unpacked) and after it.</summary>
    private void PrepareSaltationRates(double[] y)
    {
        var w = SaltationBuffers;
        _kernels.Moments(w.YBefore, Parameters, w.RateBefore);
        _packed.Unpack(w.RateBefore.AsSpan(_n, _np), w.PsiRateBefore);
        _kernels.Moments(y, Parameters, w.RateAfter);
    }

    /// <summary>Turns H_k in <paramref name="sk"/> (n × n) into S_k for sensitivity <paramref name="k"/>, given dz⁻.</summary>
    private void SaltationDerivative(int k, ReadOnlySpan<double> dz, double[] sk)
    {
        int n = _n, p = _p, pk = _sens[k], root = _jump.Root;
        var ws = SaltationBuffers;
        var h = _jump.StateJacobian;
        var hp = _jump.ParameterJacobian;
        var fMinus = _jump.DriftBefore;
        var shift = _jump.Shift;
        var gz = _jump.RootStateGradient;
        double d = _jump.Denominator;
        Span<double> dfMinus = ws.DriftChangeBefore, dzPlus = ws.StateChangeAfter, dfPlus = ws.DriftChangeAfter, dw = ws.ShiftChange, dgz = ws.GradientChange;
        for (int i = 0; i < n; i++)
        {
            double a = ws.ParameterJacobianBefore[(i * p) + pk], b = hp[(i * p) + pk];
            for (int l = 0; l < n; l++)
            {
                a += ws.JacobianBefore[(i * n) + l] * dz[l];
                b += h[(i * n) + l] * dz[l];
            }

            dfMinus[i] = a;
            dzPlus[i] = b;
        }

        for (int i = 0; i < n; i++)
        {
            double c = ws.ParameterJacobianAfter[(i * p) + pk];
            double v = 0;
            for (int l = 0; l < n; l++)
            {
                c += ws.JacobianAfter[(i * n) + l] * dzPlus[l];
                v += (sk[(i * n) + l] * fMinus[l]) + (h[(i * n) + l] * dfMinus[l]);
            }

            dfPlus[i] = c;
            dw[i] = v - c;
        }

        dgz.Clear();
        var events = _model.CompiledEvents;
        var gzz = events.RootStateHessian;
        for (int e = 0; e < gzz.Count; e++)
        {
            if (gzz.Output[e] == root)
            {
                dgz[gzz.First[e]] += ws.RootStateValues[e] * dz[gzz.Second[e]];
            }
        }

        var gzp = events.RootMixedHessian;
        for (int e = 0; e < gzp.Count; e++)
        {
            if (gzp.Output[e] == root && gzp.Second[e] == pk)
            {
                dgz[gzp.First[e]] += ws.RootMixedValues[e];
            }
        }

        double dd = 0;
        for (int l = 0; l < n; l++)
        {
            dd += (dgz[l] * fMinus[l]) + (gz[l] * dfMinus[l]);
        }

        for (int i = 0; i < n; i++)
        {
            for (int l = 0; l < n; l++)
            {
                sk[(i * n) + l] += (-((dw[i] * gz[l]) + (shift[i] * dgz[l])) / d) + (shift[i] * gz[l] * dd / (d * d));
            }
        }
    }

    /// <summary>Buffers of the saltation derivative, allocated on the first triggered event with sensitivities.</summary>
    private sealed class SaltationWorkspace(int n, int np, int p)
    {
        public double[] YBefore { get; } = new double[n + np];

        public double[] RateBefore { get; } = new double[n + np];

        public double[] RateAfter { get; } = new double[n + np];

        public double[] PsiRateBefore { get; } = new double[n * n];

        public double[] JacobianBefore { get; } = new double[n * n];

        public double[] JacobianAfter { get; } = new double[n * n];

        public double[] ParameterJacobianBefore { get; } = new double[n * p];

        public double[] ParameterJacobianAfter { get; } = new double[n * p];

        public double[] DriftChangeBefore { get; } = new double[n];

        public double[] StateChangeAfter { get; } = new double[n];

        public double[] DriftChangeAfter { get; } = new double[n];

        public double[] ShiftChange { get; } = new double[n];

        public double[] GradientChange { get; } = new double[n];

        public double[] RootStateValues { get; private set; } = [];

        public double[] RootMixedValues { get; private set; } = [];

        public void EnsureRootValues(int state, int mixed)
        {
            if (RootStateValues.Length < state)
            {
                RootStateValues = new double[state];
            }

            if (RootMixedValues.Length < mixed)
            {
                RootMixedValues = new double[mixed];
            }
        }
    }
}
