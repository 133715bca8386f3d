using MathNet.Numerics.LinearAlgebra;

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

        var info = (h + h.Transpose()) * 0.5;
        try
        {
            // MathNet's Cholesky rejects a matrix that is not positive definite with an ArgumentException.
            return info.Cholesky().Solve(Matrix<double>.Build.DenseIdentity(d));
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
