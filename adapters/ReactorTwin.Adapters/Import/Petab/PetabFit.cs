using ReactorTwin.Core.Estimation;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Adapters.Import.Petab;

/// <summary>Options of <see cref="PetabFit"/>.</summary>
public sealed record PetabFitOptions
{
    /// <summary>Starts of the multi-start optimiser: the nominal values, then a Latin hypercube in the bounds. Default 8.</summary>
    public int Starts { get; init; } = 8;

    /// <summary>Seed of the start design. Default 1.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Starts run at once (0 = one per core). Default 1.</summary>
    public int MaxParallelism { get; init; } = 1;

    /// <summary>Progress of the starts (for a progress line with the time left), or null.</summary>
    public IProgress<EstimationProgress>? Progress { get; init; }

    /// <summary>How the problem is simulated.</summary>
    public PetabOptions Evaluation { get; init; } = new();
}

/// <summary>The estimate of a PEtab problem.</summary>
/// <param name="Values">Every row of the parameter table at the estimate (natural scale, table order; fixed rows at their nominal values).</param>
/// <param name="Evaluation">Simulations, chi2 and log-likelihood at the estimate.</param>
/// <param name="Mle">What the optimiser did: every start, its exit and evaluations.</param>
public sealed record PetabFitResult(IReadOnlyList<double> Values, PetabEvaluation Evaluation, MleResult Mle);

/// <summary>
/// Estimates the parameters a PEtab problem marks <c>estimate = 1</c> by maximum likelihood within their bounds, with the
/// project's multi-start optimiser (<see cref="MultiStartMle"/>: box-constrained BFGS-B from several seeded starts). Each
/// parameter moves on its table scale: lin as is, log and log10 on a logarithm (the optimiser works in natural logs, a
/// fixed rescaling of log10). The gradient is by central differences of the log-likelihood in those coordinates, step
/// 1e−5·max(1, |u|), one-sided at a bound (the objective runs at rtol 1e−8 so that they are smooth); a point where the
/// simulation fails counts as log-likelihood −∞.
/// </summary>
public static class PetabFit
{
    /// <summary>Runs the fit.</summary>
    /// <param name="problem">The problem.</param>
    /// <param name="options">Options; null for the defaults.</param>
    /// <param name="time">Clock for the elapsed time; null for the system clock.</param>
    /// <exception cref="PetabException">No parameter is marked for estimation, or a bound does not suit its scale.</exception>
    /// <exception cref="InvalidOperationException">Every start failed; the message says why.</exception>
    public static PetabFitResult Run(PetabProblem problem, PetabFitOptions? options = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(problem);
        options ??= new PetabFitOptions();
        var rows = problem.Parameters.Select((p, i) => (p, i)).Where(t => t.p.Estimate).Select(t => t.i).ToArray();
        if (rows.Length == 0)
        {
            throw new PetabException($"{problem.Path}: no parameter has estimate = 1");
        }

        var space = new ParameterSpace(Carrier(problem, rows));
        var mle = MultiStartMle.Fit(
            () => new Density(new PetabObjective(problem, options.Evaluation), space, rows),
            space,
            new MultiStartMleOptions { Starts = options.Starts, Seed = options.Seed, MaxParallelism = options.MaxParallelism, Progress = options.Progress, GradientTolerance = 1e-6 },
            time);
        var values = Values(problem, space, rows, mle.Optimum);
        return new PetabFitResult(values, new PetabObjective(problem, options.Evaluation).Evaluate(values), mle);
    }

    /// <summary>The estimated rows as the parameters of a network without dynamics, so that the optimiser's space has their bounds and scales.</summary>
    private static ReactionNetwork Carrier(PetabProblem problem, int[] rows)
    {
        var builder = ReactionNetwork.CreateBuilder("petab").AddSpecies("petab_estimates_", string.Empty, 0.0);
        foreach (int i in rows)
        {
            var p = problem.Parameters[i];
            if (p.Scale != PetabScale.Linear && !(p.Lower > 0))
            {
                throw new PetabException($"{problem.Path}: parameter '{p.Id}' is on {(p.Scale == PetabScale.Log ? "log" : "log10")} scale, so its lowerBound must be > 0, not {p.Lower}");
            }

            builder.AddParameter(new Parameter(p.Id, Math.Clamp(p.Nominal, p.Lower, p.Upper), p.Lower, p.Upper, LogScale: p.Scale != PetabScale.Linear, Estimate: true));
        }

        try
        {
            return builder.Build(problem.Path);
        }
        catch (ModelDefinitionException ex)
        {
            throw new PetabException($"{problem.Path}: the parameter table cannot be estimated: {ex.Message}", ex);
        }
    }

    private static double[] Values(PetabProblem problem, ParameterSpace space, int[] rows, ReadOnlySpan<double> u)
    {
        var values = problem.Parameters.Select(p => p.Nominal).ToArray();
        var theta = new double[rows.Length];
        space.ToNatural(u, theta);
        for (int j = 0; j < rows.Length; j++)
        {
            values[rows[j]] = theta[j];
        }

        return values;
    }

    /// <summary>The log-likelihood in the optimiser's coordinates u, with its central-difference gradient.</summary>
    private sealed class Density(PetabObjective objective, ParameterSpace space, int[] rows) : ILogDensity
    {
        public int Dimension => rows.Length;

        public double Evaluate(ReadOnlySpan<double> u, Span<double> gradient)
        {
            double f = At(u);
            if (!double.IsFinite(f))
            {
                return double.NegativeInfinity;
            }

            var v = u.ToArray();
            for (int j = 0; j < v.Length; j++)
            {
                double h = 1e-5 * Math.Max(1.0, Math.Abs(u[j]));
                double up = Math.Min(u[j] + h, space.Upper[j]), down = Math.Max(u[j] - h, space.Lower[j]);
                v[j] = up;
                double fUp = up > u[j] ? At(v) : f;
                v[j] = down;
                double fDown = down < u[j] ? At(v) : f;
                v[j] = u[j];
                gradient[j] = (fUp - fDown) / (up - down);
            }

            return f;
        }

        private double At(ReadOnlySpan<double> u)
        {
            try
            {
                return objective.Evaluate(Values(objective.Problem, space, rows, u)).LogLikelihood;
            }
            catch (SimulationException)
            {
                return double.NegativeInfinity;
            }
            catch (ArgumentException)
            {
                return double.NegativeInfinity; // e.g. a negative initial value set by an estimated parameter
            }
        }
    }
}
