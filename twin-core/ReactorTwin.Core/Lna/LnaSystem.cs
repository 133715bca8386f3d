using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Core.Lna;

/// <summary>
/// The LNA moment equations with forward sensitivities as one ODE system (seed 001 eq. 12–13, Lemma 2):
/// <code>
/// dη/dt   = b(η; θ)
/// dΨ/dt   = FΨ + ΨFᵀ + D,                      F = ∂b/∂z(η), D = Σ_r a_r(η)⁺ s_r s_rᵀ / Ω
/// dη_k/dt = F η_k + ∂b/∂θ_k
/// dΨ_k/dt = F_k Ψ + Ψ F_kᵀ + F Ψ_k + Ψ_k Fᵀ + D_k,
///           F_k = Σ_j ∂F/∂z_j η_k,j + ∂F/∂θ_k,   D_k = Σ_r (∂a_r/∂z η_k + ∂a_r/∂θ_k) s_r s_rᵀ / Ω
/// </code>
/// where s_r is the species part of the stoichiometry column of a stochastic channel (cell densities carry no
/// diffusion, ADR 0002) and η_k = ∂η/∂θ_k, Ψ_k = ∂Ψ/∂θ_k. Ψ and Ψ_k are symmetric and stored packed
/// (<see cref="PackedSymmetric"/>, n(n + 1)/2 numbers each), and FΨ + ΨFᵀ = M + Mᵀ with M = FΨ.
/// Layout of y: [η | Ψ | (η_k | Ψ_k) for k = 1..q]. The Jacobian of the whole system is block lower-triangular with
/// diagonal blocks F (means) and the Lyapunov operator X ↦ FX + XFᵀ (covariances), which the implicit stages exploit
/// (LnaSystem.Implicit.cs). Allocation-free.
/// </summary>
internal sealed partial class LnaSystem : IImplicitStageSystem, IOdeErrorScale
{
    private readonly CompiledModel _m;
    private readonly int _n, _r, _p, _q, _np, _block;
    private readonly int[] _sens;
    private readonly double _invOmega;
    private readonly double[] _rates, _rateJz, _rateJp, _f, _fp, _h1, _h2, _m1, _fk, _ak, _psi, _psik;
    private readonly int[] _patternRow, _patternCol;
    private readonly int[][] _h2ForSensitivity;
    private readonly PackedSymmetric _packed;
    private readonly LnaKernels _kernels;

    // Per stochastic channel: the packed species entries of s_r s_rᵀ (index, value and the rows i, j), flattened;
    // values and their derivatives by the sensitivity parameters follow θ when the stoichiometry depends on it.
    private readonly int[] _noiseStart, _noiseIndex, _noiseChannel, _noiseRows;
    private readonly double[] _noiseValue, _noiseDerivative, _stoich, _stoichJp;

    private readonly ReactionNetwork _model;

