using ReactorTwin.Core.Models;

namespace ReactorTwin.Adapters.Import.Sbml;

/// <summary>
/// Imports an SBML Level 2/3 core model into a <see cref="ReactionNetwork"/> (docs/adr/0013-sbml-import.md):
/// <list type="bullet">
/// <item>State: the species that are not constant and not set by an assignment rule (concentrations, or amounts for
/// <c>hasOnlySubstanceUnits</c>), then the parameters that have a rate rule.</item>
/// <item>Parameters θ: compartment sizes, constant species, the other parameters and each reaction's local
/// parameters as <c>reaction_local</c>; values as in the file, held fixed (<see cref="Parameter.Estimate"/> false).</item>
/// <item>Channels: one per reaction and compartment of the species it changes, with rate = kinetic law / compartment
/// size (the law is in amount per time; a species in amount units takes the law itself), and one per rate rule
/// (<c>d var/dt</c> = the rule). So dz/dt = S a is SBML's ODE system exactly.</item>
/// <item>Function definitions, assignment rules, reaction identifiers used as symbols and initial assignments of
/// constant parameters are expanded into the formulas; initial assignments of state variables are kept as
/// <see cref="SbmlModel.InitialFormulas"/>, evaluated from θ by <see cref="SbmlModel.InitialState"/>.</item>
/// </list>
/// Events are not simulated: each one is listed in <see cref="SbmlModel.Warnings"/>. What cannot be expressed is
/// refused with its line (<see cref="SbmlImportException"/>).
/// </summary>
public static class SbmlImporter
{
    /// <summary>Reads and imports the SBML file at <paramref name="path"/>.</summary>
    /// <exception cref="SbmlImportException">The file is not SBML, or uses what the importer does not support.</exception>
    public static SbmlModel Load(string path)
    {
        using var reader = new StreamReader(path);
        return Read(reader, path);
    }

    /// <summary>Imports an SBML document read from <paramref name="text"/>; <paramref name="source"/> names it in messages.</summary>
    /// <exception cref="SbmlImportException">The document is not SBML, or uses what the importer does not support.</exception>
    public static SbmlModel Read(TextReader text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var doc = SbmlDocumentReader.Read(text, source);
        return new SbmlTranslation(doc, source).Build();
    }
}

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

    /// <summary>What the file has that is not simulated (events), one sentence each.</summary>
    public IReadOnlyList<string> Warnings { get; }

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
