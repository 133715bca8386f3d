using System.Globalization;
using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Host.Cli;

/// <summary>
/// <c>--rtol</c> of <c>loglik</c> and <c>fit</c>: the relative tolerance of the integrator behind the lna and ode
/// likelihoods (the absolute tolerance follows as rtol·1e−3, the defaults' ratio: 1e−6 and 1e−9). The error of ℓ and of
/// its gradient scales with it; on the CHO batch |Δℓ| ≈ 0.4·rtol and the gradient's relative error ≈ 0.4·rtol
/// (docs/benchmarks.md), so a looser tolerance buys speed at an accuracy that is stated, not hidden.
/// </summary>
internal static class ToleranceOption
{
    /// <summary>The tolerances' defaults, also written to the fit's JSON when <c>--rtol</c> is not given.</summary>
    public const double DefaultRelative = 1e-6;

    /// <summary>The range accepted: tighter than 1e−12 approaches round-off, looser than 1e−2 is not an integration.</summary>
    public const double Tightest = 1e-12, Loosest = 1e-2;

    /// <summary>Help text of the option.</summary>
    public const string Description = "Relative tolerance of the lna/ode integrator, in [1e-12, 1e-2] (absolute = rtol·1e-3); default 1e-6. The error of the log-likelihood and its gradient scales with it (CHO: about 0.4·rtol).";

    /// <summary>Checks <paramref name="rtol"/> against the range and the likelihood.</summary>
    /// <exception cref="CliException">Out of range, not finite, or given for a likelihood that integrates nothing.</exception>
    public static void Check(double? rtol, LikelihoodKind kind, bool euler = false)
    {
        if (rtol is not double r)
        {
            return;
        }

        if (!(r >= Tightest && r <= Loosest))
        {
            throw new CliException(string.Create(CultureInfo.InvariantCulture, $"--rtol {r:G6}: must lie in [1e-12, 1e-2] (the absolute tolerance follows as rtol·1e-3)"));
        }

        if (kind == LikelihoodKind.Em)
        {
            throw new CliException("--rtol applies to the lna and ode likelihoods; the em likelihood integrates nothing (each transition is one Euler–Maruyama step between readings)");
        }

        if (euler)
        {
            throw new CliException("--rtol sets the adaptive integrator's tolerance; --euler-step replaces that integrator with fixed steps (give one or the other)");
        }
    }

    /// <summary>The ODE likelihood's tolerances for <paramref name="rtol"/> (null: the defaults).</summary>
    public static OdeOptions? Ode(double? rtol) =>
        rtol is double r ? new OdeOptions { RelativeTolerance = r, AbsoluteTolerance = r * 1e-3 } : null;

    /// <summary>The LNA's options for <paramref name="rtol"/> (null: the defaults).</summary>
    public static LnaOptions? Lna(double? rtol) =>
        rtol is double r ? new LnaOptions { Tolerances = Ode(r)! } : null;
}
