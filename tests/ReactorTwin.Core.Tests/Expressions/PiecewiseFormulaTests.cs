using ReactorTwin.Core.Expressions;
using ReactorTwin.Core.Models;
using static ReactorTwin.Core.Tests.TestHelpers;

namespace ReactorTwin.Core.Tests.Expressions;

/// <summary>
/// The time t, comparisons, <c>min</c>, <c>max</c>, <c>abs</c>, <c>if</c> and <c>piecewise</c> in rate laws, and
/// stoichiometric coefficients that are formulas of parameters: parsing, values, and the exact derivatives of the
/// symbolic layer against central finite differences.
/// <para>Tolerance: |analytic − fd| ≤ 1e−6·max(|analytic|, 1e−6·F) with F the largest |f| of the point: the central
/// difference with h = 1e−6·|x| has a truncation error of order 1e−12 relative for these smooth branches and a
/// rounding error of order 1e−10·F/|x|. The random points keep every switching surface (t = tlag, S = Smin, …) at
/// least 100 h away, so the difference never straddles a branch change.</para>
/// </summary>
public class PiecewiseFormulaTests
{
    private const double RelTol = 1e-6;

    /// <summary>A fed culture with a lag phase, a clipped substrate term, a switch, a yield coefficient and a reversible step.</summary>
    internal static ReactionNetwork Model() =>
        ReactionNetwork.CreateBuilder("piecewise")
            .AddSpecies("S", "g/L", 5)
            .AddSpecies("X", "g/L", 0.5)
            .AddSpecies("P", "g/L", 0.2)
            .AddParameter("mu", 0.5, 0.01, 5, "1/h")
            .AddParameter("Ks", 0.2, 0.01, 10, "g/L")
            .AddParameter("Smin", 0.1, 0.001, 1, "g/L")
            .AddParameter("tlag", 2, 0.1, 10, "h")
            .AddParameter("Yxs", 0.5, 0.05, 1, "g/g")
            .AddParameter("Ypx", 0.3, 0.01, 1, "g/g")
            .AddParameter("kp", 0.2, 0.01, 5, "1/h")
            .AddParameter("kd", 0.05, 0.001, 1, "1/h")
            .AddParameter("k1", 0.3, 0.01, 5, "1/h")
            .AddParameter("k2", 0.1, 0.01, 5, "1/h")
            .AddReaction("growth", "mu*max(S - Smin, 0)/(Ks + S)*X*if(t > tlag, 1, 0.2)", ("X", "1"), ("S", "-1/Yxs"))
            .AddReaction("production", "piecewise(kp*X, S > Smin && t < 50, kp*X*S/Smin)", ("P", "1"), ("S", "-Ypx/Yxs"))
            .AddReaction("death", new() { ["X"] = -1 }, "kd*X*min(1, t/10, S)")
            .AddReaction("decay", new() { ["P"] = -0.1 }, "k2*abs(P - 1)")
            .AddReaction("exchange", new() { ["S"] = -1, ["P"] = 1 }, "k1*S - k2*P")
            .Build();

    /// <summary>Random arguments [θ | t] and a state, away from every switching surface.</summary>
    private static (double[] State, double[] Arguments) Point(ReactionNetwork model, Random rng)
    {
        var cm = model.Compiled;
        while (true)
        {
            var z = new double[cm.StateDimension];
            for (int i = 0; i < z.Length; i++)
            {
                z[i] = 0.05 + (4 * rng.NextDouble());
            }

            var args = new double[cm.ArgumentCount];
            var theta = model.NominalParameters();
            theta.CopyTo(args, 0);
            args[cm.TimeSlot] = 60 * rng.NextDouble();
            double t = args[cm.TimeSlot], s = z[0], p = z[2];
            double smin = theta[2], tlag = theta[3];
            if (Math.Abs(t - tlag) > 0.01 && Math.Abs(s - smin) > 0.01 && Math.Abs(t - 50) > 0.01 && Math.Abs(t - 10) > 0.01 &&
                Math.Abs(s - 1) > 0.01 && Math.Abs((t / 10) - s) > 0.01 && Math.Abs(p - 1) > 0.01)
            {
                return (z, args);
            }
        }
    }

