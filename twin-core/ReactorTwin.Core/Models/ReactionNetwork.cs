namespace ReactorTwin.Core.Models;

/// <summary>
/// A validated, immutable reaction-network model of a culture (seed 001 section 2): species s, cell phases X_i,
/// parameters θ, reaction channels with stoichiometry N and rate laws, phase transitions and a system size Ω.
/// The state vector is z = [s; X] (species in declaration order, then cell phases). Time is in hours.
/// Build one with <see cref="CreateBuilder"/> or load one with <see cref="ModelJson"/>; both validate through
/// the same rules and report every problem at once in a <see cref="ModelDefinitionException"/>.
/// </summary>
public sealed class ReactionNetwork
{
    private readonly Dictionary<string, int> _stateIndex;
    private readonly Dictionary<string, int> _parameterIndex;

    private readonly Dictionary<string, int> _inputIndex;
    private readonly ModelDraft _draft;

    private readonly Dictionary<string, int> _channelIndex;

    internal ReactionNetwork(ModelDraft draft, CompiledModel compiled, CompiledEvents events, CompiledObservables observables)
    {
        _draft = draft;
        CompiledEvents = events;
        CompiledObservables = observables;
        Observables = draft.Observables;
        Name = draft.Name;
        Description = draft.Description;
        SystemSize = draft.SystemSize;
        Species = draft.Species;
        CellPhases = draft.Phases;
        Parameters = draft.Parameters;
        Reactions = draft.Reactions;
        Transitions = draft.Transitions;
        Inputs = draft.Inputs;
        Events = draft.Events;
        Compiled = compiled;
        var names = new List<string>(Species.Count + CellPhases.Count);
        names.AddRange(Species.Select(s => s.Name));
        names.AddRange(CellPhases.Select(p => p.Name));
        StateNames = names;
        _stateIndex = names.Select((n, i) => (n, i)).ToDictionary(t => t.n, t => t.i, StringComparer.Ordinal);
        _parameterIndex = Parameters.Select((p, i) => (p.Name, i)).ToDictionary(t => t.Name, t => t.i, StringComparer.Ordinal);
        _inputIndex = Inputs.Select((u, i) => (u.Name, i)).ToDictionary(t => t.Name, t => t.i, StringComparer.Ordinal);
        InitialStateParameters = [.. Species.Select(sp => sp.InitialParameter).Concat(CellPhases.Select(cp => cp.InitialParameter))
            .Select(name => name is null ? -1 : _parameterIndex[name])];
        HasParameterInitialValues = InitialStateParameters.Any(p => p >= 0);
        ChannelNames = [.. names, .. Observables.Select(o => o.Name)];
        _channelIndex = ChannelNames.Select((c, i) => (c, i)).ToDictionary(t => t.c, t => t.i, StringComparer.Ordinal);
    }

    /// <summary>Per state component, the index into θ of the parameter that is its initial value, or −1 for a number
    /// (<see cref="Species.InitialParameter"/>).</summary>
    public IReadOnlyList<int> InitialStateParameters { get; }

    /// <summary>True when some initial value is a parameter (a fit can estimate it).</summary>
    public bool HasParameterInitialValues { get; }

    /// <summary>Model name (for example <c>cho</c>).</summary>
    public string Name { get; }

    /// <summary>Free-text description.</summary>
    public string? Description { get; }

    /// <summary>
    /// System size Ω (&gt; 0): intrinsic noise covariance scales as 1/Ω (seed 001 uses Ω = 1). For the SSA a
    /// concentration c corresponds to c·Ω molecules.
    /// </summary>
    public double SystemSize { get; }

    /// <summary>Species in state order (the first <see cref="SpeciesCount"/> components of z).</summary>
    public IReadOnlyList<Species> Species { get; }

    /// <summary>Cell phases in state order (the components of z after the species).</summary>
    public IReadOnlyList<CellPhase> CellPhases { get; }

    /// <summary>Parameters in the order of the parameter vector θ.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Reactions in declaration order (the columns of N, then one channel per transition).</summary>
    public IReadOnlyList<Reaction> Reactions { get; }

    /// <summary>Phase transitions.</summary>
    public IReadOnlyList<PhaseTransition> Transitions { get; }

    /// <summary>The inputs u (feed rates, setpoints) formulas may use, in the order of their argument slots.</summary>
    public IReadOnlyList<ModelInput> Inputs { get; }

