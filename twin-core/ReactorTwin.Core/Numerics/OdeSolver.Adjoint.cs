namespace ReactorTwin.Core.Numerics;

/// <summary>
/// The discrete adjoint of <see cref="OdeSolver"/>'s steps (reverse mode through the Runge–Kutta formulas, the step
/// sizes held fixed). For a step y₊ = y + h Σ b_i k_i with k_i = f(t + c_i h, Y_i), Y_i = y + h Σ_{j≤i} a_ij k_j
/// (a_ii = 0 for Dormand–Prince and the first ESDIRK stage, γ otherwise) and an adjoint ȳ₊ = ∂ℓ/∂y₊, going through
/// the stages backwards:
/// <code>
/// k̄_i = h b_i ȳ₊ + Σ_{l&gt;i} h a_li w_l,   u_i = (I − h a_ii J_i)⁻ᵀ k̄_i,   w_i = J_iᵀ u_i,
/// ȳ = ȳ₊ + Σ_i w_i,   θ̄ += Σ_i (∂f/∂θ)_iᵀ u_i
/// </code>
/// with J_i = ∂f/∂y at Y_i. For the implicit stages this is exact when the stage equations are solved exactly; the
/// Newton error (below the tolerance) is the only difference from the derivative of the computed numbers.
/// </summary>
public sealed partial class OdeSolver
{
    private double[][]? _kBar;
    private IOdeStepObserver? _observer;

    /// <summary>Receives every accepted step (null: none).</summary>
    internal IOdeStepObserver? Observer
    {
        get => _observer;
        set => _observer = value;
    }

    /// <summary>
    /// Propagates an adjoint backwards through one recorded step: on entry <paramref name="yBar"/> is ∂ℓ/∂y at the
    /// step's end, on return at its start; ∂ℓ/∂θ contributions are added to <paramref name="thetaBar"/>.
    /// </summary>
    /// <returns>False when a transposed stage matrix was singular.</returns>
    internal bool ReverseStep<TSystem>(TSystem system, OdeTape.Step step, ReadOnlySpan<double> start, ReadOnlySpan<double> stages, int nonNegative, double[] yBar, double[] thetaBar)
        where TSystem : IOdeAdjointSystem
    {
        int n = Dimension;
        double h = step.H;
        bool implicitStep = step.Method == OdeMethod.Implicit;
        _kBar ??= [new double[n], new double[n], new double[n], new double[n], new double[n], new double[n]];
        double[][] kBar = _kBar;
        double[] y = _yStage, u = _v, w = _delta;

        if (step.Clipped)
        {
            // Components set to zero at the end of the step do not depend on anything before it.
            ReadOnlySpan<double> b = implicitStep ? EsdirkA.AsSpan(5 * ImplicitStages, ImplicitStages) : ExplicitWeights;
            for (int i = 0; i < nonNegative; i++)
            {
                double raw = start[i];
                for (int s = 0; s < 6; s++)
                {
                    raw += h * b[s] * stages[(s * n) + i];
                }

                if (start[i] >= 0 && raw < 0)
                {
                    yBar[i] = 0.0;
                }
            }
        }

        ReadOnlySpan<double> weights = implicitStep ? EsdirkA.AsSpan(5 * ImplicitStages, ImplicitStages) : ExplicitWeights;
        for (int s = 0; s < 6; s++)
        {
            Array.Clear(kBar[s]);
            AddScaled(kBar[s], h * weights[s], yBar);
        }

        for (int s = 5; s >= 0; s--)
        {
            // Y_s = y + h Σ_{j≤s} a_sj k_j.
            ReadOnlySpan<double> a = implicitStep ? EsdirkA.AsSpan(s * ImplicitStages, ImplicitStages) : ExplicitA.AsSpan(s * 6, 6);
            start.CopyTo(y);
            for (int j = 0; j <= s; j++)
            {
                if (a[j] != 0.0)
                {
                    AddScaled(y, h * a[j], stages.Slice(j * n, n));
                }
            }

            double ts = step.T + ((implicitStep ? EsdirkC[s] : ExplicitC[s]) * h);
            kBar[s].AsSpan().CopyTo(u);
            if (a[s] != 0.0 && !system.SolveStageTransposed(ts, h * a[s], y, u))
            {
                return false;
            }

            Array.Clear(w);
            system.AddVectorJacobian(ts, y, u, w, thetaBar);
            AddScaled(yBar, 1.0, w);
            for (int j = 0; j < s; j++)
            {
                if (a[j] != 0.0)
                {
                    AddScaled(kBar[j], h * a[j], w);
                }
            }
        }

        return true;
    }

    /// <summary>target += c·x, on <see cref="System.Numerics.Vector{T}"/> lanes.</summary>
    private static void AddScaled(Span<double> target, double c, ReadOnlySpan<double> x)
    {
        int i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            var cv = new System.Numerics.Vector<double>(c);
            var tv = System.Runtime.InteropServices.MemoryMarshal.Cast<double, System.Numerics.Vector<double>>(target);
            var xv = System.Runtime.InteropServices.MemoryMarshal.Cast<double, System.Numerics.Vector<double>>(x);
            for (int v = 0; v < tv.Length; v++)
            {
                tv[v] += cv * xv[v];
            }

            i = tv.Length * System.Numerics.Vector<double>.Count;
        }

        for (; i < target.Length; i++)
        {
            target[i] += c * x[i];
        }
    }

    // Dormand–Prince as a table for the reverse pass: row s holds a_sj (j < s), the weights are the 5th-order b.
    private static readonly double[] ExplicitA =
    [
        0, 0, 0, 0, 0, 0,
        A21, 0, 0, 0, 0, 0,
        A31, A32, 0, 0, 0, 0,
        A41, A42, A43, 0, 0, 0,
        A51, A52, A53, A54, 0, 0,
        A61, A62, A63, A64, A65, 0,
    ];

    private static readonly double[] ExplicitWeights = [A71, 0, A73, A74, A75, A76];

    private static readonly double[] ExplicitC = [0, C2, C3, C4, C5, 1];
}