    private delegate void Fn(double[] z, double[] args, double[] output);

    private static void CheckJacobian(string what, Fn f, Fn jac, double[] z, double[] args, bool wrtState, int rows, int columns)
    {
        var x = wrtState ? z : args;
        var analytic = new double[rows * columns];
        jac(z, args, analytic);
        var f0 = new double[rows];
        var fp = new double[rows];
        var fm = new double[rows];
        f(z, args, f0);
        double scale = f0.Max(Math.Abs);
        for (int j = 0; j < columns; j++)
        {
            double xj = x[j];
            double h = 1e-6 * Math.Max(Math.Abs(xj), 1e-3);
            x[j] = xj + h;
            f(z, args, fp);
            x[j] = xj - h;
            f(z, args, fm);
            x[j] = xj;
            for (int i = 0; i < rows; i++)
            {
                double fd = (fp[i] - fm[i]) / (2 * h);
                double a = analytic[(i * columns) + j];
                double allowed = RelTol * Math.Max(Math.Abs(a), 1e-6 * scale / Math.Max(Math.Abs(xj), 1e-3));
                Assert.True(Math.Abs(a - fd) <= allowed, $"{what}[{i},{j}]: analytic {a:R}, finite difference {fd:R}");
            }
        }
    }

    [Fact]
    public void RateAndDriftJacobians_TimeMinMaxIfPiecewiseAbsAndYields_MatchCentralDifferences()
    {
        var model = Model();
        var cm = model.Compiled;
        var rng = new Random(15);
        for (int point = 0; point < 20; point++)
        {
            var (z, args) = Point(model, rng);
            CheckJacobian("∂a/∂z", cm.Rates, cm.RateStateJacobian, z, args, wrtState: true, cm.ChannelCount, cm.StateDimension);
            CheckJacobian("∂a/∂θ", cm.Rates, cm.RateParameterJacobian, z, args, wrtState: false, cm.ChannelCount, cm.ParameterCount);
            CheckJacobian("∂b/∂z", cm.Drift, cm.DriftStateJacobian, z, args, wrtState: true, cm.StateDimension, cm.StateDimension);
            CheckJacobian("∂b/∂θ", cm.Drift, cm.DriftParameterJacobian, z, args, wrtState: false, cm.StateDimension, cm.ParameterCount);
            CheckJacobian("∂S/∂θ", (_, a, o) => cm.EvaluateStoichiometry(a, o), (_, a, o) => cm.StoichiometryParameterJacobian(a, o), z, args, wrtState: false, cm.StateDimension * cm.ChannelCount, cm.ParameterCount);
        }
    }

    [Fact]
    public void Drift_YieldCoefficients_IsEvaluatedStoichiometryTimesRates()
    {
        var model = Model();
        var cm = model.Compiled;
        var (z, args) = Point(model, new Random(3));
        int n = cm.StateDimension, m = cm.ChannelCount;
        var s = new double[n * m];
        var a = new double[m];
        var b = new double[n];
        cm.EvaluateStoichiometry(args, s);
        cm.Rates(z, args, a);
        cm.Drift(z, args, b);
        Assert.Equal(-1 / 0.5, s[(0 * m) + 0], 15);
        Assert.Equal(-0.3 / 0.5, s[(0 * m) + 1], 15);
        for (int i = 0; i < n; i++)
        {
            double expected = 0;
            for (int r = 0; r < m; r++)
            {
                expected += s[(i * m) + r] * a[r];
            }

            Assert.Equal(expected, b[i], 12);
        }

        Assert.True(cm.HasParameterStoichiometry);
        Assert.Throws<InvalidOperationException>(() => cm.Stoichiometry.Length);
    }

