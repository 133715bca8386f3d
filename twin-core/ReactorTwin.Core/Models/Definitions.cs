namespace ReactorTwin.Core.Models;

/// <summary>
/// A chemical species of the culture medium (a metabolite or product): one component of the stochastic state s
/// of seed 001 eq. 2. Concentrations are in <paramref name="Unit"/> (mM for the built-in CHO model).
/// </summary>
/// <param name="Name">Identifier used in formulas and data files (letters, digits, underscore; not a digit first).</param>
/// <param name="Unit">Unit of the concentration, for display and data validation.</param>
/// <param name="Initial">Default initial concentration, ≥ 0.</param>
/// <param name="Description">Free text.</param>
public sealed record Species(string Name, string Unit, double Initial, string? Description = null)
{
    /// <summary>The name of a parameter whose value is the initial concentration (so that a fit can estimate it), or
    /// null for the number <see cref="Initial"/>. A batch that measures the species at t = 0 starts from its
    /// measurement instead.</summary>
    public string? InitialParameter { get; init; }
}

/// <summary>
/// A population of cells in one metabolic phase (seed 001 eq. 1): its density X_i is a state component that
/// follows a deterministic ODE driven by growth reactions and phase transitions; it carries no intrinsic noise
/// of its own (see docs/models/cho.md).
/// </summary>
/// <param name="Name">Identifier used in formulas (for example <c>X0</c>).</param>
/// <param name="Unit">Unit of the density (10^6 cells/L for CHO).</param>
/// <param name="Initial">Default initial density, ≥ 0.</param>
/// <param name="Description">Free text.</param>
public sealed record CellPhase(string Name, string Unit, double Initial, string? Description = null)
{
    /// <summary>The name of a parameter whose value is the initial density (estimable), or null for <see cref="Initial"/>.
    /// A batch that measures the phase at t = 0 starts from its measurement instead.</summary>
    public string? InitialParameter { get; init; }
}

/// <summary>A kinetic parameter θ_k with its bounds and estimation scale.</summary>
/// <param name="Name">Identifier used in formulas.</param>
/// <param name="Value">Nominal (or true) value on the natural scale; must lie in [<paramref name="Lower"/>, <paramref name="Upper"/>].</param>
/// <param name="Lower">Lower bound (natural scale). Must be &gt; 0 when <paramref name="LogScale"/> is true.</param>
/// <param name="Upper">Upper bound (natural scale), &gt; <paramref name="Lower"/>.</param>
/// <param name="LogScale">True for positive parameters that estimators move on log scale.</param>
/// <param name="Estimate">False for parameters held fixed during calibration (β of seed 001 section 6.2).</param>
/// <param name="Unit">Unit of the parameter.</param>
/// <param name="Description">Free text.</param>
/// <param name="Prior">The prior the model states, or null for <see cref="PriorSpec.WeaklyInformative"/>.</param>
public sealed record Parameter(
    string Name,
    double Value,
    double Lower,
    double Upper,
    bool LogScale = true,
    bool Estimate = true,
    string Unit = "",
    string? Description = null,
    PriorSpec? Prior = null)
{
    /// <summary>The prior in force: the stated one, or the weakly informative default.</summary>
    public PriorSpec EffectivePrior => Prior ?? PriorSpec.WeaklyInformative(this);

    /// <summary>
    /// True when the parameter takes its own value in each batch (a condition-specific parameter: the inoculum
    /// <c>X0</c>, a feed concentration that differs between runs). A fit then estimates one copy per batch, named
    /// <c>NAME@BATCH</c>, with this parameter's bounds, scale and prior, and the shared parameters alongside
    /// (<see cref="Estimation.BatchParameterLayout"/>). Default false: one value for every batch.
    /// </summary>
    public bool PerBatch { get; init; }
}

/// <summary>
/// A reaction channel r: a stoichiometry column N_{·r} and a rate law a_r(z; θ, t, u), the propensity per unit
/// volume (seed 001 eq. 2–3). The rate is either one formula (<paramref name="Rate"/>) or a per-phase specific rate
/// ν_r(s; α_i) for each phase i, in which case a_r = Σ_i X_i ν_r(s; α_i) (seed 001 section 2.3). A rate that is a
/// difference (a reversible net rate such as <c>k1*A - k2*B</c>) is split into a forward and a backward channel
/// for the stochastic methods (docs/model-format.md).
/// </summary>
/// <param name="Name">Identifier of the reaction.</param>
/// <param name="Stoichiometry">Net change of each species or cell phase per unit of reaction extent; other components are 0.</param>
/// <param name="Rate">Formula of the total rate a_r, or null when <paramref name="PerPhaseRates"/> is given.</param>
/// <param name="PerPhaseRates">Specific rate per cell phase (formula per phase name), or null.</param>
/// <param name="Description">Free text.</param>
/// <param name="StoichiometryFormulas">
/// Coefficients given as formulas of parameters (a yield: <c>"-1/Yxs"</c>), per species or cell phase; a component
/// appears here or in <paramref name="Stoichiometry"/>, not both. Null for none.
/// </param>
public sealed record Reaction(
    string Name,
    IReadOnlyDictionary<string, double> Stoichiometry,
    string? Rate,
    IReadOnlyDictionary<string, string>? PerPhaseRates = null,
    string? Description = null,
    IReadOnlyDictionary<string, string>? StoichiometryFormulas = null)
{
    /// <summary>
    /// Whether the rate is a reversible net rate to split into forward and backward channels: null (default) splits a
    /// rate written as a difference, false keeps it one channel whose propensity is max(a, 0) (a net rate by design),
    /// true states that it is reversible (a rate that cannot be split is then an error).
    /// </summary>
    public bool? Reversible { get; init; }

    /// <summary>
    /// True for a flux that carries no intrinsic noise although it changes species: feed, dilution, gas–liquid
    /// transfer, a probe's response. The mean ODE is unchanged; the LNA, CLE, SSA and the Euler–Maruyama likelihood
    /// leave the channel out of the noise (it is integrated as a deterministic drift). Default false.
    /// </summary>
    public bool Deterministic { get; init; }
}

