using ReactorTwin.Core.Expressions;
using static ReactorTwin.Core.Tests.TestHelpers;

namespace ReactorTwin.Core.Tests;

public class FormulaParserTests
{
    private static readonly Sym A = new("a"), B = new("b"), C = new("c"), X = new("x");

    private static Binary Bin(BinaryOp op, Expr l, Expr r) => new(op, l, r);

    [Fact]
    public void Parse_ProductBindsTighterThanSum_AddOfProduct()
    {
        var e = FormulaParser.Parse("a+b*c");
        Assert.Equal(Bin(BinaryOp.Add, A, Bin(BinaryOp.Multiply, B, C)), e);
    }

    [Fact]
    public void Parse_SubtractionAndDivision_AreLeftAssociative()
    {
        Assert.Equal(Bin(BinaryOp.Subtract, Bin(BinaryOp.Subtract, A, B), C), FormulaParser.Parse("a - b - c"));
        Assert.Equal(Bin(BinaryOp.Divide, Bin(BinaryOp.Divide, A, B), C), FormulaParser.Parse("a/b/c"));
    }

    [Fact]
    public void Parse_ParenthesesOverridePrecedence_ProductOfSum()
    {
        var e = FormulaParser.Parse("(a + b) * c");
        Assert.Equal(Bin(BinaryOp.Multiply, Bin(BinaryOp.Add, A, B), C), e);
    }

    [Fact]
    public void Parse_UnaryMinusOfPower_NegatesThePower()
    {
        // -x^2 = -(x^2), not (-x)^2.
        var e = FormulaParser.Parse("-x^2");
        Assert.Equal(new Unary(UnaryOp.Negate, Bin(BinaryOp.Power, X, new Const(2))), e);
        Assert.Equal(-9.0, Eval(e, unbound: new Dictionary<string, double> { ["x"] = 3 }));
        Assert.Equal(-4.0, Eval(FormulaParser.Parse("-2^2")));
    }

    [Fact]
    public void Parse_PowerChain_IsRightAssociative()
    {
        var e = FormulaParser.Parse("2^3^2");
        Assert.Equal(Bin(BinaryOp.Power, new Const(2), Bin(BinaryOp.Power, new Const(3), new Const(2))), e);
        Assert.Equal(512.0, Eval(e));
    }

    [Fact]
    public void Parse_NegativeExponent_BindsToExponent()
    {
        // power := primary ('^' unary): the exponent may carry its own sign; -1 folds into the literal.
        var e = FormulaParser.Parse("2^-1");
        Assert.Equal(Bin(BinaryOp.Power, new Const(2), new Const(-1)), e);
        Assert.Equal(0.5, Eval(e));
    }

    [Fact]
    public void Parse_UnaryPlusAndDoubleMinus_AreAccepted()
    {
        Assert.Equal(A, FormulaParser.Parse("+a"));
        Assert.Equal(new Unary(UnaryOp.Negate, new Unary(UnaryOp.Negate, A)), FormulaParser.Parse("--a"));
    }

    [Theory]
    [InlineData("1.5e3", 1500.0)]
    [InlineData("2E-4", 2e-4)]
    [InlineData("3e+2", 300.0)]
    [InlineData(".5", 0.5)]
    [InlineData("5.", 5.0)]
    [InlineData("0.1", 0.1)]
    [InlineData("6.02214076e23", 6.02214076e23)]
    [InlineData("-7.5e-1", -0.75)]
    public void Parse_NumberLiteral_GivesExactDouble(string text, double expected)
    {
        var e = FormulaParser.Parse(text);
        var c = Assert.IsType<Const>(e);
        Assert.Equal(expected, c.Value); // exact: the parser must use the correctly rounded invariant-culture parse
    }

    [Fact]
    public void Parse_NumberFollowedByExponentLetterWithoutDigits_IsAnErrorAtTheLetter()
    {
        // "3e" is not a number with an exponent; the 'e' is left over after the literal 3.
        var ex = Assert.Throws<FormulaException>(() => FormulaParser.Parse("3e"));
        Assert.Equal(2, ex.Column);
    }

    [Fact]
    public void Parse_Functions_BuildTheDocumentedTrees()
    {
        Assert.Equal(new Unary(UnaryOp.Exp, X), FormulaParser.Parse("exp(x)"));
        Assert.Equal(new Unary(UnaryOp.Log, X), FormulaParser.Parse("log(x)"));
        Assert.Equal(new Unary(UnaryOp.Log, X), FormulaParser.Parse("ln(x)"));
        Assert.Equal(new Unary(UnaryOp.Sqrt, X), FormulaParser.Parse("sqrt(x)"));
        Assert.Equal(Bin(BinaryOp.Power, X, A), FormulaParser.Parse("pow(x, a)"));
        Assert.Equal(Bin(BinaryOp.Divide, X, Bin(BinaryOp.Add, A, X)), FormulaParser.Parse("mm(x,a)"));
        var xn = Bin(BinaryOp.Power, X, B);
        Assert.Equal(Bin(BinaryOp.Divide, xn, Bin(BinaryOp.Add, Bin(BinaryOp.Power, A, B), xn)), FormulaParser.Parse("hill(x, a, b)"));
    }

