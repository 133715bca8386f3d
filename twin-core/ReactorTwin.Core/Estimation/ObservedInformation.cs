using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace ReactorTwin.Core.Estimation;

/// <summary>
/// Asymptotic covariance of an MLE as the inverse observed information, I = −∇²log π(û), with the Hessian from
/// central differences of the exact gradient (step 1e−5 in u, symmetrised). Used for Wald intervals and as the
/// diagonal preconditioner of the Langevin samplers.
/// </summary>
public static class ObservedInformation
{
    /// <summary>Returns the covariance of u at <paramref name="optimum"/>, or null when −∇² is not positive definite there.</summary>
    public static Matrix<double>? Covariance(ILogDensity density, ReadOnlySpan<double> optimum, double step = 1e-5)
    {
        var info = Information(density, optimum, step);
        if (info is null)
        {
            return null;
        }

        try
        {
            // MathNet's Cholesky rejects a matrix that is not positive definite with an ArgumentException.
            return info.Cholesky().Solve(Matrix<double>.Build.DenseIdentity(optimum.Length));
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// A positive-definite stand-in for the covariance, for preconditioning samplers when the optimum sits on a
    /// bound or a ridge: the information's eigenvalues are replaced by max(|λ|, 1e−8·max|λ|) before inverting.
    /// Returns null only when the density is not finite around <paramref name="point"/>.
    /// </summary>
    public static Matrix<double>? RegularizedCovariance(ILogDensity density, ReadOnlySpan<double> point, double step = 1e-5)
    {
        var info = Information(density, point, step);
        if (info is null)
        {
            return null;
        }

        var evd = info.Evd(Symmetricity.Symmetric);
        var values = evd.EigenValues.Select(c => Math.Abs(c.Real)).ToArray();
        double floor = Math.Max(values.Max() * 1e-8, 1e-300);
        var inverse = Matrix<double>.Build.DiagonalOfDiagonalArray(values.Select(v => 1.0 / Math.Max(v, floor)).ToArray());
        var cov = evd.EigenVectors * inverse * evd.EigenVectors.Transpose();
        return (cov + cov.Transpose()) * 0.5;
    }

    private static Matrix<double>? Information(ILogDensity density, ReadOnlySpan<double> optimum, double step)
    {
        ArgumentNullException.ThrowIfNull(density);
        int d = optimum.Length;
        var h = Matrix<double>.Build.Dense(d, d);
        var gp = new double[d];
        var gm = new double[d];
        var x = optimum.ToArray();
        for (int k = 0; k < d; k++)
        {
            double keep = x[k];
            x[k] = keep + step;
            double fp = density.Evaluate(x, gp);
            x[k] = keep - step;
            double fm = density.Evaluate(x, gm);
            x[k] = keep;
            if (!double.IsFinite(fp) || !double.IsFinite(fm))
            {
                return null;
            }

            for (int j = 0; j < d; j++)
            {
                h[j, k] = -(gp[j] - gm[j]) / (2 * step);
            }
        }

        return (h + h.Transpose()) * 0.5;
    }
}
