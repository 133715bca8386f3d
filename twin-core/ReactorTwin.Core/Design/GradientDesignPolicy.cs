using ReactorTwin.Core.Lna;

namespace ReactorTwin.Core.Design;

/// <summary>Settings of <see cref="GradientDesignPolicy"/>.</summary>
public sealed record GradientDesignOptions
{
    /// <summary>γ, the design step size of eq. 9 (design units² per objective unit); the seed uses 5 for CHO.</summary>
    public double StepSize { get; init; } = 5.0;

    /// <summary>Euler–Maruyama step of the virtual batch τᵈ (h).</summary>
    public double SimulationStepHours { get; init; } = 0.1;

    /// <summary>The initial design ω₀ when the context gives no previous design; null for the centre of the design box.</summary>
    public IReadOnlyList<double>? InitialDesign { get; init; }

    /// <summary>How the gradient becomes a step; <see cref="DesignStepRule.Normalized"/> by default (see there).</summary>
    public DesignStepRule StepRule { get; init; } = DesignStepRule.Normalized;
}

/// <summary>The step of eq. 9.</summary>
public enum DesignStepRule
{
    /// <summary>ω ← ω − γ ∇_ω J, literally eq. 9; γ then carries the units of the objective (design units² per
    /// objective unit), so a γ tuned for one output scale does not transfer to another.</summary>
    Raw,

    /// <summary>ω ← ω − γ ∇_ω J / ‖∇_ω J‖: a step of length γ (design units) down the gradient direction, independent of
    /// the objective's units. Used for the seed reproduction because the seed's γ = 5 was tuned for output units it does
    /// not state (docs/reproduction-seed001.md).</summary>
    Normalized,
}

/// <summary>
/// The gradient-based calibration policy of seed 001 Algorithm 1 (eq. 8–10, 14–17): the design moves down the exact
/// gradient of the surrogate prediction MSE through the virtual model update,
/// <code>
/// ω_k = Π_box( ω_{k−1} − γ ∇_u J(u)|_{u = u_k(θ̂_{k−1}, ω_{k−1})} · ∂u_k/∂ω|_{ω_{k−1}} )
/// </code>
/// where u_k is one Adam step of the twin on a simulated batch at ω (<see cref="VirtualModelUpdate"/>) and J the LNA
/// surrogate of eq. 14 with θᶜ replaced by the context's bootstrap draws (<see cref="PredictionMseSurrogate"/>). The
/// simulated batch uses fresh common random numbers each iteration (seeded from the context). ω_{k−1} is the context's
/// previous design when it has one. The reported predicted objective is the first-order prediction J + ∇J·(ω_k − ω_{k−1}).
/// </summary>
public sealed class GradientDesignPolicy : IDesignPolicy
{
    private readonly PredictionMseSurrogate _surrogate;
    private readonly VirtualModelUpdate _update;
    private readonly GradientDesignOptions _options;
    private readonly double[] _design, _u, _du, _gradU, _theta, _gradW;

    /// <summary>Creates the policy.</summary>
    /// <param name="space">The design space (initial-state setpoints).</param>
    /// <param name="surrogate">The prediction-MSE surrogate (its model and calibrated parameters are the twin's).</param>
    /// <param name="samplingTimes">Sampling times of a batch (h, increasing, &gt; 0; t = 0 is the initial state).</param>
    /// <param name="options">Settings; null for defaults.</param>
    public GradientDesignPolicy(DesignSpace space, PredictionMseSurrogate surrogate, IReadOnlyList<double> samplingTimes, GradientDesignOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(surrogate);
        _options = options ?? new GradientDesignOptions();
        if (!(_options.StepSize > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.StepSize, "the design step size γ must be > 0");
        }

        _surrogate = surrogate;
        _update = new VirtualModelUpdate(space, surrogate.Estimated, samplingTimes, _options.SimulationStepHours);
        int d = space.Dimension, q = surrogate.Estimated.Count;
        _design = new double[d];
        if (_options.InitialDesign is { } w0)
        {
            if (w0.Count != d || !space.Contains(w0.ToArray()))
            {
                throw new ArgumentException($"the initial design must have {d} component(s) inside the design box", nameof(options));
            }

            w0.ToArray().CopyTo(_design, 0);
        }
        else
        {
            for (int j = 0; j < d; j++)
            {
                _design[j] = 0.5 * (space.Variables[j].Lower + space.Variables[j].Upper);
            }
        }

        _u = new double[q];
        _du = new double[q * d];
        _gradU = new double[q];
        _gradW = new double[d];
        _theta = new double[space.Model.Parameters.Count];
    }