    [Theory]
    [InlineData("exp(1)", 2.718281828459045)]
    [InlineData("log(exp(2))", 2.0)]
    [InlineData("sqrt(16)", 4.0)]
    [InlineData("pow(2, 10)", 1024.0)]
    [InlineData("mm(3, 1)", 0.75)]
    [InlineData("hill(2, 1, 2)", 0.8)]
    [InlineData("1 + 2*3 - 4/2", 5.0)]
    [InlineData("(1 + 2)*(3 - 4)/2", -1.5)]
    public void Parse_ConstantFormula_EvaluatesToExpectedValue(string text, double expected)
    {
        // Every value above is exact in binary or is Math's own correctly rounded result: tolerance 1 ulp-ish (1e-15 relative).
        double v = Eval(FormulaParser.Parse(text));
        Assert.True(Math.Abs(v - expected) <= 1e-15 * Math.Abs(expected), $"{text} = {v:R}, expected {expected:R}");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Parse_EmptyFormula_ThrowsWithColumnZero(string text)
    {
        var ex = Assert.Throws<FormulaException>(() => FormulaParser.Parse(text));
        Assert.Equal(0, ex.Column);
        Assert.Contains("empty", ex.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("foo(x)", 1, "unknown function 'foo'")]
    [InlineData("a + foo(x)", 5, "unknown function 'foo'")]
    [InlineData("(a+b", 5, "missing ')'")]
    [InlineData("a*(b+(c)", 9, "missing ')'")]
    [InlineData("exp(x", 6, "missing ')'")]
    [InlineData("a + $b", 5, "unexpected '$'")]
    [InlineData("a b", 3, "unexpected 'b'")]
    [InlineData("a + * b", 5, "unexpected '*'")]
    [InlineData("a)", 2, "unexpected ')'")]
    [InlineData("a +", 4, "ends")]
    [InlineData("exp(x, a)", 1, "exp takes 1 argument")]
    [InlineData("hill(x, a)", 1, "hill takes 3 argument")]
    [InlineData("1.2.3 + a", 1, "not a valid number")]
    [InlineData("a * 1e400", 5, "not a valid number")]
    public void Parse_MalformedFormula_ThrowsWithColumnOfTheProblem(string text, int column, string problem)
    {
        var ex = Assert.Throws<FormulaException>(() => FormulaParser.Parse(text));
        Assert.Equal(column, ex.Column);
        Assert.Contains(problem, ex.Problem, StringComparison.Ordinal);
        Assert.Equal(text, ex.Formula);
        Assert.Contains($"column {column}", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a+b*c")]
    [InlineData("(a+b)*c")]
    [InlineData("a - (b - c)")]
    [InlineData("a - b - c")]
    [InlineData("a/(b*c)")]
    [InlineData("a/b/c")]
    [InlineData("a/(b/c)")]
    [InlineData("-x^2")]
    [InlineData("(-x)^2")]
    [InlineData("2^3^2")]
    [InlineData("(a^b)^c")]
    [InlineData("2^-x")]
    [InlineData("2^-3")]
    [InlineData("a*(-2.5e-7)")]
    [InlineData("--a")]
    [InlineData("-(a+b)")]
    [InlineData("a - -b")]
    [InlineData("a * -b")]
    [InlineData("-a*b")]
    [InlineData("0.1 + 1/3 + 6.02214076e23*x")]
    [InlineData("exp(-a*x) + log(1 + x) + sqrt(x)")]
    [InlineData("pow(x, a - 1)")]
    [InlineData("Vm*hill(S, K, n)*exp(-a*S) + sqrt(S)*log(1 + S) + pow(S, b)")]
    [InlineData("vmaxHK0*GLC/(KmGLC0 + GLC)")]
    [InlineData("mm(x, K)^2/(1 + mm(x, K))")]
    public void ToFormula_ParsedTree_ParsesBackToAnEqualTree(string text)
    {
        var tree = FormulaParser.Parse(text);
        string rendered = tree.ToFormula();
        var again = FormulaParser.Parse(rendered);
        Assert.Equal(tree, again); // record (structural) equality, constants compared exactly
        Assert.Equal(rendered, again.ToFormula()); // and the rendering is a fixed point
    }

    [Fact]
    public void ToFormula_SimplifiedDerivativeTrees_ParseBackToEqualTrees()
    {
        // Derivative trees contain shapes the parser never produces directly (negated products, constant-folded
        // coefficients, nested powers); their rendering must still read back to the same tree.
        string[] names = ["x", "y"];
        foreach (string f in new[] { "x^y/(1 + x)", "exp(-2*x*y)", "sqrt(x)*log(y)", "hill(x, y, 3)", "pow(x, y) - x^3/y" })
        {
            var e = ParseBound(f, names);
            for (int i = 0; i < 2; i++)
            {
                var d = Algebra.Differentiate(e, SymbolKind.State, i);
                var back = ParseBound(d.ToFormula(), names);
                Assert.Equal(d, back);
            }
        }
    }
}
