using ReactorTwin.Core.Models;

namespace ReactorTwin.Host.Tests;

/// <summary>
/// A small E. coli glucose/acetate batch model whose species match the real data in Fixtures/data (GLC, ACE in mM,
/// X in gDW/L), with an observable OD600 = X/0.37; its Monod rates are rough, enough to evaluate likelihoods.
/// </summary>
internal static class EcoliTestModel
{
    /// <summary>Where the copied data files are at test time.</summary>
    public static string DataFile(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "data", name);

    /// <summary>The model file's text; <paramref name="odNoise"/> is the observable's "noise" object, or null for none.</summary>
    public static string Json(string? odNoise = null, double systemSize = 100) => $$"""
        {
          "name": "ecoli-glc-ace",
          "systemSize": {{systemSize.ToString(System.Globalization.CultureInfo.InvariantCulture)}},
          "species": [
            { "name": "GLC", "unit": "mM", "initial": 12.7 },
            { "name": "ACE", "unit": "mM", "initial": 1 },
            { "name": "X", "unit": "gDW/L", "initial": 0.06 }
          ],
          "parameters": [
            { "name": "qs", "value": 9, "lower": 0.1, "upper": 100, "unit": "mmol/gDW/h" },
            { "name": "Ks", "value": 0.05, "lower": 0.001, "upper": 10, "unit": "mM", "estimate": false },
            { "name": "qa", "value": 3, "lower": 0.01, "upper": 50, "unit": "mmol/gDW/h" },
            { "name": "Ka", "value": 0.5, "lower": 0.01, "upper": 10, "unit": "mM", "estimate": false },
            { "name": "Ki", "value": 1, "lower": 0.01, "upper": 10, "unit": "mM", "estimate": false }
          ],
          "reactions": [
            { "name": "uptake", "stoichiometry": { "GLC": -1, "X": 0.09, "ACE": 0.4 }, "rate": "qs*GLC/(Ks + GLC)*X" },
            { "name": "acetate", "stoichiometry": { "ACE": -1, "X": 0.03 }, "rate": "qa*ACE/(Ka + ACE)*Ki/(Ki + GLC)*X" }
          ],
          "observables": [
            { "name": "OD600", "formula": "X/0.37", "unit": "AU"{{(odNoise is null ? string.Empty : ", \"noise\": " + odNoise)}} }
          ]
        }
        """;

    public static ReactionNetwork Load() => ModelJson.Parse(Json(), "ecoli.json");

    /// <summary>Writes the model file into <paramref name="dir"/> and returns its path.</summary>
    public static string Write(string dir, string? odNoise = null, string name = "ecoli.json")
    {
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, Json(odNoise));
        return path;
    }
}