    [Fact]
    public void Rates_LagPhaseSwitch_TakesTheBranchOfTheTime()
    {
        var model = Model();
        var cm = model.Compiled;
        var z = new double[] { 5, 0.5, 0.2 };
        var args = new double[cm.ArgumentCount];
        model.NominalParameters().CopyTo(args, 0);
        var a = new double[cm.ChannelCount];
        double growth = 0.5 * (5 - 0.1) / (0.2 + 5) * 0.5;
        args[cm.TimeSlot] = 1.0;
        cm.Rates(z, args, a);
        Assert.Equal(0.2 * growth, a[0], 14);
        Assert.Equal(0.05 * 0.5 * 0.1, a[2], 14); // min(1, t/10, S) = t/10
        args[cm.TimeSlot] = 3.0;
        cm.Rates(z, args, a);
        Assert.Equal(growth, a[0], 14);
        args[cm.TimeSlot] = 55.0;
        cm.Rates(z, args, a);
        Assert.Equal(0.2 * 0.5 * 5 / 0.1, a[1], 12); // piecewise: past t = 50 the second value
        Assert.Equal(0.05 * 0.5, a[2], 14);
    }

    [Fact]
    public void VectorJacobian_ConditionalBranches_MatchesForwardJacobian()
    {
        // The reverse-mode generator (used by the LNA adjoint) routes the adjoint through the branch taken.
        var model = Model();
        var cm = model.Compiled;
        var outputs = cm.DriftExpressions;
        int n = cm.StateDimension, p = cm.ParameterCount;
        var vjp = ExprCompiler.CompileVectorJacobian(outputs, n, n, p);
        var rng = new Random(4);
        for (int point = 0; point < 10; point++)
        {
            var (z, args) = Point(model, rng);
            var input = new double[2 * n];
            z.CopyTo(input, 0);
            var lambda = new double[n];
            for (int i = 0; i < n; i++)
            {
                lambda[i] = input[n + i] = rng.NextDouble() - 0.5;
            }

            var result = new double[n + p];
            vjp(input, args, result);
            var jz = new double[n * n];
            var jp = new double[n * p];
            cm.DriftStateJacobian(z, args, jz);
            cm.DriftParameterJacobian(z, args, jp);
            for (int j = 0; j < n; j++)
            {
                double expected = Enumerable.Range(0, n).Sum(i => lambda[i] * jz[(i * n) + j]);
                Assert.Equal(expected, result[j], 12);
            }

            for (int k = 0; k < p; k++)
            {
                double expected = Enumerable.Range(0, n).Sum(i => lambda[i] * jp[(i * p) + k]);
                Assert.Equal(expected, result[n + k], 12);
            }
        }
    }

    [Fact]
    public void ReversibleRate_Difference_IsSplitIntoForwardAndBackwardChannels()
    {
        var model = Model();
        var cm = model.Compiled;
        Assert.Equal(new[] { "growth", "production", "death", "decay", "exchange", "exchange:reverse" }, cm.ChannelNames);
        var z = new double[] { 2, 0.5, 3 };
        var args = new double[cm.ArgumentCount];
        model.NominalParameters().CopyTo(args, 0);
        var a = new double[cm.ChannelCount];
        cm.Rates(z, args, a);
        Assert.Equal(0.3 * 2, a[4], 15);
        Assert.Equal(0.1 * 3, a[5], 15);
        var s = new double[cm.StateDimension * cm.ChannelCount];
        cm.EvaluateStoichiometry(args, s);
        int m = cm.ChannelCount;
        Assert.Equal(-1, s[(0 * m) + 4]);
        Assert.Equal(1, s[(0 * m) + 5]);
        Assert.Equal(-1, s[(2 * m) + 5]);
    }

    [Theory]
    [InlineData("k1*A - k2*B", "k1*A", "k2*B")]
    [InlineData("c*(kf*A - kr*B)/(1 + A)", "c*(kf*A)/(1 + A)", "c*(kr*B)/(1 + A)")]
    [InlineData("-k*A", "0", "k*A")]
    [InlineData("k*A + (-2)*B", "k*A", "2*B")]
    [InlineData("max(k1*A - k2*B, 0)", "if(k1*A - k2*B >= 0, k1*A - k2*B, 0)", "0")]
    public void SignedParts_RateLaws_SplitAsMassAction(string rate, string forward, string backward)
    {
        string[] names = ["A", "B", "k", "k1", "k2", "c", "kf", "kr"];
        Expr Bind(string f) => Algebra.Simplify(ParseBound(f, names));
        var (p, m) = ModelValidator.SignedParts(Bind(rate));
        Assert.Equal(Bind(forward), p);
        Assert.Equal(Bind(backward), m);
    }

