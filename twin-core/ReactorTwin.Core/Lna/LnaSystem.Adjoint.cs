using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Core.Lna;

/// <summary>
/// Vector–Jacobian products of the LNA moment equations (without sensitivities) for the reverse pass of the Kalman–LNA
/// gradient: the generated adjoint kernel (<see cref="LnaKernels"/>) gives λᵀ∂f/∂y and λᵀ∂f/∂θ in one call; the
/// transposed implicit stage matrix is block upper-triangular, [[I − hγFᵀ, −hγCᵀ], [0, I − hγL_Fᵀ]] with
/// C = ∂(dΨ/dt)/∂η, so it is solved covariance block first and Cᵀx comes from the same kernel.
/// </summary>
internal sealed partial class LnaSystem : IOdeAdjointSystem
{
    private double[] _adjointIn = [], _adjointOut = [], _meanFactors = [];
    private int[] _meanPivots = [];

    public void AddVectorJacobian(double t, double[] y, double[] lambda, double[] yBar, double[] thetaBar)
    {
        int d = _block;
        RequireValueOnly();
        Arguments.At(t);
        y.AsSpan(0, d).CopyTo(_adjointIn);
        lambda.AsSpan(0, d).CopyTo(_adjointIn.AsSpan(d, d));
        _kernels.Adjoint(_adjointIn, Parameters, _adjointOut);
        for (int i = 0; i < d; i++)
        {
            yBar[i] += _adjointOut[i];
        }

        for (int k = 0; k < _p; k++)
        {
            thetaBar[k] += _adjointOut[d + k];
        }
    }

    public bool SolveStageTransposed(double t, double hGamma, double[] y, double[] r)
    {
        int n = _n, d = _block;
        RequireValueOnly();
        Arguments.At(t);
        _m.DriftStateJacobian(y, Parameters, _f);
        if (!_packed.FactorStageMatrix(_f, hGamma))
        {
            return false;
        }

        _packed.SolveStageTransposed(r.AsSpan(n, _np));

        // Cᵀ x_Ψ = ∂(x_Ψᵀ dΨ/dt)/∂η: the adjoint kernel with λ = (0, x_Ψ).
        y.AsSpan(0, d).CopyTo(_adjointIn);
        _adjointIn.AsSpan(d, n).Clear();
        r.AsSpan(n, _np).CopyTo(_adjointIn.AsSpan(d + n, _np));
        _kernels.Adjoint(_adjointIn, Parameters, _adjointOut);
        for (int i = 0; i < n; i++)
        {
            r[i] += hGamma * _adjointOut[i];
        }

        for (int i = 0; i < n * n; i++)
        {
            _meanFactors[i] = -hGamma * _f[i];
        }

        for (int i = 0; i < n; i++)
        {
            _meanFactors[(i * n) + i] += 1.0;
        }

        if (!SmallDense.TryLuFactor(_meanFactors, n, _meanPivots))
        {
            return false;
        }

        SmallDense.LuSolveTransposed(_meanFactors, n, _meanPivots, r.AsSpan(0, n));
        return true;
    }

    private void RequireValueOnly()
    {
        if (_q != 0)
        {
            throw new InvalidOperationException("the adjoint of the LNA is defined for the system without sensitivities");
        }

        if (_adjointIn.Length == 0)
        {
            _adjointIn = new double[2 * _block];
            _adjointOut = new double[_block + _p];
            _meanFactors = new double[_n * _n];
            _meanPivots = new int[_n];
        }
    }
}