    /// <inheritdoc/>
    public string Name => "gradient";

    /// <inheritdoc/>
    public bool NeedsDraws => true;

    /// <inheritdoc/>
    public bool LearnsFromOutcomes => false;

    /// <summary>The current design ω_{k−1}.</summary>
    public ReadOnlySpan<double> CurrentDesign => _design;

    /// <summary>∇_ω J of the last proposal (length d).</summary>
    public ReadOnlySpan<double> LastGradient => _gradW;

    /// <inheritdoc/>
    public DesignProposal Propose(DesignContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.PreviousDesign is { } previous)
        {
            previous.CopyTo(_design, 0);
        }

        try
        {
            _surrogate.SetReference(context.Draws.Count > 0 ? context.Draws : [context.Estimate]);
        }
        catch (LnaException)
        {
            // No usable reference: no gradient information this iteration, the design stays where it is.
            _gradW.AsSpan().Clear();
            return new DesignProposal((double[])_design.Clone(), null, "none (the LNA failed for every reference draw; design kept)");
        }

        int seed = context.Random.Next();
        double j = ObjectiveAndGradient(context, _design, seed, _gradW);
        var next = (double[])_design.Clone();
        double norm = 0;
        foreach (double g in _gradW)
        {
            norm += g * g;
        }

        norm = Math.Sqrt(norm);
        double scale = _options.StepRule == DesignStepRule.Raw ? _options.StepSize : norm > 0 ? _options.StepSize / norm : 0.0;
        for (int e = 0; e < next.Length; e++)
        {
            next[e] -= scale * _gradW[e];
        }

        context.Space.Clamp(next);
        double predicted = j;
        for (int e = 0; e < next.Length; e++)
        {
            predicted += _gradW[e] * (next[e] - _design[e]);
        }

        next.CopyTo(_design, 0);
        return new DesignProposal(next, Math.Max(predicted, 0.0), "surrogate prediction MSE J (output units²), first-order prediction");
    }

    /// <inheritdoc/>
    public void Observe(ReadOnlySpan<double> design, double outcome)
    {
    }

    /// <summary>
    /// J(u_k(θ̂, ω)) and its exact gradient in ω (eq. 17) with the virtual batch driven by <paramref name="noiseSeed"/>.
    /// The surrogate's reference must be set. Exposed for checks against finite differences.
    /// </summary>
    internal double ObjectiveAndGradient(DesignContext context, ReadOnlySpan<double> design, int noiseSeed, Span<double> gradient)
    {
        int d = context.Space.Dimension, q = _u.Length;
        try
        {
            _update.Evaluate(design, context.Estimate, context.Optimizer, noiseSeed, _u, _du);
        }
        catch (Simulation.SimulationException)
        {
            gradient.Clear();
            return double.PositiveInfinity;
        }

        context.Estimate.CopyTo(_theta, 0);
        for (int k = 0; k < q; k++)
        {
            _theta[context.Estimated[k]] = _u[k];
        }

        double j;
        try
        {
            j = _surrogate.Evaluate(_theta, _gradU);
        }
        catch (LnaException)
        {
            gradient.Clear();
            return double.PositiveInfinity;
        }

        for (int e = 0; e < d; e++)
        {
            double g = 0;
            for (int k = 0; k < q; k++)
            {
                g += _gradU[k] * _du[(k * d) + e];
            }

            gradient[e] = double.IsFinite(g) ? g : 0.0;
        }

        return j;
    }
}
