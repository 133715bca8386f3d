namespace ReactorTwin.Core.Numerics;

/// <summary>Receives every accepted step of an <see cref="OdeSolver"/> (for a reverse pass).</summary>
internal interface IOdeStepObserver
{
    /// <summary>
    /// A step was accepted: its method, start time and length, the state at its start and the stage derivatives
    /// k₁…k₆ (both methods have six solution stages), and whether non-negative components of the result were clipped.
    /// </summary>
    void Accepted(OdeMethod method, double t, double h, double[] start, double[][] stages, bool clipped);
}

/// <summary>
/// A system that sets a floor under the magnitude each component's error is measured against: the error of
/// component i is scaled by atol + rtol·max(|y_i|, |ŷ_i|, floor_i). The LNA uses it to measure an error in a
/// covariance Ψ_ij against the scale of the correlation, √(Ψ_ii Ψ_jj), instead of against Ψ_ij, which passes through
/// zero while the variances stay large.
/// </summary>
internal interface IOdeErrorScale : IOdeSystem
{
    /// <summary>Writes the floors for the step that starts at <paramref name="y"/> (length Dimension, every entry).</summary>
    void ErrorScaleFloor(double[] y, double[] floor);
}

/// <summary>
/// A system whose vector–Jacobian products are available, so that <see cref="OdeSolver"/> can run the discrete
/// adjoint (reverse mode) of its steps: the exact gradient of the computed solution with the accepted step sizes held
/// fixed (ADR 0011).
/// </summary>
internal interface IOdeAdjointSystem : IOdeSystem
{
    /// <summary>yBar += (∂f/∂y)ᵀ λ and thetaBar += (∂f/∂θ)ᵀ λ at (t, y).</summary>
    void AddVectorJacobian(double t, double[] y, double[] lambda, double[] yBar, double[] thetaBar);

    /// <summary>r ← (I − hγ ∂f/∂y(t, y))⁻ᵀ r; false when the matrix is singular.</summary>
    bool SolveStageTransposed(double t, double hGamma, double[] y, double[] r);
}

/// <summary>
/// The accepted steps of one or more solves, kept for a reverse pass: per step the method, t, h, the start state and
/// the six stage derivatives. Storage grows to the largest need once and is then reused (no allocation in steady
/// state). Not thread-safe.
/// </summary>
internal sealed class OdeTape : IOdeStepObserver
{
    private double[] _data = [];
    private Step[] _steps = new Step[64];
    private int _used;

    public OdeTape(int dimension)
    {
        Dimension = dimension;
    }

    /// <summary>Length of the recorded states.</summary>
    public int Dimension { get; }

    /// <summary>Steps recorded since <see cref="Clear"/>.</summary>
    public int Count { get; private set; }

    /// <summary>Forgets the recorded steps (keeps the storage).</summary>
    public void Clear()
    {
        Count = 0;
        _used = 0;
    }

    public void Accepted(OdeMethod method, double t, double h, double[] start, double[][] stages, bool clipped)
    {
        int d = Dimension, need = 7 * d;
        if (_used + need > _data.Length)
        {
            Array.Resize(ref _data, Math.Max(2 * _data.Length, _used + need));
        }

        if (Count == _steps.Length)
        {
            Array.Resize(ref _steps, 2 * _steps.Length);
        }

        start.AsSpan(0, d).CopyTo(_data.AsSpan(_used, d));
        for (int s = 0; s < 6; s++)
        {
            stages[s].AsSpan(0, d).CopyTo(_data.AsSpan(_used + ((s + 1) * d), d));
        }

        _steps[Count++] = new Step(method, t, h, _used, clipped);
        _used += need;
    }

    /// <summary>The i-th recorded step.</summary>
    public Step this[int i] => _steps[i];

    /// <summary>The start state of step i.</summary>
    public ReadOnlySpan<double> Start(int i) => _data.AsSpan(_steps[i].Offset, Dimension);

    /// <summary>The six stage derivatives of step i, one after the other.</summary>
    public ReadOnlySpan<double> Stages(int i) => _data.AsSpan(_steps[i].Offset + Dimension, 6 * Dimension);

    /// <summary>One recorded step.</summary>
    public readonly record struct Step(OdeMethod Method, double T, double H, int Offset, bool Clipped);
}
