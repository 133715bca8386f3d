namespace ReactorTwin.Core.Estimation;

/// <summary>
/// Adam ascent step exactly as seed 001 eq. 11 (Kingma &amp; Ba 2014), per-parameter learning rates λ:
/// <code>
/// m_k = ξ1 m_{k−1} + (1 − ξ1) G_k,   v_k = ξ2 v_{k−1} + (1 − ξ2) G_k²
/// x_k = x_{k−1} + λ ⊙ (m_k / (1 − ξ1^k)) / (√(v_k / (1 − ξ2^k)) + ε)
/// </code>
/// which equals eq. 11's sums (1 − ξ)Σ_l ξ^{k−l} G_l. ξ1 = 0.9, ξ2 = 0.999, ε = 1e−8 by default. G is the gradient
/// of the objective being maximised (a log-likelihood); the step is taken in whatever coordinates the caller uses
/// (the seed uses natural-scale θ with λ = [3e−5, 3e−7, 3, 0.3, 3e−5, 3e−7, 0.3] for CHO). No allocation per step.
/// </summary>
public sealed class AdamOptimizer
{
    private readonly double[] _m, _v, _rates;

    /// <summary>Creates the optimizer.</summary>
    /// <param name="learningRates">λ per coordinate (&gt; 0).</param>
    /// <param name="beta1">ξ1 in [0, 1).</param>
    /// <param name="beta2">ξ2 in [0, 1).</param>
    /// <param name="epsilon">ε &gt; 0.</param>
    public AdamOptimizer(IReadOnlyList<double> learningRates, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(learningRates);
        if (learningRates.Count == 0 || learningRates.Any(r => !(r > 0) || !double.IsFinite(r)))
        {
            throw new ArgumentException("learning rates must be finite and > 0, one per coordinate", nameof(learningRates));
        }

        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(epsilon > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(beta1), "need 0 ≤ ξ1, ξ2 < 1 and ε > 0");
        }

        _rates = [.. learningRates];
        _m = new double[_rates.Length];
        _v = new double[_rates.Length];
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    /// <summary>ξ1.</summary>
    public double Beta1 { get; }

    /// <summary>ξ2.</summary>
    public double Beta2 { get; }

    /// <summary>ε.</summary>
    public double Epsilon { get; }

    /// <summary>Steps taken so far (k).</summary>
    public int Steps { get; private set; }

    /// <summary>Forgets the moment estimates (k = 0).</summary>
    public void Reset()
    {
        Array.Clear(_m);
        Array.Clear(_v);
        Steps = 0;
    }

    /// <summary>Copies the moment estimates and step count of <paramref name="other"/> (same dimension and rates).</summary>
    public void CopyStateFrom(AdamOptimizer other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other._m.Length != _m.Length)
        {
            throw new ArgumentException($"dimension {other._m.Length} differs from {_m.Length}", nameof(other));
        }

        other._m.CopyTo(_m, 0);
        other._v.CopyTo(_v, 0);
        Steps = other.Steps;
    }

    /// <summary>
    /// The step the next call to <see cref="Step"/> would take with gradient G, without changing any state, and its
    /// derivative: <paramref name="step"/>_j = λ_j m̂_j/(√v̂_j + ε) and <paramref name="derivative"/>_j = ∂step_j/∂G_j
    /// (the step is element-wise in G, so its Jacobian is diagonal). This is the virtual model update's sensitivity used
    /// by the design policy gradient (seed 001 eq. 8, 17):
    /// <code>
    /// ∂step/∂G = λ [ (1 − ξ1)/c1 / (√v̂ + ε) − m̂ (1 − ξ2) G / (c2 √v̂ (√v̂ + ε)²) ],  c_i = 1 − ξ_i^{k+1}
    /// </code>
    /// </summary>
    public void Preview(ReadOnlySpan<double> gradient, Span<double> step, Span<double> derivative)
    {
        if (gradient.Length != _rates.Length || step.Length != _rates.Length || derivative.Length != _rates.Length)
        {
            throw new ArgumentException($"gradient, step and derivative must have length {_rates.Length}");
        }

        int k = Steps + 1;
        double c1 = 1.0 - Math.Pow(Beta1, k);
        double c2 = 1.0 - Math.Pow(Beta2, k);
        for (int j = 0; j < _rates.Length; j++)
        {
            double g = gradient[j];
            double m = ((Beta1 * _m[j]) + ((1 - Beta1) * g)) / c1;
            double v = ((Beta2 * _v[j]) + ((1 - Beta2) * g * g)) / c2;
            double sv = Math.Sqrt(v);
            double den = sv + Epsilon;
            step[j] = _rates[j] * m / den;
            double dm = (1 - Beta1) / c1;
            double dsv = sv > 0 ? (1 - Beta2) * g / (c2 * sv) : 0.0;
            derivative[j] = _rates[j] * ((dm / den) - (m * dsv / (den * den)));
        }
    }

    /// <summary>One ascent step x ← x + λ ⊙ m̂ / (√v̂ + ε) with gradient <paramref name="gradient"/>.</summary>
    public void Step(Span<double> x, ReadOnlySpan<double> gradient)
    {
        if (x.Length != _rates.Length || gradient.Length != _rates.Length)
        {
            throw new ArgumentException($"x and gradient must have length {_rates.Length}");
        }

        Steps++;
        double c1 = 1.0 - Math.Pow(Beta1, Steps);
        double c2 = 1.0 - Math.Pow(Beta2, Steps);
        for (int j = 0; j < _rates.Length; j++)
        {
            double g = gradient[j];
            _m[j] = (Beta1 * _m[j]) + ((1 - Beta1) * g);
            _v[j] = (Beta2 * _v[j]) + ((1 - Beta2) * g * g);
            x[j] += _rates[j] * (_m[j] / c1) / (Math.Sqrt(_v[j] / c2) + Epsilon);
        }
    }
}
