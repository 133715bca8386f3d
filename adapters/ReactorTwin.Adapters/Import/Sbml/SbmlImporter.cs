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
/// <item>Events (trigger, assignments to state variables and parameters) are kept in <see cref="SbmlModel.Events"/>:
/// the network alone runs without them, <see cref="SbmlSimulator"/> applies them.</item>
/// </list>
/// What cannot be expressed is refused with its line (<see cref="SbmlImportException"/>).
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
