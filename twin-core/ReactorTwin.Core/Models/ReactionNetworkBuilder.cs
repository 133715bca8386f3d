namespace ReactorTwin.Core.Models;

/// <summary>
/// Fluent C# definition of a <see cref="ReactionNetwork"/>. Nothing is checked until <see cref="Build"/>, which
/// applies exactly the rules used for JSON files and lists every problem at once.
/// </summary>
/// <example>
/// <code>
/// var model = ReactionNetwork.CreateBuilder("decay")
///     .AddSpecies("A", "mM", 1.0)
///     .AddParameter("k", 0.5, 1e-3, 10)
///     .AddReaction("decay", new() { ["A"] = -1 }, "k*A")
///     .Build();
/// </code>
/// </example>
public sealed class ReactionNetworkBuilder
{
    private readonly string _name;
    private readonly List<Species> _species = [];
    private readonly List<CellPhase> _phases = [];
    private readonly List<Parameter> _parameters = [];
    private readonly List<Reaction> _reactions = [];
    private readonly List<PhaseTransition> _transitions = [];
    private readonly List<ModelInput> _inputs = [];
    private readonly List<ModelEvent> _events = [];
    private readonly List<Observable> _observables = [];
    private string? _description;
    private double _systemSize = 1.0;

    internal ReactionNetworkBuilder(string name) => _name = name;

    /// <summary>Sets the description.</summary>
    public ReactionNetworkBuilder WithDescription(string description)
    {
        _description = description;
        return this;
    }

    /// <summary>Sets the system size Ω (default 1, as in seed 001).</summary>
    public ReactionNetworkBuilder WithSystemSize(double omega)
    {
        _systemSize = omega;
        return this;
    }

    /// <summary>Adds a species (see <see cref="Species"/>).</summary>
    public ReactionNetworkBuilder AddSpecies(string name, string unit, double initial, string? description = null)
    {
        _species.Add(new Species(name, unit, initial, description));
        return this;
    }

    /// <summary>Adds a cell phase (see <see cref="CellPhase"/>).</summary>
    public ReactionNetworkBuilder AddCellPhase(string name, string unit, double initial, string? description = null)
    {
        _phases.Add(new CellPhase(name, unit, initial, description));
        return this;
    }

    /// <summary>Adds a parameter (see <see cref="Parameter"/>).</summary>
    public ReactionNetworkBuilder AddParameter(Parameter parameter)
    {
        _parameters.Add(parameter);
        return this;
    }

    /// <summary>Adds a positive, estimated, log-scale parameter.</summary>
    public ReactionNetworkBuilder AddParameter(string name, double value, double lower, double upper, string unit = "")
        => AddParameter(new Parameter(name, value, lower, upper, LogScale: lower > 0, Estimate: true, Unit: unit));

    /// <summary>Adds an estimated parameter with a stated prior (log scale when <paramref name="lower"/> &gt; 0).</summary>
    public ReactionNetworkBuilder AddParameter(string name, double value, double lower, double upper, string unit, PriorSpec prior)
        => AddParameter(new Parameter(name, value, lower, upper, LogScale: lower > 0, Estimate: true, Unit: unit, Prior: prior));

    /// <summary>Adds a reaction with one total-rate formula.</summary>
    public ReactionNetworkBuilder AddReaction(string name, Dictionary<string, double> stoichiometry, string rate, string? description = null)
    {
        _reactions.Add(new Reaction(name, stoichiometry, rate, null, description));
        return this;
    }

    /// <summary>
    /// Adds a reaction whose stoichiometric coefficients are formulas of parameters, such as a yield:
    /// <c>AddReaction("growth", "mu*X", ("X", "1"), ("S", "-1/Yxs"))</c>.
    /// </summary>
    public ReactionNetworkBuilder AddReaction(string name, string rate, params (string Component, string Coefficient)[] stoichiometry)
    {
        var formulas = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (component, coefficient) in stoichiometry)
        {
            formulas[component] = coefficient;
        }

