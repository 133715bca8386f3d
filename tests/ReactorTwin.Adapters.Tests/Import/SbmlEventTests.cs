using ReactorTwin.Adapters.Import.Sbml;

namespace ReactorTwin.Adapters.Tests.Import;

/// <summary>Events of imported SBML models, simulated by <see cref="SbmlSimulator"/>, against closed forms of A' = −kA.</summary>
public sealed class SbmlEventTests
{
    private const double K = 0.7;

    [Fact]
    public void Simulate_TimeTriggeredBolus_MatchesClosedForm()
    {
        // at t = 2 h: A += 1 (a bolus feed)
        var model = SbmlImporter.Read(new StringReader(Decay("<apply><geq/><csymbol encoding=\"text\" definitionURL=\"http://www.sbml.org/sbml/symbols/time\">t</csymbol><cn>2</cn></apply>", "<apply><plus/><ci>A</ci><cn>1</cn></apply>")), "bolus.xml");
        double[] times = [0.5, 1.9, 2.5, 6.0];

        var z = Simulate(model, times);

        for (int j = 0; j < times.Length; j++)
        {
            double t = times[j];
            double exact = t < 2 ? Math.Exp(-K * t) : (Math.Exp(-2 * K) + 1) * Math.Exp(-K * (t - 2));
            Assert.Equal(exact, z[j], 1e-6);
        }
    }

    [Fact]
    public void Simulate_StateTriggeredReset_FiresEachTimeTheConditionTurnsTrue()
    {
        // whenever A falls below 0.5: A = 1, so A is periodic with period ln 2 / k
        var model = SbmlImporter.Read(new StringReader(Decay("<apply><lt/><ci>A</ci><cn>0.5</cn></apply>", "<cn>1</cn>")), "reset.xml");
        double period = Math.Log(2) / K;
        double[] times = [0.3, period + 0.3, (3 * period) + 0.3];

        var z = Simulate(model, times);

        Assert.All(z, a => Assert.Equal(Math.Exp(-K * 0.3), a, 1e-6));
    }

    [Fact]
    public void Find_ModelWithEvents_RefusesPreequilibration()
    {
        var model = SbmlImporter.Read(new StringReader(Decay("<apply><lt/><ci>A</ci><cn>0.5</cn></apply>", "<cn>1</cn>")), "reset.xml");

        var ex = Assert.Throws<NotSupportedException>(() => new SteadyStateSolver().Find(new SbmlSimulator(model), [1.0], model.Network.NominalParameters()));

        Assert.Equal("pre-equilibration of a model with events (e) is not supported", ex.Message);
    }

    private static double[] Simulate(SbmlModel model, double[] times)
    {
        var output = new double[times.Length];
        new SbmlSimulator(model, new Core.Numerics.OdeOptions { RelativeTolerance = 1e-9, AbsoluteTolerance = 1e-12 })
            .Simulate(model.InitialState(model.Network.NominalParameters()), model.Network.NominalParameters(), times, output);
        return output;
    }

    private static string Decay(string trigger, string assignment) => $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
          <model id="decay">
            <listOfCompartments><compartment id="c" size="1" constant="true"/></listOfCompartments>
            <listOfSpecies><species id="A" compartment="c" initialConcentration="1" hasOnlySubstanceUnits="false" boundaryCondition="false" constant="false"/></listOfSpecies>
            <listOfParameters><parameter id="k" value="0.7" constant="true"/></listOfParameters>
            <listOfReactions>
              <reaction id="r" reversible="false">
                <listOfReactants><speciesReference species="A" stoichiometry="1" constant="true"/></listOfReactants>
                <kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><times/><ci>c</ci><ci>k</ci><ci>A</ci></apply></math></kineticLaw>
              </reaction>
            </listOfReactions>
            <listOfEvents>
              <event id="e">
                <trigger initialValue="false" persistent="true"><math xmlns="http://www.w3.org/1998/Math/MathML">{trigger}</math></trigger>
                <listOfEventAssignments><eventAssignment variable="A"><math xmlns="http://www.w3.org/1998/Math/MathML">{assignment}</math></eventAssignment></listOfEventAssignments>
              </event>
            </listOfEvents>
          </model>
        </sbml>
        """;
}
