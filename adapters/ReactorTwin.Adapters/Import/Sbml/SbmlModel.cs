using ReactorTwin.Core.Models;

namespace ReactorTwin.Adapters.Import.Sbml;

/// <summary>An imported SBML model: the network, the initial assignments of its state, and what was not imported.</summary>
public sealed class SbmlModel
{
    private readonly Core.Expressions.Formula?[] _initial;

    internal SbmlModel(ReactionNetwork network, IReadOnlyDictionary<string, string> initialFormulas, IReadOnlyList<string> compartments, IReadOnlyList<string> warnings)
    {
        Network = network;
        InitialFormulas = initialFormulas;
        Compartments = compartments;
        Warnings = warnings;
        _initial = [.. network.StateNames.Select(s => initialFormulas.TryGetValue(s, out var f) ? Core.Expressions.Formula.Parse(f) : null)];
    }

    /// <summary>The model as a reaction network (its parameters are the SBML file's values).</summary>
    public ReactionNetwork Network { get; }

    /// <summary>State variables whose initial value is a formula of the parameters (SBML initial assignments).</summary>
    public IReadOnlyDictionary<string, string> InitialFormulas { get; }

    /// <summary>The parameters of <see cref="Network"/> that are compartment sizes.</summary>
    public IReadOnlyList<string> Compartments { get; }

    /// <summary>What the network alone does not reproduce (events), one sentence each.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>The model's events, in file order (simulated by <see cref="SbmlSimulator"/>).</summary>
    public IReadOnlyList<SbmlModelEvent> Events { get; init; } = [];

    /// <summary>
    /// The variables set by assignment rules (and constants set by initial assignments), each as a formula of the
    /// state and parameters of <see cref="Network"/>: what observables of a PEtab problem may name.
    /// </summary>
    public IReadOnlyDictionary<string, string> Assignments { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The initial state z(0) for parameters θ: the file's initial values, then the initial assignments evaluated
    /// with θ (in state order; a formula that names a state uses that state's value so far).
    /// </summary>
    /// <param name="parameters">θ in the order of <see cref="ReactionNetwork.Parameters"/>.</param>
    public double[] InitialState(ReadOnlySpan<double> parameters)
    {
        var z = Network.DefaultInitialState();
        var theta = parameters.ToArray();
        for (int i = 0; i < z.Length; i++)
        {
            if (_initial[i] is { } f)
            {
                z[i] = f.Evaluate(name =>
                {
                    int k = Network.IndexOfParameter(name);
                    return k >= 0 ? theta[k] : z[Network.IndexOfState(name)];
                });
            }
        }

        return z;
    }
}
