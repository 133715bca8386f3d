using System.Globalization;
using System.Text.Json;

namespace ReactorTwin.Host.Tests;

/// <summary>
/// An instrument that measures an observable, end to end from the command line: the real E. coli batch data
/// (Enjalbert 2017) with the biomass X given as OD600 = X/0.37 instead. The likelihood of the OD readings is that of the
/// X readings under the change of variables X = 0.37·OD (ℓ_OD = ℓ_X + N log 0.37, the gradient unchanged), whether the
/// OD noise comes from --noise or from the model file, and a fit on the OD data finds the fit on the X data.
/// </summary>
public sealed class ObservableFitCommandTests : CliHarness
{
    private const double Scale = 0.37; // gDW/L per OD unit, the model's OD600 = X/0.37
    private const double SdX = 0.01;   // gDW/L

    private static readonly string Millard = EcoliTestModel.DataFile("millard_1mM.csv");

    /// <summary>The data with every X reading after t = 0 written as OD600 = X/0.37; returns the path and the count.</summary>
    private (string Path, int Converted) OdData()
    {
        var lines = File.ReadAllLines(Millard);
        int converted = 0;
        var rewritten = lines.Select((line, i) =>
        {
            var f = line.Split(',');
            if (i == 0 || f[2] != "X" || double.Parse(f[1], CultureInfo.InvariantCulture) == 0)
            {
                return line;
            }

            converted++;
            double x = double.Parse(f[3], CultureInfo.InvariantCulture);
            return $"{f[0]},{f[1]},OD600,{(x / Scale).ToString("R", CultureInfo.InvariantCulture)}";
        });
        string path = Path.Combine(Dir, "od.csv");
        File.WriteAllLines(path, rewritten);
        return (path, converted);
    }

    private static (double LogLik, Dictionary<string, double> Gradient) Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var gradient = doc.RootElement.GetProperty("gradient").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
        return (doc.RootElement.GetProperty("loglik").GetDouble(), gradient);
    }

    [Theory]
    [InlineData("ode")]
    [InlineData("lna")]
    public void Loglik_OfOd600Readings_IsThatOfTheBiomassUnderTheChangeOfVariables(string kind)
    {
        var (od, n) = OdData();
        Assert.True(n >= 10, $"{n} X readings converted");
        string sdOd = (SdX / Scale).ToString("R", CultureInfo.InvariantCulture);
        string plainModel = EcoliTestModel.Write(Dir);
        string noisyModel = EcoliTestModel.Write(Dir, $$"""{ "sd": {{sdOd}} }""", "ecoli-od-noise.json");

        var x = Run("loglik", "--model", plainModel, "--data", Millard, "--likelihood", kind, "--noise", $"GLC=0.3,ACE=0.2,X={SdX.ToString(CultureInfo.InvariantCulture)}");
        var byOption = Run("loglik", "--model", plainModel, "--data", od, "--likelihood", kind, "--noise", $"GLC=0.3,ACE=0.2,OD600={sdOd}");
        var byModel = Run("loglik", "--model", noisyModel, "--data", od, "--likelihood", kind, "--noise", "GLC=0.3,ACE=0.2");
        Assert.True(x.Code == 0, x.Err);
        Assert.True(byOption.Code == 0, byOption.Err);
        Assert.True(byModel.Code == 0, byModel.Err);

        var (llX, gX) = Parse(x.Out);
        double expected = llX + (n * Math.Log(Scale));
        foreach (var (ll, g) in new[] { Parse(byOption.Out), Parse(byModel.Out) })
        {
            // the 1e−12 variance floor is added on either scale: ~1e−8 relative at these SDs
            Assert.True(Math.Abs(ll - expected) <= 1e-6 * Math.Abs(expected), $"{kind}: ℓ(OD) = {ll:R}, ℓ(X) + N log 0.37 = {expected:R}");
            foreach (var (name, value) in gX)
            {
                Assert.True(Math.Abs(g[name] - value) <= 1e-6 * Math.Max(1, Math.Abs(value)), $"{kind} ∂ℓ/∂{name}: {g[name]:R} vs {value:R}");
            }
        }
    }

    [Fact]
    public void Fit_OnOd600Readings_FindsTheBiomassFit()
    {
        var (od, _) = OdData();
        string model = EcoliTestModel.Write(Dir);
        string sdOd = (SdX / Scale).ToString("R", CultureInfo.InvariantCulture);
        string outX = Path.Combine(Dir, "fit-x.json"), outOd = Path.Combine(Dir, "fit-od.json");
        var x = Run("fit", "--model", model, "--data", Millard, "--likelihood", "ode", "--noise", $"GLC=0.3,ACE=0.2,X={SdX.ToString(CultureInfo.InvariantCulture)}", "--starts", "2", "--seed", "1", "--out", outX);
        var o = Run("fit", "--model", model, "--data", od, "--likelihood", "ode", "--noise", $"GLC=0.3,ACE=0.2,OD600={sdOd}", "--starts", "2", "--seed", "1", "--out", outOd);
        Assert.True(x.Code == 0, x.Err);
        Assert.True(o.Code == 0, o.Err);
        var ex = Estimates(outX);
        var eo = Estimates(outOd);
        Assert.Equal(ex.Keys.Order(), eo.Keys.Order());
        foreach (var (name, value) in ex)
        {
            // the same objective up to a constant: the optimiser stops within its tolerance of the same optimum
            Assert.True(Math.Abs(eo[name] - value) <= 1e-3 * Math.Abs(value), $"{name}: {eo[name]:R} (OD) vs {value:R} (X)");
        }
    }

    private static Dictionary<string, double> Estimates(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("parameters").EnumerateArray()
            .ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("estimate").GetDouble());
    }
}
