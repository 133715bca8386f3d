using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Core.Models;

/// <summary>
/// The mean part of an implicit stage of <see cref="OdeSolver"/> for the systems built on a model's drift (the mean
/// ODE with sensitivities, the LNA): solves η = v + hγ b(η; θ) by Newton's method with the exact drift Jacobian
/// F = ∂b/∂z re-evaluated at every iterate, and leaves F(η) and the LU factors of I − hγF(η) at the solution for the
/// linear blocks that follow (sensitivities, covariance), which makes those the exact solutions of their stage
/// equations (the staggered direct method of Caracotsios &amp; Stewart). Allocation-free; not thread-safe.
/// </summary>
internal sealed class DriftStageSolver
{
    private readonly CompiledModel _m;
    private readonly int _n;
    private readonly double[] _drift, _delta, _powerWork;
    private readonly int[] _pivots;

    public DriftStageSolver(CompiledModel model)
    {
        _m = model;
        _n = model.StateDimension;
        Jacobian = new double[_n * _n];
        Factors = new double[_n * _n];
        _pivots = new int[_n];
        _drift = new double[_n];
        _delta = new double[_n];
        _powerWork = new double[2 * _n];
    }

    /// <summary>F = ∂b/∂z at the last solution (n × n, row-major).</summary>
    public double[] Jacobian { get; }

    /// <summary>LU factors of I − hγF at the last solution (see <see cref="SolveLinear"/>).</summary>
    public double[] Factors { get; }

    /// <summary>
    /// Solves the mean stage equation in place: on entry <paramref name="y"/>[0..n) is a predictor, on success the
    /// solution; <paramref name="v"/>[0..n) is the known part. Returns false when Newton diverges, stalls or meets a
    /// singular matrix or a non-finite value.
    /// </summary>
    public bool SolveMean(double hGamma, double[] v, double[] y, double[] parameters, in NewtonTolerance tolerance)
    {
        int n = _n;
        int components = Math.Min(tolerance.Components, n);
        double previous = double.PositiveInfinity;
        for (int it = 1; it <= tolerance.MaxIterations; it++)
        {
            _m.Drift(y, parameters, _drift);
            if (!Factor(hGamma, y, parameters))
            {
                return false;
            }

            for (int i = 0; i < n; i++)
            {
                _delta[i] = v[i] + (hGamma * _drift[i]) - y[i];
            }

            SmallDense.LuSolve(Factors, n, _pivots, _delta);
            double norm = 0;
            for (int i = 0; i < components; i++)
            {
                double r = _delta[i] / (tolerance.Absolute + (tolerance.Relative * Math.Abs(y[i])));
                norm += r * r;
            }

            norm = Math.Sqrt(norm / components);
            if (!double.IsFinite(norm))
            {
                return false;
            }

            for (int i = 0; i < n; i++)
            {
                y[i] += _delta[i];
            }

            // Newton with the exact Jacobian converges quadratically: the remaining error is about θ‖Δ‖ with
            // θ = ‖Δ‖/‖Δ_prev‖, far below ‖Δ‖ once converging. Stop when that is below κ (and always at ‖Δ‖ ≤ κ²).
            double theta = norm / previous;
            if (it > 2 && theta >= 0.9)
            {
                return false;
            }

            if (norm <= tolerance.Kappa * tolerance.Kappa || (it > 1 && theta * norm <= tolerance.Kappa))
            {
                // F and the factors at the solution itself, for the linear blocks.
                return Factor(hGamma, y, parameters);
            }

            previous = norm;
        }

        return false;
    }

    /// <summary>Solves (I − hγF) x = b in place with the factors of the last solution.</summary>
    public void SolveLinear(Span<double> b) => SmallDense.LuSolve(Factors, _n, _pivots, b);

    /// <summary>ρ(F) at z = y[0..n) by power iteration (an estimate from below).</summary>
    public double SpectralRadius(double[] y, double[] parameters)
    {
        _m.DriftStateJacobian(y, parameters, Jacobian);
        return SmallDense.SpectralRadius(Jacobian, _n, _powerWork);
    }

    private bool Factor(double hGamma, double[] y, double[] parameters)
    {
        int n = _n;
        _m.DriftStateJacobian(y, parameters, Jacobian);
        for (int i = 0; i < n * n; i++)
        {
            Factors[i] = -hGamma * Jacobian[i];
        }

        for (int i = 0; i < n; i++)
        {
            Factors[(i * n) + i] += 1.0;
        }

        return SmallDense.TryLuFactor(Factors, n, _pivots);
    }
}
