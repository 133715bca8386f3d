using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ReactorTwin.Core.Numerics;

/// <summary>
/// The explicit method of <see cref="OdeSolver"/>: Runge–Kutta 5(4) of Dormand and Prince (1980) with local
/// extrapolation (the 5th-order solution is propagated), FSAL, Shampine's 4th-order continuous extension and
/// Hairer's stiffness estimate (Hairer, Nørsett &amp; Wanner, Solving ODEs I, II.4–II.6 and IV.2 of part II).
/// </summary>
public sealed partial class OdeSolver
{
    // Butcher tableau (Dormand & Prince 1980).
    private const double C2 = 1.0 / 5, C3 = 3.0 / 10, C4 = 4.0 / 5, C5 = 8.0 / 9;
    private const double A21 = 1.0 / 5;
    private const double A31 = 3.0 / 40, A32 = 9.0 / 40;
    private const double A41 = 44.0 / 45, A42 = -56.0 / 15, A43 = 32.0 / 9;
    private const double A51 = 19372.0 / 6561, A52 = -25360.0 / 2187, A53 = 64448.0 / 6561, A54 = -212.0 / 729;
    private const double A61 = 9017.0 / 3168, A62 = -355.0 / 33, A63 = 46732.0 / 5247, A64 = 49.0 / 176, A65 = -5103.0 / 18656;
    private const double A71 = 35.0 / 384, A73 = 500.0 / 1113, A74 = 125.0 / 192, A75 = -2187.0 / 6784, A76 = 11.0 / 84;

    // Error coefficients: 5th-order weights minus 4th-order weights.
    private const double E1 = 71.0 / 57600, E3 = -71.0 / 16695, E4 = 71.0 / 1920, E5 = -17253.0 / 339200, E6 = 22.0 / 525, E7 = -1.0 / 40;

    // Shampine's (1986) dense output coefficients.
    private const double D1 = -12715105075.0 / 11282082432, D3 = 87487479700.0 / 32700410799, D4 = -10690763975.0 / 1880347072;
    private const double D5 = 701980252875.0 / 199316789632, D6 = -1453857185.0 / 822651844, D7 = 69997945.0 / 29380423;

    private double _stiffness;

    /// <summary>One DP5(4) step from (t, _y) with k₁ = f(t, _y). Fills _yNew, k₇; returns the scaled error norm.</summary>
    /// <remarks>
    /// The stage combinations run on <see cref="Vector{T}"/> lanes (4 doubles with AVX2, 2 with NEON) with a scalar
    /// tail, through <c>ref double</c> so that no bounds checks remain: for the LNA's 20–200 components they cost as
    /// much as the right-hand side otherwise.
    /// </remarks>
    private double ExplicitStep<TSystem>(TSystem f, double t, double h, int n)
        where TSystem : IOdeSystem
    {
        double[][] k = _k;
        ref double y = ref MemoryMarshal.GetArrayDataReference(_y);
        ref double ys = ref MemoryMarshal.GetArrayDataReference(_yStage);
        ref double k1 = ref MemoryMarshal.GetArrayDataReference(k[0]);
        ref double k2 = ref MemoryMarshal.GetArrayDataReference(k[1]);
        ref double k3 = ref MemoryMarshal.GetArrayDataReference(k[2]);
        ref double k4 = ref MemoryMarshal.GetArrayDataReference(k[3]);
        ref double k5 = ref MemoryMarshal.GetArrayDataReference(k[4]);
        ref double k6 = ref MemoryMarshal.GetArrayDataReference(k[5]);
        ref double k7 = ref MemoryMarshal.GetArrayDataReference(k[6]);
        ref double yn = ref MemoryMarshal.GetArrayDataReference(_yNew);
        int w = Vector<double>.Count;
        int nv = Vector.IsHardwareAccelerated ? n - (n % w) : 0;
        int i;

        // Stage 2.
        var hv = new Vector<double>(h);
        for (i = 0; i < nv; i += w)
        {
            Vector.StoreUnsafe(Vector.LoadUnsafe(ref y, (nuint)i) + (hv * (A21 * Vector.LoadUnsafe(ref k1, (nuint)i))), ref ys, (nuint)i);
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ys, i) = Unsafe.Add(ref y, i) + (h * A21 * Unsafe.Add(ref k1, i));
        }

        f.Evaluate(t + (C2 * h), _yStage, k[1]);

