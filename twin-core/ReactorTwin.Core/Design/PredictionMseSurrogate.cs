using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Design;

/// <summary>
/// The LNA surrogate of the digital twin's prediction MSE (seed 001 eq. 6, 14–16): for test initial states s₀ʰ,
/// h = 1..H, and the output Y = z_m(T) (e.g. mAb at the end of the batch),
/// <code>
/// J(u) = Σ_h E[(Yᵖ(s₀ʰ, θᶜ) − Yᵈ(s₀ʰ, u))²] = Σ_h [ (η_m(T; θᶜ) − η_m(T; u))² + Ψ_mm(T; θᶜ) + Ψ_mm(T; u) ]
/// </code>
/// with the physical (p) and twin (d) outputs independent and each N(η_m, Ψ_mm) under the LNA. The unknown θᶜ enters
/// through bootstrap averages (seed section 5: f(θᶜ) ≈ (1/l)Σ f(θ̃ⁿ), g(θᶜ) ≈ (1/l)Σ g(θ̃ⁿ)), set by
/// <see cref="SetReference"/>. The gradient ∂J/∂u comes from the LNA's exact forward sensitivities. The seed's
/// first-order Euler sums (eq. 15–16) are one way to integrate η and Ψ; this class uses the adaptive LNA solver (or the
/// Euler form, through <see cref="LnaOptions.Integrator"/>). Not thread-safe.
/// </summary>
public sealed class PredictionMseSurrogate
{
    private readonly LnaSolver _withSens, _plain;
    private readonly LnaState _s, _plainState;
    private readonly double[][] _tests;
    private readonly double[] _refMean, _refVar;
    private readonly int _m, _n, _q;

    /// <summary>Creates the surrogate.</summary>
    /// <param name="model">The twin's model.</param>
    /// <param name="estimated">Indices into θ of u (the calibrated parameters).</param>
    /// <param name="testInitialStates">The prediction points D_test = {s₀ʰ} (full states z₀).</param>
    /// <param name="output">Name of the output component m (species or cell phase).</param>
    /// <param name="horizonHours">T, the prediction horizon (h), &gt; 0.</param>
    /// <param name="options">LNA options of J and its gradient; null for defaults.</param>
    /// <param name="referenceOptions">LNA options of the reference draws (no sensitivities); null for <paramref name="options"/>.</param>
    public PredictionMseSurrogate(ReactionNetwork model, IReadOnlyList<int> estimated, IReadOnlyList<double[]> testInitialStates, string output, double horizonHours, LnaOptions? options = null, LnaOptions? referenceOptions = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(estimated);
        ArgumentNullException.ThrowIfNull(testInitialStates);
        _m = model.IndexOfState(output);
        if (_m < 0)
        {
            throw new ArgumentException($"output '{output}' is not a state component of model '{model.Name}'", nameof(output));
        }

        if (!(horizonHours > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(horizonHours), horizonHours, "the horizon must be > 0 hours");
        }

        if (testInitialStates.Count == 0 || testInitialStates.Any(s => s.Length != model.StateDimension))
        {
            throw new ArgumentException($"give at least one test initial state of {model.StateDimension} values", nameof(testInitialStates));
        }

        Model = model;
        HorizonHours = horizonHours;
        _n = model.StateDimension;
        _q = estimated.Count;
        Estimated = [.. estimated];
        _tests = [.. testInitialStates.Select(s => s.ToArray())];
        _withSens = new LnaSolver(model, estimated, options);
        _plain = new LnaSolver(model, [], referenceOptions ?? options);
        _s = _withSens.CreateState();
        _plainState = _plain.CreateState();
        _refMean = new double[_tests.Length];
        _refVar = new double[_tests.Length];
    }

    /// <summary>The model.</summary>
    public ReactionNetwork Model { get; }

    /// <summary>Indices into θ of the calibrated parameters u.</summary>
    public IReadOnlyList<int> Estimated { get; }

    /// <summary>T (h).</summary>
    public double HorizonHours { get; }

