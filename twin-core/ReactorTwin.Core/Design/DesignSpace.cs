using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Design;

/// <summary>
/// One bounded continuous setpoint of an experiment: the initial value of a state component (a species such as
/// glucose, or a cell density) chosen by the experimenter. For CHO (seed 001 section 6.2) the design is the
/// initial glucose GLC(0) ∈ [18, 38] mM.
/// </summary>
/// <param name="Name">Name of the state component (species or cell phase) it sets.</param>
/// <param name="StateIndex">Index of that component in z = [s; X].</param>
/// <param name="Lower">Lower bound (model units), finite.</param>
/// <param name="Upper">Upper bound (model units), finite and &gt; <paramref name="Lower"/>.</param>
public sealed record DesignVariable(string Name, int StateIndex, double Lower, double Upper);

/// <summary>
/// The design space Ω_design: a box of <see cref="DesignVariable"/>s and the map π(ω) from a design to the initial
/// state of the experiment (seed 001 section 3: s₀ = π(ω)); components not designed keep their base values.
/// π is linear (a selection), so ∂z₀/∂ω_j is the unit vector of variable j's state component.
/// </summary>
public sealed class DesignSpace
{
    private readonly double[] _baseState;

    /// <summary>Creates a design space.</summary>
    /// <param name="model">The model whose initial state is designed.</param>
    /// <param name="variables">One or more variables, each naming a distinct state component.</param>
    /// <param name="baseInitialState">Initial state of the components that are not designed; null for the model's
    /// initial values.</param>
    /// <exception cref="ArgumentException">Unknown or repeated component, bad bounds, or wrong base-state length.</exception>
    public DesignSpace(ReactionNetwork model, IReadOnlyList<(string Name, double Lower, double Upper)> variables, IReadOnlyList<double>? baseInitialState = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(variables);
        if (variables.Count == 0)
        {
            throw new ArgumentException("a design space needs at least one variable", nameof(variables));
        }

        var list = new List<DesignVariable>();
        foreach (var (name, lower, upper) in variables)
        {
            int index = model.IndexOfState(name);

            if (index < 0)
            {
                throw new ArgumentException($"design variable '{name}': no such species or cell phase in model '{model.Name}' (known: {string.Join(", ", model.StateNames)})", nameof(variables));
            }

            if (list.Exists(v => v.StateIndex == index))
            {
                throw new ArgumentException($"design variable '{name}' appears twice", nameof(variables));
            }

            if (!double.IsFinite(lower) || !double.IsFinite(upper) || !(upper > lower) || lower < 0)
            {
                throw new ArgumentException($"design variable '{name}': bounds [{lower}, {upper}] must be finite with 0 ≤ lower < upper", nameof(variables));
            }

            list.Add(new DesignVariable(name, index, lower, upper));
        }

        Variables = list;
        Model = model;
        _baseState = baseInitialState is null ? model.DefaultInitialState() : [.. baseInitialState];
        if (_baseState.Length != model.StateDimension)
        {
            throw new ArgumentException($"the base initial state has {_baseState.Length} values; model '{model.Name}' has {model.StateDimension} state components", nameof(baseInitialState));
        }
    }

    /// <summary>The model.</summary>
    public ReactionNetwork Model { get; }

    /// <summary>The design variables, in the order of ω.</summary>
    public IReadOnlyList<DesignVariable> Variables { get; }

    /// <summary>Dimension d of ω.</summary>
    public int Dimension => Variables.Count;

    /// <summary>The initial state of the components that are not designed.</summary>
    public ReadOnlySpan<double> BaseInitialState => _baseState;

    /// <summary>Writes z₀ = π(ω) into <paramref name="initialState"/> (length n).</summary>
    public void InitialState(ReadOnlySpan<double> design, Span<double> initialState)
    {
        CheckLength(design);
        _baseState.CopyTo(initialState);
        for (int j = 0; j < Variables.Count; j++)
        {
            initialState[Variables[j].StateIndex] = design[j];
        }
    }

    /// <summary>Returns π(ω) as a new array.</summary>
    public double[] InitialState(ReadOnlySpan<double> design)
    {
        var z = new double[_baseState.Length];
        InitialState(design, z);
        return z;
    }

    /// <summary>Projects ω onto the box in place; returns a mask of the components that were at or beyond a bound.</summary>
    public bool[] Clamp(Span<double> design)
    {
        CheckLength(design);
        var active = new bool[Variables.Count];
        for (int j = 0; j < Variables.Count; j++)
        {
            var v = Variables[j];
            if (design[j] <= v.Lower)
            {
                design[j] = v.Lower;
                active[j] = true;
            }
            else if (design[j] >= v.Upper)
            {
                design[j] = v.Upper;
                active[j] = true;
            }
        }

        return active;
    }

    /// <summary>True when every component is finite and within its bounds.</summary>
    public bool Contains(ReadOnlySpan<double> design)
    {
        if (design.Length != Variables.Count)
        {
            return false;
        }

        for (int j = 0; j < Variables.Count; j++)
        {
            if (!(design[j] >= Variables[j].Lower && design[j] <= Variables[j].Upper))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A design drawn uniformly from the box.</summary>
    public double[] Sample(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var w = new double[Variables.Count];
        for (int j = 0; j < w.Length; j++)
        {
            w[j] = Variables[j].Lower + ((Variables[j].Upper - Variables[j].Lower) * random.NextDouble());
        }

        return w;
    }

    /// <summary>Maps ω to [0, 1]^d (x_j = (ω_j − lower_j)/(upper_j − lower_j)).</summary>
    public void ToUnit(ReadOnlySpan<double> design, Span<double> unit)
    {
        CheckLength(design);
        for (int j = 0; j < Variables.Count; j++)
        {
            unit[j] = (design[j] - Variables[j].Lower) / (Variables[j].Upper - Variables[j].Lower);
        }
    }

    /// <summary>Maps x ∈ [0, 1]^d back to ω.</summary>
    public void FromUnit(ReadOnlySpan<double> unit, Span<double> design)
    {
        CheckLength(unit);
        for (int j = 0; j < Variables.Count; j++)
        {
            design[j] = Variables[j].Lower + (unit[j] * (Variables[j].Upper - Variables[j].Lower));
        }
    }

    private void CheckLength(ReadOnlySpan<double> design)
    {
        if (design.Length != Variables.Count)
        {
            throw new ArgumentException($"a design has {Variables.Count} component(s) ({string.Join(", ", Variables.Select(v => v.Name))}); {design.Length} given");
        }
    }
}
