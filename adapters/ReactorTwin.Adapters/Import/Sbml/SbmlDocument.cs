namespace ReactorTwin.Adapters.Import.Sbml;

/// <summary>An SBML compartment: <paramref name="Size"/> in volume units (1 when the file gives none).</summary>
internal sealed record SbmlCompartment(string Id, double Size, bool Constant, int Line);

/// <summary>
/// An SBML species. <paramref name="Initial"/> is in the species' state unit: a concentration unless
/// <paramref name="OnlySubstanceUnits"/> (then an amount); NaN when the file gives no initial value.
/// </summary>
internal sealed record SbmlSpecies(string Id, string Compartment, double Initial, bool OnlySubstanceUnits, bool Boundary, bool Constant, int Line);

/// <summary>An SBML (global) parameter; <paramref name="Value"/> NaN when the file gives none.</summary>
internal sealed record SbmlParameter(string Id, double Value, bool Constant, int Line);

/// <summary>A reactant or product with its stoichiometric coefficient.</summary>
internal sealed record SbmlSpeciesReference(string Species, double Stoichiometry);

/// <summary>A reaction: reactants, products, the kinetic law (amount per time) and its local parameters.</summary>
internal sealed record SbmlReaction(
    string Id,
    IReadOnlyList<SbmlSpeciesReference> Reactants,
    IReadOnlyList<SbmlSpeciesReference> Products,
    MathNode Law,
    IReadOnlyDictionary<string, double> LocalParameters,
    int Line);

/// <summary>A function definition: a lambda of named arguments.</summary>
internal sealed record SbmlFunction(string Id, IReadOnlyList<string> Arguments, MathNode Body);

/// <summary>A rule or initial assignment: variable and formula.</summary>
internal sealed record SbmlAssignment(string Variable, MathNode Math, int Line);

/// <summary>
/// An event: when <paramref name="Trigger"/> turns from false to true the <paramref name="Assignments"/> are applied at
/// once (each evaluated with the values just before). <paramref name="InitialValue"/> is the trigger's value assumed
/// just before t = 0 (SBML Level 3; Level 2 events cannot fire at t = 0, so true).
/// </summary>
internal sealed record SbmlEvent(string Id, MathNode Trigger, bool InitialValue, IReadOnlyList<SbmlAssignment> Assignments, int Line);

/// <summary>The parts of an SBML model the importer uses, as read from the file.</summary>
internal sealed record SbmlDocument(
    string Id,
    int Level,
    IReadOnlyList<SbmlCompartment> Compartments,
    IReadOnlyList<SbmlSpecies> Species,
    IReadOnlyList<SbmlParameter> Parameters,
    IReadOnlyList<SbmlFunction> Functions,
    IReadOnlyList<SbmlAssignment> InitialAssignments,
    IReadOnlyList<SbmlAssignment> AssignmentRules,
    IReadOnlyList<SbmlAssignment> RateRules,
    IReadOnlyList<SbmlReaction> Reactions,
    IReadOnlyList<SbmlEvent> Events);