    /// <summary>The events (bolus feeds, withdrawals, switches), in the order they apply when due together.</summary>
    public IReadOnlyList<ModelEvent> Events { get; }

    /// <summary>Names of the state components: species, then cell phases.</summary>
    public IReadOnlyList<string> StateNames { get; }

    /// <summary>Number of species.</summary>
    public int SpeciesCount => Species.Count;

    /// <summary>Dimension of z = species + cell phases.</summary>
    public int StateDimension => StateNames.Count;

    /// <summary>The compiled rate laws, drift and exact derivatives.</summary>
    public CompiledModel Compiled { get; }

    /// <summary>The compiled events.</summary>
    internal CompiledEvents CompiledEvents { get; }

    /// <summary>What instruments measure, with their noise (see <see cref="Observable"/>).</summary>
    public IReadOnlyList<Observable> Observables { get; }

    /// <summary>The compiled observables and noise formulas.</summary>
    public CompiledObservables CompiledObservables { get; }

    /// <summary>
    /// Names of the measurement channels data may give: the state components (0..n−1), then the observables.
    /// </summary>
    public IReadOnlyList<string> ChannelNames { get; }

    /// <summary>Index of a state component or observable among <see cref="ChannelNames"/>, or −1.</summary>
    public int IndexOfChannel(string name) => _channelIndex.TryGetValue(name, out int i) ? i : -1;

    /// <summary>The unit of measurement channel c (a state's or an observable's).</summary>
    public string ChannelUnit(int channel) => channel < StateDimension ? StateUnit(channel) : Observables[channel - StateDimension].Unit;

    /// <summary>Starts a C# definition of a model.</summary>
    public static ReactionNetworkBuilder CreateBuilder(string name) => new(name);

    /// <summary>The unit of a species, cell phase, observable or input by name, or null when the model has no such name.</summary>
    public string? UnitOf(string name)
    {
        int c = IndexOfChannel(name);
        if (c >= 0)
        {
            return ChannelUnit(c);
        }

        int u = IndexOfInput(name);
        return u >= 0 ? Inputs[u].Unit : null;
    }

    /// <summary>Index of a species or cell phase in z, or −1.</summary>
    public int IndexOfState(string name) => _stateIndex.TryGetValue(name, out int i) ? i : -1;

    /// <summary>Index of a parameter in θ, or −1.</summary>
    public int IndexOfParameter(string name) => _parameterIndex.TryGetValue(name, out int i) ? i : -1;

    /// <summary>Index of an input in <see cref="Inputs"/>, or −1.</summary>
    public int IndexOfInput(string name) => _inputIndex.TryGetValue(name, out int i) ? i : -1;

    /// <summary>The unit of state component i (a species', a cell phase's).</summary>
    public string StateUnit(int index) => index < Species.Count ? Species[index].Unit : CellPhases[index - Species.Count].Unit;

    /// <summary>The default initial state z₀ from the definitions (new array).</summary>
    public double[] DefaultInitialState()
    {
        var z = new double[StateDimension];
        for (int i = 0; i < Species.Count; i++)
        {
            z[i] = Species[i].Initial;
        }

        for (int j = 0; j < CellPhases.Count; j++)
        {
            z[Species.Count + j] = CellPhases[j].Initial;
        }

        for (int i = 0; i < z.Length; i++)
        {
            if (InitialStateParameters[i] >= 0)
            {
                z[i] = Parameters[InitialStateParameters[i]].Value;
            }
        }

        return z;
    }

    /// <summary>The nominal parameter vector θ (new array, natural scale).</summary>
    public double[] NominalParameters() => Parameters.Select(p => p.Value).ToArray();

    /// <summary>
    /// Returns a copy of this model with another system size Ω (same reactions and parameters).
    /// </summary>
    /// <param name="systemSize">Ω, finite and &gt; 0.</param>
    public ReactionNetwork WithSystemSize(double systemSize)
    {
        if (!(systemSize > 0) || !double.IsFinite(systemSize))
        {
            throw new ArgumentOutOfRangeException(nameof(systemSize), systemSize, "The system size Ω must be finite and > 0.");
        }

        return new ReactionNetwork(_draft with { SystemSize = systemSize }, Compiled, CompiledEvents, CompiledObservables);
    }
}