        // Stage 3.
        for (i = 0; i < nv; i += w)
        {
            var s = (A31 * Vector.LoadUnsafe(ref k1, (nuint)i)) + (A32 * Vector.LoadUnsafe(ref k2, (nuint)i));
            Vector.StoreUnsafe(Vector.LoadUnsafe(ref y, (nuint)i) + (hv * s), ref ys, (nuint)i);
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ys, i) = Unsafe.Add(ref y, i) + (h * ((A31 * Unsafe.Add(ref k1, i)) + (A32 * Unsafe.Add(ref k2, i))));
        }

        f.Evaluate(t + (C3 * h), _yStage, k[2]);

        // Stage 4.
        for (i = 0; i < nv; i += w)
        {
            var s = (A41 * Vector.LoadUnsafe(ref k1, (nuint)i)) + (A42 * Vector.LoadUnsafe(ref k2, (nuint)i)) + (A43 * Vector.LoadUnsafe(ref k3, (nuint)i));
            Vector.StoreUnsafe(Vector.LoadUnsafe(ref y, (nuint)i) + (hv * s), ref ys, (nuint)i);
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ys, i) = Unsafe.Add(ref y, i) + (h * ((A41 * Unsafe.Add(ref k1, i)) + (A42 * Unsafe.Add(ref k2, i)) + (A43 * Unsafe.Add(ref k3, i))));
        }

        f.Evaluate(t + (C4 * h), _yStage, k[3]);

        // Stage 5.
        for (i = 0; i < nv; i += w)
        {
            var s = (A51 * Vector.LoadUnsafe(ref k1, (nuint)i)) + (A52 * Vector.LoadUnsafe(ref k2, (nuint)i)) + (A53 * Vector.LoadUnsafe(ref k3, (nuint)i)) + (A54 * Vector.LoadUnsafe(ref k4, (nuint)i));
            Vector.StoreUnsafe(Vector.LoadUnsafe(ref y, (nuint)i) + (hv * s), ref ys, (nuint)i);
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ys, i) = Unsafe.Add(ref y, i) + (h * ((A51 * Unsafe.Add(ref k1, i)) + (A52 * Unsafe.Add(ref k2, i)) + (A53 * Unsafe.Add(ref k3, i)) + (A54 * Unsafe.Add(ref k4, i))));
        }

        f.Evaluate(t + (C5 * h), _yStage, k[4]);

        // Stage 6.
        for (i = 0; i < nv; i += w)
        {
            var s = (A61 * Vector.LoadUnsafe(ref k1, (nuint)i)) + (A62 * Vector.LoadUnsafe(ref k2, (nuint)i)) + (A63 * Vector.LoadUnsafe(ref k3, (nuint)i)) + (A64 * Vector.LoadUnsafe(ref k4, (nuint)i)) + (A65 * Vector.LoadUnsafe(ref k5, (nuint)i));
            Vector.StoreUnsafe(Vector.LoadUnsafe(ref y, (nuint)i) + (hv * s), ref ys, (nuint)i);
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ys, i) = Unsafe.Add(ref y, i) + (h * ((A61 * Unsafe.Add(ref k1, i)) + (A62 * Unsafe.Add(ref k2, i)) + (A63 * Unsafe.Add(ref k3, i)) + (A64 * Unsafe.Add(ref k4, i)) + (A65 * Unsafe.Add(ref k5, i))));
        }

        f.Evaluate(t + h, _yStage, k[5]);

        // The propagated 5th-order solution.
        for (i = 0; i < nv; i += w)
        {
            var s = (A71 * Vector.LoadUnsafe(ref k1, (nuint)i)) + (A73 * Vector.LoadUnsafe(ref k3, (nuint)i)) + (A74 * Vector.LoadUnsafe(ref k4, (nuint)i)) + (A75 * Vector.LoadUnsafe(ref k5, (nuint)i)) + (A76 * Vector.LoadUnsafe(ref k6, (nuint)i));
            Vector.StoreUnsafe(Vector.LoadUnsafe(ref y, (nuint)i) + (hv * s), ref yn, (nuint)i);
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref yn, i) = Unsafe.Add(ref y, i) + (h * ((A71 * Unsafe.Add(ref k1, i)) + (A73 * Unsafe.Add(ref k3, i)) + (A74 * Unsafe.Add(ref k4, i)) + (A75 * Unsafe.Add(ref k5, i)) + (A76 * Unsafe.Add(ref k6, i))));
        }

        f.Evaluate(t + h, _yNew, k[6]);

        // Error norm over the controlled components and, in the same pass with the same scales, the sums of
        // Hairer's stiffness estimate (k₇ − k₆ against ŷ − y₆, both at t + h).
        double rtol = _options.RelativeTolerance, atol = _options.AbsoluteTolerance;
        int nErr = _errorComponents;
        int nvErr = Vector.IsHardwareAccelerated ? nErr - (nErr % w) : 0;
        var sumV = Vector<double>.Zero;
        var numV = Vector<double>.Zero;
        var denV = Vector<double>.Zero;
        var atolV = new Vector<double>(atol);
        ref double floor = ref MemoryMarshal.GetArrayDataReference(_scaleFloor);
        for (i = 0; i < nvErr; i += w)
        {
            var vk6 = Vector.LoadUnsafe(ref k6, (nuint)i);
            var vk7 = Vector.LoadUnsafe(ref k7, (nuint)i);
            var vyn = Vector.LoadUnsafe(ref yn, (nuint)i);
            var e = hv * ((E1 * Vector.LoadUnsafe(ref k1, (nuint)i)) + (E3 * Vector.LoadUnsafe(ref k3, (nuint)i)) + (E4 * Vector.LoadUnsafe(ref k4, (nuint)i)) + (E5 * Vector.LoadUnsafe(ref k5, (nuint)i)) + (E6 * vk6) + (E7 * vk7));
            var magnitude = Vector.Max(Vector.Max(Vector.Abs(Vector.LoadUnsafe(ref y, (nuint)i)), Vector.Abs(vyn)), Vector.LoadUnsafe(ref floor, (nuint)i));
            var inv = Vector<double>.One / (atolV + (rtol * magnitude));
            var r = e * inv;
            sumV += r * r;
            var dk = (vk7 - vk6) * inv;
            var dy = (vyn - Vector.LoadUnsafe(ref ys, (nuint)i)) * inv;
            numV += dk * dk;
            denV += dy * dy;
        }

        double sum = Vector.Sum(sumV), num = Vector.Sum(numV), den = Vector.Sum(denV);
        for (; i < nErr; i++)
        {
            double e = h * ((E1 * Unsafe.Add(ref k1, i)) + (E3 * Unsafe.Add(ref k3, i)) + (E4 * Unsafe.Add(ref k4, i)) + (E5 * Unsafe.Add(ref k5, i)) + (E6 * Unsafe.Add(ref k6, i)) + (E7 * Unsafe.Add(ref k7, i)));
            double magnitude = Math.Max(Math.Max(Math.Abs(Unsafe.Add(ref y, i)), Math.Abs(Unsafe.Add(ref yn, i))), Unsafe.Add(ref floor, i));
            double inv = 1.0 / (atol + (rtol * magnitude));
            double r = e * inv;
            sum += r * r;
            double dk = (Unsafe.Add(ref k7, i) - Unsafe.Add(ref k6, i)) * inv, dy = (Unsafe.Add(ref yn, i) - Unsafe.Add(ref ys, i)) * inv;
            num += dk * dk;
            den += dy * dy;
        }

        _stiffness = den > 0 ? h * Math.Sqrt(num / den) : 0.0;
        return Math.Sqrt(sum / nErr);
    }

    /// <summary>
    /// Hairer's estimate of h|λ| for the step just computed (by <see cref="ExplicitStep"/>): k₆ and k₇ are f at t + h
    /// evaluated at y₆ (the last stage) and at ŷ, so h‖k₇ − k₆‖/‖ŷ − y₆‖ measures the dominant eigenvalue along the
    /// step. The norms are weighted by the error scales 1/(atol + rtol·max(|y_i|, |ŷ_i|)) (error components only), so
    /// that a small component with a fast time scale (ROBER's y₂) is not drowned by large slow ones.
    /// </summary>
    private double StiffnessEstimate() => _stiffness;

    /// <summary>y(t + θh) for θ ∈ [0, 1] from the step just accepted (before _y and _yNew are swapped).</summary>
    private void Interpolate(OdeMethod method, double theta, double h, Span<double> destination)
    {
        if (method == OdeMethod.Implicit)
        {
            InterpolateImplicit(theta, h, destination);
            return;
        }

        double[][] k = _k;
        double[] k1 = k[0], k3 = k[2], k4 = k[3], k5 = k[4], k6 = k[5], k7 = k[6];
        double theta1 = 1.0 - theta;
        for (int i = 0; i < destination.Length; i++)
        {
            double diff = _yNew[i] - _y[i];
            double bspl = (h * k1[i]) - diff;
            double r4 = diff - (h * k7[i]) - bspl;
            double r5 = h * ((D1 * k1[i]) + (D3 * k3[i]) + (D4 * k4[i]) + (D5 * k5[i]) + (D6 * k6[i]) + (D7 * k7[i]));
            destination[i] = _y[i] + (theta * (diff + (theta1 * (bspl + (theta * (r4 + (theta1 * r5)))))));
        }
    }

    /// <summary>After a step is accepted and y swapped: makes f(t, y) the first stage of the next step (FSAL).</summary>
    private void AdvanceFirstStage(OdeMethod method)
    {
        int last = method == OdeMethod.Implicit ? ImplicitStages - 1 : 6;
        (_k[0], _k[last]) = (_k[last], _k[0]);
    }
}
