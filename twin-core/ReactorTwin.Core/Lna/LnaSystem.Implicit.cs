using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Core.Lna;

/// <summary>
/// The implicit stages of the LNA system (ADR 0011). A stage Y = v + hγ f(t, Y) of the block lower-triangular system
/// is solved block by block, each block exactly given the ones before it:
/// <code>
/// η   = v_η + hγ b(η)                          Newton with F(η) re-evaluated (DriftStageSolver)
/// Ψ   : (I − hγ L_F) Ψ   = v_Ψ + hγ D(η)        L_F(X) = FX + XFᵀ, packed, one LU per stage
/// η_k : (I − hγ F) η_k   = v_ηk + hγ ∂b/∂θ_k     the LU of the Newton matrix at the solution
/// Ψ_k : (I − hγ L_F) Ψ_k = v_Ψk + hγ (F_k Ψ + Ψ F_kᵀ + D_k)
/// </code>
/// so each stage costs one Newton solve of size n, one LU of size n(n + 1)/2, and two triangular solves per
/// sensitivity: the factorisations are shared by all sensitivity columns.
/// </summary>
internal sealed partial class LnaSystem
{
    private DriftStageSolver _stage = null!;
    private double[] _packedScratch = null!;

    private void InitializeImplicit()
    {
        _stage = new DriftStageSolver(_m);
        _packedScratch = new double[_np];
    }

    public bool SolveStage(double t, double hGamma, double[] v, double[] y, double[] k, in NewtonTolerance tolerance)
    {
        int n = _n, np = _np, p = _p;
        Arguments.At(t);
        double[] theta = Parameters;
        if (!_stage.SolveMean(hGamma, v, y, theta, tolerance))
        {
            return false;
        }

        double inv = 1.0 / hGamma;
        Finish(v, y, k, 0, n, inv);

        double[] f = _stage.Jacobian;
        if (!_packed.FactorStageMatrix(f, hGamma))
        {
            return false;
        }

        _m.Rates(y, theta, _rates);
        var scratch = _packedScratch.AsSpan();
        scratch.Clear();
        AddNoise(_rates, scratch, clampNegative: true);
        SolveCovarianceBlock(v, y, k, n, hGamma, inv);
        if (_q == 0)
        {
            return true;
        }

        f.AsSpan().CopyTo(_f);
        EvaluateSensitivityInputs(y);
        _packed.Unpack(y.AsSpan(n, np), _psi);
        for (int s = 0; s < _q; s++)
        {
            int off = _block * (s + 1), pk = _sens[s];
            var etak = y.AsSpan(off, n);
            for (int i = 0; i < n; i++)
            {
                etak[i] = v[off + i] + (hGamma * _fp[(i * p) + pk]);
            }

            _stage.SolveLinear(etak);
            Finish(v, y, k, off, n, inv);

            FormFk(s, etak);
            Array.Clear(_m1);
            AddPatternProduct(_fk, _psi, _m1);
            _packed.PackSymmetricSum(_m1, scratch);
            NoiseSensitivity(s, etak, scratch);
            SolveCovarianceBlock(v, y, k, off + n, hGamma, inv);
        }

        return true;
    }

    /// <summary>ρ of the system's Jacobian: 2ρ(F), the covariance block's eigenvalues being λ_i + λ_j.</summary>
    public double SpectralRadius(double t, double[] y)
    {
        Arguments.At(t);
        return 2.0 * _stage.SpectralRadius(y, Parameters);
    }

    /// <summary>y[off..off+N) = (I − hγL_F)⁻¹ (v + hγ·scratch), k = (y − v)/(hγ).</summary>
    private void SolveCovarianceBlock(double[] v, double[] y, double[] k, int off, double hGamma, double inv)
    {
        var block = y.AsSpan(off, _np);
        for (int e = 0; e < block.Length; e++)
        {
            block[e] = v[off + e] + (hGamma * _packedScratch[e]);
        }

        _packed.SolveStage(block);
        Finish(v, y, k, off, _np, inv);
    }

    private static void Finish(double[] v, double[] y, double[] k, int off, int count, double inv)
    {
        for (int i = off; i < off + count; i++)
        {
            k[i] = (y[i] - v[i]) * inv;
        }
    }
}