/// <summary>How an input's value between two given points is formed.</summary>
public enum InputInterpolation
{
    /// <summary>Each value holds until the next one (a setpoint, a pump rate): piecewise constant.</summary>
    Constant,

    /// <summary>Straight lines between the given points, the last value held after them.</summary>
    Linear,
}

/// <summary>
/// A named input u(t) of the process that formulas may use: a feed rate, a temperature or pH setpoint. Its values
/// come from the data of a batch (an input series), from setpoints set live, or, when neither gives any, from
/// <paramref name="Value"/>. Inputs are known, not estimated.
/// </summary>
/// <param name="Name">Identifier used in formulas.</param>
/// <param name="Unit">Unit (for example <c>L/h</c>).</param>
/// <param name="Value">Value when nothing else gives one (finite).</param>
/// <param name="Interpolation">How a series of values is read between its points.</param>
/// <param name="Description">Free text.</param>
public sealed record ModelInput(string Name, string Unit, double Value, InputInterpolation Interpolation = InputInterpolation.Constant, string? Description = null);

/// <summary>
/// A metabolic phase shift X_from → X_to with first-order flux <c>Rate · X_from</c> (seed 001 eq. 1, the β terms).
/// </summary>
/// <param name="From">Source phase name.</param>
/// <param name="To">Destination phase name.</param>
/// <param name="Rate">Formula of the per-cell transition rate (1/h), typically a parameter such as <c>beta0</c>.</param>
public sealed record PhaseTransition(string From, string To, string Rate);

/// <summary>
/// A discrete change of the state during a batch: a bolus feed, a pulse, a sampling withdrawal, an induction. It
/// fires at the given <paramref name="Times"/>, or when <paramref name="Trigger"/> (one comparison such as
/// <c>"S &lt; 0.1"</c> or <c>"t &gt;= tFeed"</c>) becomes true; then every assignment sets its state component to
/// the value of its formula, all formulas evaluated with the values just before the event.
/// </summary>
/// <param name="Name">Identifier of the event.</param>
/// <param name="Times">Times (h) at which it fires, or null for a condition trigger.</param>
/// <param name="Trigger">The condition, or null for a time event.</param>
/// <param name="Assignments">Per state component, the formula of its new value (for example <c>"S + 5"</c>).</param>
/// <param name="Description">Free text.</param>
public sealed record ModelEvent(
    string Name,
    IReadOnlyList<double>? Times,
    string? Trigger,
    IReadOnlyDictionary<string, string> Assignments,
    string? Description = null);

/// <summary>The distribution of a measurement around its prediction.</summary>
public enum NoiseDistribution
{
    /// <summary>y = μ + ε, ε ~ N(0, σ²).</summary>
    Normal,

    /// <summary>log y = log μ + ε, ε ~ N(0, σ²): σ is the SD of log y (≈ a relative SD for small σ); y and μ must be &gt; 0.</summary>
    LogNormal,
}

/// <summary>
/// How a measured value scatters around its prediction μ. The SD σ is <paramref name="Formula"/> when given (a formula
/// of the parameters, states, inputs, t and the observable's own name, which stands for μ: <c>"sigma_a + sigma_b*OD600"</c>
/// with estimable noise parameters), else √(<paramref name="Absolute"/>² + (<paramref name="Relative"/>·y)²) with y the
/// measured value. For <see cref="NoiseDistribution.LogNormal"/> σ is on the log scale and Relative must be 0.
/// </summary>
/// <param name="Distribution">Normal or log-normal.</param>
/// <param name="Absolute">Absolute SD (measured units; log units for log-normal), ≥ 0.</param>
/// <param name="Relative">SD as a fraction of the measured value (normal only), ≥ 0.</param>
/// <param name="Formula">A formula for σ, or null.</param>
public sealed record NoiseModel(NoiseDistribution Distribution = NoiseDistribution.Normal, double Absolute = 0, double Relative = 0, string? Formula = null);

/// <summary>
/// What an instrument measures, as a formula of the states, inputs, parameters and t (<c>OD600 = 2.6*X</c>), with the
/// noise of its measurements. Data name observables like states.
/// </summary>
/// <param name="Name">Identifier used in data files.</param>
/// <param name="Formula">The predicted value μ.</param>
/// <param name="Unit">Unit of the measured value.</param>
/// <param name="Noise">Its noise model, or null to give it with the data (the command line's --noise).</param>
/// <param name="Description">Free text.</param>
public sealed record Observable(string Name, string Formula, string Unit = "", NoiseModel? Noise = null, string? Description = null);