    public LnaSystem(ReactionNetwork model, int[] sensitivityParameters, double systemSize)
    {
        _model = model;
        _m = model.Compiled;
        _n = _m.StateDimension;
        _r = _m.ChannelCount;
        _p = _m.ParameterCount;
        _q = sensitivityParameters.Length;
        _sens = sensitivityParameters;
        _invOmega = 1.0 / systemSize;
        _kernels = _m.LnaKernels;
        _packed = new PackedSymmetric(_n);
        _np = _packed.Count;
        _block = _n + _np;
        Arguments = new ModelArguments(model, extra: 1);
        Parameters[_m.ArgumentCount] = _invOmega;
        _rates = new double[_r];
        _rateJz = new double[_r * _n];
        _rateJp = new double[_r * _p];
        _f = new double[_n * _n];
        _fp = new double[_n * _p];
        _m1 = new double[_n * _n];
        _fk = new double[_n * _n];
        _psi = new double[_n * _n];
        _psik = new double[_n * _n];
        _ak = new double[_r];
        (_patternRow, _patternCol) = _m.DriftStateJacobianRowsAndColumns();
        _h1 = _q > 0 ? new double[_m.DriftStateHessian.Count] : [];
        _h2 = _q > 0 ? new double[_m.DriftMixedHessian.Count] : [];

        // For each sensitivity parameter, the entries of ∂F/∂θ that belong to it (bucketed once, not searched per call).
        _h2ForSensitivity = new int[_q][];
        for (int k = 0; k < _q; k++)
        {
            var second = _m.DriftMixedHessian.Second;
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

        (_noiseStart, _noiseIndex, _noiseChannel, _noiseRows) = NoisePattern(_m);
        _noiseValue = new double[_noiseIndex.Length];
        _noiseDerivative = new double[_q * _noiseIndex.Length];
        _stoich = new double[_n * _r];
        _stoichJp = _m.HasParameterStoichiometry ? new double[_n * _r * _p] : [];
        if (!_m.HasParameterStoichiometry)
        {
            UpdateNoise();
        }

        Dimension = _block * (1 + _q);
        InitializeImplicit();
    }

    /// <summary>θ, t and the inputs (the model's argument vector) used by <see cref="Evaluate"/>, then 1/Ω (read by the kernels).</summary>
    public ModelArguments Arguments { get; }

    /// <summary>The argument vector itself (<see cref="Arguments"/>).</summary>
    public double[] Parameters => Arguments.Values;

    /// <summary>Sets θ (all p model parameters, natural scale) and what follows from it.</summary>
    public void SetParameters(ReadOnlySpan<double> theta)
    {
        Arguments.SetParameters(theta);
        if (_m.HasParameterStoichiometry)
        {
            UpdateNoise();
        }
    }

    /// <summary>p, the number of model parameters (Parameters holds one more: 1/Ω).</summary>
    public int ParameterCount => _p;

    public int Dimension { get; }

    /// <summary>The mean η is a vector of concentrations and densities.</summary>
    public int NonNegativeComponents => _n;

    /// <summary>n(n + 1)/2, the length of a packed covariance.</summary>
    public int PackedCount => _np;

    /// <summary>The packing of covariances in y.</summary>
    public PackedSymmetric Packing => _packed;

    /// <summary>
    /// Error-scale floors: a covariance entry Ψ_ij (and Ψ_k,ij) is measured against √(Ψ_ii Ψ_jj), the scale of the
    /// correlation, as a mean against itself; an error of rtol·√(Ψ_ii Ψ_jj) in Ψ_ij is a correlation error of rtol.
    /// </summary>
    public void ErrorScaleFloor(double[] y, double[] floor)
    {
        int n = _n;
        Array.Clear(floor);
        Span<double> sd = stackalloc double[n];
        for (int i = 0; i < n; i++)
        {
            sd[i] = Math.Sqrt(Math.Abs(y[n + PackedSymmetric.Index(i, i)]));
        }

        var row = _packed.Row;
        var column = _packed.Column;
        for (int e = 0; e < _np; e++)
        {
            floor[n + e] = sd[row[e]] * sd[column[e]];
        }
    }

    public void Evaluate(double t, double[] y, double[] dy)
    {
        int n = _n;
        Arguments.At(t);
        double[] theta = Parameters;

        // Mean and covariance by the generated kernel (y starts with [η | Ψ], which it reads as its state).
        _kernels.Moments(y, theta, dy);
        if (_q == 0)
        {
            return;
        }

        _m.Rates(y, theta, _rates);
        _m.DriftStateJacobian(y, theta, _f);
        _packed.Unpack(y.AsSpan(n, _np), _psi);
        EvaluateSensitivityInputs(y);
        for (int k = 0; k < _q; k++)
        {
            int off = _block * (k + 1);
            var etak = y.AsSpan(off, n);
            var detak = dy.AsSpan(off, n);
            MeanSensitivityRate(k, etak, detak);
            _packed.Unpack(y.AsSpan(off + n, _np), _psik);
            CovarianceSensitivityRate(k, etak, _psik, dy.AsSpan(off + n, _np));
        }
    }

    /// <summary>∂b/∂θ, ∂a/∂z, ∂a/∂θ and the second derivatives of b at η = y[0..n).</summary>
    private void EvaluateSensitivityInputs(double[] y)
    {
        double[] theta = Parameters;
        _m.DriftParameterJacobian(y, theta, _fp);
        _m.RateStateJacobian(y, theta, _rateJz);
        _m.RateParameterJacobian(y, theta, _rateJp);
        _m.DriftStateHessian.Evaluate(y, theta, _h1);
        _m.DriftMixedHessian.Evaluate(y, theta, _h2);
    }

    /// <summary>detak = F η_k + ∂b/∂θ_k (F in _f).</summary>
    private void MeanSensitivityRate(int k, ReadOnlySpan<double> etak, Span<double> detak)
    {
        int n = _n, p = _p, pk = _sens[k];
        for (int i = 0; i < n; i++)
        {
            detak[i] = _fp[(i * p) + pk];
        }

        for (int e = 0; e < _patternRow.Length; e++)
        {
            int i = _patternRow[e], l = _patternCol[e];
            detak[i] += _f[(i * n) + l] * etak[l];
        }
    }

    /// <summary>
    /// dpsik (packed) = F_k Ψ + Ψ F_kᵀ + F Ψ_k + Ψ_k Fᵀ + D_k, with Ψ in _psi and Ψ_k (full) in <paramref name="psik"/>;
    /// leaves F_k in _fk.
    /// </summary>
    private void CovarianceSensitivityRate(int k, ReadOnlySpan<double> etak, double[] psik, Span<double> dpsik)
    {
        FormFk(k, etak);
        Array.Clear(_m1);
        AddPatternProduct(_fk, _psi, _m1);
        AddPatternProduct(_f, psik, _m1);
        _packed.PackSymmetricSum(_m1, dpsik);
        NoiseSensitivity(k, etak, dpsik);
    }

    /// <summary>_fk = Σ_j ∂F/∂z_j η_k,j + ∂F/∂θ_k (shares the sparsity pattern of F).</summary>
    private void FormFk(int k, ReadOnlySpan<double> etak)
    {
        int n = _n;
        var h1 = _m.DriftStateHessian;
        var h2 = _m.DriftMixedHessian;
        var h1i = h1.Output;
        var h1l = h1.First;
        var h1c = h1.Second;
        var h2i = h2.Output;
        var h2l = h2.First;
        Array.Clear(_fk);
        for (int e = 0; e < h1i.Length; e++)
        {
            _fk[(h1i[e] * n) + h1l[e]] += _h1[e] * etak[h1c[e]];
        }

        foreach (int e in _h2ForSensitivity[k])
        {
            _fk[(h2i[e] * n) + h2l[e]] += _h2[e];
        }
    }

    /// <summary>target += D_k = Σ_r (∂a_r/∂z η_k + ∂a_r/∂θ_k) s_r s_rᵀ / Ω over channels with a_r &gt; 0.</summary>
    private void NoiseSensitivity(int k, ReadOnlySpan<double> etak, Span<double> target)
    {
        int n = _n, p = _p, pk = _sens[k];
        for (int c = 0; c < _r; c++)
        {
            double s = _rateJp[(c * p) + pk];
            for (int j = 0; j < n; j++)
            {
                s += _rateJz[(c * n) + j] * etak[j];
            }

            _ak[c] = _rates[c] > 0 ? s : 0.0; // D uses max(a, 0): no derivative where the rate is cut off
        }

        AddNoise(_ak, target, clampNegative: false);
        if (_m.HasParameterStoichiometry)
        {
            // + Σ_r max(a_r, 0) ∂(s_r s_rᵀ)/∂θ_k / Ω
            var derivative = _noiseDerivative.AsSpan(k * _noiseIndex.Length, _noiseIndex.Length);
            for (int e = 0; e < derivative.Length; e++)
            {
                target[_noiseIndex[e]] += Math.Max(_rates[_noiseChannel[e]], 0.0) * _invOmega * derivative[e];
            }
        }
    }

    /// <summary>
    /// The structurally non-zero packed species entries (i, j) of s_r s_rᵀ per stochastic channel: start offsets per
    /// channel, packed index, channel and the rows (i·n + j) of each entry.
    /// </summary>
    private static (int[] Start, int[] Index, int[] Channel, int[] Rows) NoisePattern(CompiledModel m)
    {
        var start = new List<int>();
        var index = new List<int>();
        var channel = new List<int>();
        var rows = new List<int>();
        var st = m.StoichiometryExpressions;
        int r = m.ChannelCount, n = m.StateDimension;
        for (int c = 0; c < r; c++)
        {
            start.Add(index.Count);
            if (!m.IsStochasticChannel(c))
            {
                continue;
            }

            for (int i = 0; i < m.SpeciesCount; i++)
            {
                for (int j = 0; j <= i; j++)
                {
                    if (!Expressions.Algebra.IsZero(st[(i * r) + c]) && !Expressions.Algebra.IsZero(st[(j * r) + c]))
                    {
                        index.Add(PackedSymmetric.Index(i, j));
                        channel.Add(c);
                        rows.Add((i * n) + j);
                    }
                }
            }
        }

        start.Add(index.Count);
        return ([.. start], [.. index], [.. channel], [.. rows]);
    }

    /// <summary>Values of s_r s_rᵀ at the current θ and, for a θ-dependent stoichiometry, their derivatives by the sensitivity parameters.</summary>
    private void UpdateNoise()
    {
        int r = _r, n = _n, p = _p;
        _m.EvaluateStoichiometry(Parameters, _stoich);
        bool derivatives = _m.HasParameterStoichiometry && _q > 0;
        if (derivatives)
        {
            _m.StoichiometryParameterJacobian(Parameters, _stoichJp);
        }

        for (int e = 0; e < _noiseIndex.Length; e++)
        {
            int c = _noiseChannel[e], i = _noiseRows[e] / n, j = _noiseRows[e] % n;
            int si = (i * r) + c, sj = (j * r) + c;
            _noiseValue[e] = _stoich[si] * _stoich[sj];
            if (!derivatives)
            {
                continue;
            }

            for (int k = 0; k < _q; k++)
            {
                int pk = _sens[k];
                _noiseDerivative[(k * _noiseIndex.Length) + e] = (_stoichJp[(si * p) + pk] * _stoich[sj]) + (_stoich[si] * _stoichJp[(sj * p) + pk]);
            }
        }
    }

    /// <summary>result += A·B for n × n matrices where A is non-zero only on the drift-Jacobian pattern.</summary>
    private void AddPatternProduct(double[] a, double[] b, double[] result)
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

            var row = b.AsSpan(l * n, n);
            var target = result.AsSpan(i * n, n);
            for (int j = 0; j < target.Length; j++)
            {
                target[j] += v * row[j];
            }
        }
    }

    /// <summary>
    /// target (packed) += Σ_r w_r s_r s_rᵀ / Ω over stochastic channels (w_r ← max(w_r, 0) when clamping rates); only
    /// the species block is touched, the cell-density rows and columns of D are zero.
    /// </summary>
    private void AddNoise(double[] weights, Span<double> target, bool clampNegative)
    {
        for (int c = 0; c < _r; c++)
        {
            int end = _noiseStart[c + 1];
            int e = _noiseStart[c];
            if (e == end)
            {
                continue;
            }

            double w = (clampNegative ? Math.Max(weights[c], 0.0) : weights[c]) * _invOmega;
            if (w == 0.0)
            {
                continue;
            }

            for (; e < end; e++)
            {
                target[_noiseIndex[e]] += w * _noiseValue[e];
            }
        }
    }
}