    [Theory]
    [InlineData("min(a, b, 3)", 1, 2, 1)]
    [InlineData("max(a, b)", 1, 2, 2)]
    [InlineData("abs(a - b)", 1, 2.5, 1.5)]
    [InlineData("if(a < b, 10, 20)", 1, 2, 10)]
    [InlineData("if(a >= b || a == 1, 10, 20)", 1, 2, 10)]
    [InlineData("if(!(a < b) && a != 1, 10, 20)", 1, 2, 20)]
    [InlineData("piecewise(1, t < 2, 5, t < 4, 9)", 0, 0, 5)]
    [InlineData("(a < b) + (a <= b) + (a > b)*10 + not(a == b)", 1, 2, 3)]
    [InlineData("and(a, b, 0) + or(0, a)", 1, 2, 1)]
    public void Formula_ComparisonsAndBranches_EvaluateAsWritten(string text, double a, double b, double expected)
    {
        var f = Formula.Parse(text);
        double value = f.Evaluate(name => name switch { "a" => a, "b" => b, "t" => 3.0, _ => throw new KeyNotFoundException(name) });
        Assert.Equal(expected, value);
        Assert.Equal(FormulaParser.Parse(text), FormulaParser.Parse(FormulaParser.Parse(text).ToFormula()));
    }

    [Theory]
    [InlineData("a < b < c", "comparisons cannot be chained")]
    [InlineData("a = b", "write '==' to compare")]
    [InlineData("piecewise(1, a < b)", "needs a final value")]
    [InlineData("min(a)", "min takes at least 2 argument(s), not 1")]
    [InlineData("iff(a, b, c)", "unknown function 'iff'")]
    public void Parse_BadConditions_SaySo(string text, string message)
    {
        var ex = Assert.Throws<FormulaException>(() => FormulaParser.Parse(text));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_StateInYieldOrTimeAsName_ListsBothProblems()
    {
        var ex = Assert.Throws<ModelDefinitionException>(() => ReactionNetwork.CreateBuilder("bad")
            .AddSpecies("S", "mM", 1)
            .AddParameter("t", 1, 0.1, 10)
            .AddParameter("Y", 0.5, 0.1, 1)
            .AddReaction("r", "S", ("S", "-S/Y"))
            .Build());
        Assert.Contains(ex.Errors, e => e.Message.Contains("'t' is the time in formulas and cannot name", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.Path == "$.reactions[0].stoichiometry.S" && e.Message.Contains("'S' in \"-S/Y\" is a state of the model; a stoichiometric coefficient may use parameters and numbers only", StringComparison.Ordinal));
    }

    [Fact]
    public void ModelJson_FormulaStoichiometryAndTime_RoundTrips()
    {
        string json = """
            {
              "name": "yield",
              "species": [ { "name": "S", "unit": "g/L", "initial": 10 }, { "name": "X", "unit": "g/L", "initial": 0.1 } ],
              "parameters": [ { "name": "mu", "value": 0.4, "lower": 0.01, "upper": 2 }, { "name": "Yxs", "value": 0.5, "lower": 0.1, "upper": 1 } ],
              "reactions": [ { "name": "growth", "stoichiometry": { "X": 1, "S": "-1/Yxs" }, "rate": "mu*S/(1 + S)*X*min(1, t/2)" } ]
            }
            """;
        var model = ModelJson.Parse(json, "yield.json");
        var again = ModelJson.Parse(ModelJson.Write(model), "again");
        Assert.Equal("-1/Yxs", again.Reactions[0].StoichiometryFormulas!["S"]);
        Assert.Equal(1.0, again.Reactions[0].Stoichiometry["X"]);
        Assert.True(again.Compiled.IsTimeDependent);
        var args = new double[again.Compiled.ArgumentCount];
        again.NominalParameters().CopyTo(args, 0);
        var s = new double[2];
        again.Compiled.EvaluateStoichiometry(args, s);
        Assert.Equal(new[] { -2.0, 1.0 }, s);
    }
}
