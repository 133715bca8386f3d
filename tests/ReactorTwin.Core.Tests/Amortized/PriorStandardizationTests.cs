using MathNet.Numerics.Distributions;
using ReactorTwin.Core.Amortized;
using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Core.Tests.Amortized;

/// <summary>The prior-to-N(0, 1) map: exact inverse, and the prior's quantiles map to the standard normal's.</summary>
public class PriorStandardizationTests
{
    public static TheoryData<StandardizedParameter> Priors => new()
    {
        new StandardizedParameter("logNormalWide", PriorKind.LogNormal, 2.0, 0.3, 0.01, 100, true),
        new StandardizedParameter("logNormalTruncated", PriorKind.LogNormal, 1.0, 1.0, 0.5, 20, true),
        new StandardizedParameter("normalTruncated", PriorKind.Normal, 1.0, 2.0, 0.0, 10, false),
        new StandardizedParameter("uniform", PriorKind.Uniform, double.NaN, double.NaN, 3.0, 7.0, false),
    };

    [Theory]
    [MemberData(nameof(Priors))]
    public void FromStandard_ThenToStandard_IsIdentity(StandardizedParameter parameter)
    {
        var map = new PriorStandardization([parameter]);
        for (double z = -4; z <= 4; z += 0.25)
        {
            double theta = map.FromStandard(0, z);
            Assert.InRange(theta, parameter.Lower, parameter.Upper);
            Assert.Equal(z, map.ToStandard(0, theta), 8);
        }
    }

    [Theory]
    [MemberData(nameof(Priors))]
    public void FromStandard_NormalQuantiles_AreThePriorsTruncatedQuantiles(StandardizedParameter parameter)
    {
        var map = new PriorStandardization([parameter]);
        foreach (double q in new[] { 0.025, 0.2, 0.5, 0.8, 0.975 })
        {
            double theta = map.FromStandard(0, Normal.InvCDF(0, 1, q));
            Assert.Equal(q, TruncatedCdf(parameter, theta), 10);
        }
    }

    [Fact]
    public void For_MmkModel_LogNormalMedianAndSdLogMapAffinely()
    {
        var space = new ParameterSpace(BuiltInModels.Load("mmk"));
        var map = PriorStandardization.For(space);
        Assert.Equal(["Vmax", "Km", "S0", "P0"], map.Parameters.Select(p => p.Name));
        // S0: log-normal, median 2 mM, sdLog 0.3, bounds far away → z = ln(θ/2)/0.3 exactly.
        Assert.Equal(Math.Log(3.0 / 2.0) / 0.3, map.ToStandard(2, 3.0), 12);
        Assert.Equal(2.0 * Math.Exp(0.3 * -1.5), map.FromStandard(2, -1.5), 12);
    }

    [Fact]
    public void Constructor_BadScale_NamesParameter()
    {
        var ex = Assert.Throws<ArgumentException>(() => new PriorStandardization([new StandardizedParameter("Km", PriorKind.LogNormal, 1.0, 0.0, 0.1, 10, true)]));
        Assert.Contains("'Km'", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>The prior's distribution function truncated to the bounds, written from its definition.</summary>
    private static double TruncatedCdf(StandardizedParameter p, double theta)
    {
        if (p.Kind == PriorKind.Uniform)
        {
            return (theta - p.Lower) / (p.Upper - p.Lower);
        }

        Func<double, double> cdf = p.Kind == PriorKind.LogNormal && p.LogScale
            ? x => LogNormal.CDF(Math.Log(p.Center), p.Scale, x)
            : x => Normal.CDF(p.Center, p.Scale, x);
        return (cdf(theta) - cdf(p.Lower)) / (cdf(p.Upper) - cdf(p.Lower));
    }
}