    /// <summary>H, the number of test initial states.</summary>
    public int TestCount => _tests.Length;

    /// <summary>Bootstrap estimate of η_m(T; θᶜ) for test state h.</summary>
    public double ReferenceMean(int h) => _refMean[h];

    /// <summary>Bootstrap estimate of Ψ_mm(T; θᶜ) for test state h.</summary>
    public double ReferenceVariance(int h) => _refVar[h];

    /// <summary>
    /// Sets the physical-system reference from draws θ̃ⁿ (full parameter vectors: bootstrap estimates, posterior draws,
    /// or the single true θᶜ when it is known, as in tests). Draws whose LNA fails are skipped; at least one must succeed.
    /// </summary>
    /// <exception cref="LnaException">No draw gave a valid LNA solution.</exception>
    public void SetReference(IReadOnlyList<double[]> draws)
    {
        ArgumentNullException.ThrowIfNull(draws);
        Array.Clear(_refMean);
        Array.Clear(_refVar);
        int used = 0;
        var mean = new double[_tests.Length];
        var variance = new double[_tests.Length];
        foreach (var theta in draws)
        {
            try
            {
                for (int h = 0; h < _tests.Length; h++)
                {
                    (mean[h], variance[h]) = Predict(theta, h);
                }
            }
            catch (LnaException)
            {
                continue;
            }

            for (int h = 0; h < _tests.Length; h++)
            {
                _refMean[h] += mean[h];
                _refVar[h] += variance[h];
            }

            used++;
        }

        if (used == 0)
        {
            throw new LnaException($"the LNA failed for all {draws.Count} reference draws");
        }

        for (int h = 0; h < _tests.Length; h++)
        {
            _refMean[h] /= used;
            _refVar[h] /= used;
        }
    }

    /// <summary>LNA prediction (η_m(T), Ψ_mm(T)) of the output at test state h under θ (full vector).</summary>
    public (double Mean, double Variance) Predict(ReadOnlySpan<double> theta, int h)
    {
        _plainState.Reset(_tests[h]);
        _plain.Propagate(_plainState, theta, 0, HorizonHours);
        return (_plainState.Mean[_m], _plainState.Covariance[(_m * _n) + _m]);
    }

    /// <summary>
    /// J(u) and, when <paramref name="gradient"/> is not empty, ∂J/∂u (length q, natural scale):
    /// ∂J/∂u_k = Σ_h [ −2 (η̄_h − η_m) ∂η_m/∂u_k + ∂Ψ_mm/∂u_k ].
    /// </summary>
    /// <param name="theta">The twin's full parameter vector with u in the estimated positions.</param>
    /// <param name="gradient">Receives ∂J/∂u, or empty to skip the sensitivities.</param>
    /// <exception cref="LnaException">The LNA failed at u.</exception>
    public double Evaluate(ReadOnlySpan<double> theta, Span<double> gradient)
    {
        bool withGradient = !gradient.IsEmpty;
        if (withGradient && gradient.Length != _q)
        {
            throw new ArgumentException($"the gradient has {gradient.Length} values; {_q} parameters are calibrated", nameof(gradient));
        }

        gradient.Clear();
        double j = 0;
        int mm = (_m * _n) + _m;
        for (int h = 0; h < _tests.Length; h++)
        {
            double mean, variance;
            if (withGradient)
            {
                _s.Reset(_tests[h]);
                _withSens.Propagate(_s, theta, 0, HorizonHours);
                mean = _s.Mean[_m];
                variance = _s.Covariance[mm];
                double diff = _refMean[h] - mean;
                for (int k = 0; k < _q; k++)
                {
                    gradient[k] += (-2 * diff * _s.MeanSensitivity[(k * _n) + _m]) + _s.CovarianceSensitivity[(k * _n * _n) + mm];
                }
            }
            else
            {
                (mean, variance) = Predict(theta, h);
            }

            double d = _refMean[h] - mean;
            j += (d * d) + _refVar[h] + variance;
        }

        return j;
    }
}