        _reactions.Add(new Reaction(name, new Dictionary<string, double>(), rate, null, null, formulas));
        return this;
    }

    /// <summary>Adds a reaction (see <see cref="Reaction"/>).</summary>
    public ReactionNetworkBuilder AddReaction(Reaction reaction)
    {
        _reactions.Add(reaction);
        return this;
    }

    /// <summary>Adds an input (see <see cref="ModelInput"/>).</summary>
    public ReactionNetworkBuilder AddInput(string name, string unit, double value = 0.0, InputInterpolation interpolation = InputInterpolation.Constant)
    {
        _inputs.Add(new ModelInput(name, unit, value, interpolation));
        return this;
    }

    /// <summary>Adds an observable: <c>AddObservable("OD600", "2.6*X", new NoiseModel(Relative: 0.05))</c>.</summary>
    public ReactionNetworkBuilder AddObservable(string name, string formula, NoiseModel? noise = null, string unit = "")
    {
        _observables.Add(new Observable(name, formula, unit, noise));
        return this;
    }

    /// <summary>Adds an event at fixed times: <c>AddEvent("bolus", [10, 20], ("S", "S + 5"))</c>.</summary>
    public ReactionNetworkBuilder AddEvent(string name, IReadOnlyList<double> times, params (string Component, string Value)[] assignments)
    {
        _events.Add(new ModelEvent(name, times, null, ToMap(assignments)));
        return this;
    }

    /// <summary>Adds an event that fires when <paramref name="trigger"/> becomes true: <c>AddEvent("refeed", "S &lt; 0.1", ("S", "S + 5"))</c>.</summary>
    public ReactionNetworkBuilder AddEvent(string name, string trigger, params (string Component, string Value)[] assignments)
    {
        _events.Add(new ModelEvent(name, null, trigger, ToMap(assignments)));
        return this;
    }

    private static Dictionary<string, string> ToMap((string Component, string Value)[] pairs)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (component, value) in pairs)
        {
            map[component] = value;
        }

        return map;
    }

    /// <summary>Adds a reaction whose rate is Σ_i X_i ν(s; α_i) over the listed phases (seed 001 eq. 2).</summary>
    public ReactionNetworkBuilder AddPerPhaseReaction(
        string name,
        Dictionary<string, double> stoichiometry,
        Dictionary<string, string> perPhaseRates,
        string? description = null)
    {
        _reactions.Add(new Reaction(name, stoichiometry, null, perPhaseRates, description));
        return this;
    }

    /// <summary>Adds a phase transition X_from → X_to with flux rate·X_from.</summary>
    public ReactionNetworkBuilder AddTransition(string from, string to, string rate)
    {
        _transitions.Add(new PhaseTransition(from, to, rate));
        return this;
    }

    /// <summary>Validates and builds the model.</summary>
    /// <param name="source">Name used in error messages (default <c>&lt;code&gt;</c>).</param>
    /// <exception cref="ModelDefinitionException">The definition has one or more problems.</exception>
    public ReactionNetwork Build(string source = "<code>") =>
        ModelValidator.Build(new ModelDraft(_name, _description, _systemSize, [.. _species], [.. _phases], [.. _parameters], [.. _reactions], [.. _transitions]) { Inputs = [.. _inputs], Events = [.. _events], Observables = [.. _observables] }, source, null);
}

/// <summary>Unvalidated model parts, as written by a builder or read from JSON.</summary>
internal sealed record ModelDraft(
    string Name,
    string? Description,
    double SystemSize,
    IReadOnlyList<Species> Species,
    IReadOnlyList<CellPhase> Phases,
    IReadOnlyList<Parameter> Parameters,
    IReadOnlyList<Reaction> Reactions,
    IReadOnlyList<PhaseTransition> Transitions)
{
    /// <summary>The inputs formulas may use.</summary>
    public IReadOnlyList<ModelInput> Inputs { get; init; } = [];

    /// <summary>The events.</summary>
    public IReadOnlyList<ModelEvent> Events { get; init; } = [];

    /// <summary>The observables.</summary>
    public IReadOnlyList<Observable> Observables { get; init; } = [];
}
