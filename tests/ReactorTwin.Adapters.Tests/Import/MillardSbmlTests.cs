using System.Globalization;
using System.Security.Cryptography;
using ReactorTwin.Adapters.Import.Sbml;

namespace ReactorTwin.Adapters.Tests.Import;

/// <summary>
/// The Millard et al. (2021) E. coli glucose/acetate model (BioModels MODEL2005050001, ../shared/realdata) imported from
/// its SBML file as published, simulated with its published parameters and compared with SciPy's BDF on the SBML's own
/// right-hand side (benchmarks/scipy/millard_sbml_reference.py wrote Fixtures/millard2021_scipy_bdf.csv).
/// </summary>
public sealed class MillardSbmlTests
{
    /// <summary>SHA-256 of the file as distributed in ../shared/realdata (and by the authors).</summary>
    private const string PublishedSha256 = "8f5cd68ac09550e55e1dea26b97520ddda51436ab0ecb523c6ecfcc35367bf80";

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Import", "Fixtures", name);

    [Fact]
    public void Load_PublishedFile_ImportsUnchangedWithItsEventKept()
    {
        string path = Fixture("Millard2020_Ecoli_glc_ace_kinetic_model.xml");
        Assert.Equal(PublishedSha256, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))));

        var model = SbmlImporter.Load(path);

        Assert.Equal(new[] { "AcCoA", "AcP", "Ace", "Ace_out", "Glc", "X" }, model.Network.StateNames.Order(StringComparer.Ordinal).ToArray());
        var pulse = Assert.Single(model.Events);
        Assert.Equal("pulse_acetate", pulse.Id);
        Assert.Equal(["Ace_out"], pulse.Targets);
        Assert.Contains(model.Warnings, w => w.Contains("pulse_acetate", StringComparison.Ordinal));
        Assert.Contains("v_growth_rate", model.Assignments.Keys);
    }

    [Fact]
    public void Simulate_PublishedParameters_MatchesScipyBdfWithin1e4Relative()
    {
        var model = SbmlImporter.Load(Fixture("Millard2020_Ecoli_glc_ace_kinetic_model.xml"));
        var net = model.Network;
        int n = net.StateDimension;
        var theta = net.NominalParameters();
        var simulator = new SbmlSimulator(model); // the Core defaults: automatic stiff switching, rtol 1e-6, atol 1e-9
        var reference = File.ReadLines(Fixture("millard2021_scipy_bdf.csv")).Skip(1).Select(l => l.Split(','))
            .Select(c => (Scenario: c[0], Time: double.Parse(c[1], CultureInfo.InvariantCulture), Species: c[2], Value: double.Parse(c[3], CultureInfo.InvariantCulture)))
            .ToList();
        var scenarios = reference.Select(r => r.Scenario).Distinct().ToArray();
        Assert.Equal(["sbml", "1mM", "10mM", "30mM"], scenarios);
        int compared = 0;
        foreach (string scenario in scenarios)
        {
            var rows = reference.Where(r => r.Scenario == scenario).ToList();
            double[] times = [.. rows.Select(r => r.Time).Distinct()];
            var z0 = model.InitialState(theta);
            if (scenario == "sbml")
            {
                Assert.All(rows.Where(r => r.Time == 0), r => Assert.Equal(r.Value, z0[net.IndexOfState(r.Species)], 12));
            }

            foreach (var r in rows.Where(r => r.Time == 0))
            {
                z0[net.IndexOfState(r.Species)] = r.Value; // the batch's first sample (Glc, Ace_out, X)
            }

            var output = new double[times.Length * n];
            simulator.Simulate(z0, theta, times, output);
            foreach (var r in rows)
            {
                double got = output[(Array.IndexOf(times, r.Time) * n) + net.IndexOfState(r.Species)];
                // 1e-4 relative, with a floor of 1e-9 mM for glucose once it has run out (SciPy: -2e-15)
                Assert.True(Math.Abs(got - r.Value) <= (1e-4 * Math.Abs(r.Value)) + 1e-9, $"{scenario}, t = {r.Time} h, {r.Species}: {got} vs SciPy BDF {r.Value}");
                compared++;
            }
        }

        Assert.Equal(300, compared);
    }
}
