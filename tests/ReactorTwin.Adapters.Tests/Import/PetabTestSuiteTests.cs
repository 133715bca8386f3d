using ReactorTwin.Adapters.Import.Petab;

namespace ReactorTwin.Adapters.Tests.Import;

/// <summary>
/// The official PEtab test suite v1.0.0 (SBML), cases 0001–0020 (docs/petab.md has the table): simulations, chi2 and
/// log-likelihood at the nominal parameters within each case's stated tolerances (absolute, as the suite's own checker
/// compares them).
/// </summary>
public sealed class PetabTestSuiteTests
{
    [Theory]
    [MemberData(nameof(PetabSolution.Cases), MemberType = typeof(PetabSolution))]
    public void Case_NominalParameters_MatchesSolution(string id)
    {
        var expected = PetabSolution.Load(id);
        var problem = PetabProblem.Load(expected.ProblemPath);

        var result = new PetabObjective(problem).Evaluate();

        Assert.Equal(expected.Simulations.Count, result.Simulations.Count);
        for (int i = 0; i < expected.Simulations.Count; i++)
        {
            Assert.True(Math.Abs(result.Simulations[i] - expected.Simulations[i]) <= expected.TolSimulations, $"case {id}, measurement {i + 1}: simulated {result.Simulations[i]}, expected {expected.Simulations[i]} ± {expected.TolSimulations}");
        }

        Assert.True(Math.Abs(result.Chi2 - expected.Chi2) <= expected.TolChi2, $"case {id}: chi2 {result.Chi2}, expected {expected.Chi2} ± {expected.TolChi2}");
        Assert.True(Math.Abs(result.LogLikelihood - expected.LogLikelihood) <= expected.TolLlh, $"case {id}: llh {result.LogLikelihood}, expected {expected.LogLikelihood} ± {expected.TolLlh}");
    }
}
