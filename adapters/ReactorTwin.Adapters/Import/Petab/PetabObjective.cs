using ReactorTwin.Adapters.Import.Sbml;
using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Adapters.Import.Petab;

/// <summary>Options of <see cref="PetabObjective"/>.</summary>
public sealed record PetabOptions
{
    /// <summary>
    /// Integrator options. Default: the Core's automatic stiff/non-stiff switching at rtol 1e−8, atol 1e−12, tighter than
    /// the Core default so that finite-difference gradients for fitting are smooth.
    /// </summary>
    public OdeOptions Integrator { get; init; } = new() { RelativeTolerance = 1e-8, AbsoluteTolerance = 1e-12 };

    /// <summary>How pre-equilibration finds its steady state.</summary>
    public SteadyStateSolver SteadyState { get; init; } = new();
}

/// <summary>The result of evaluating a PEtab problem at one set of parameter values.</summary>
/// <param name="Simulations">The simulated observable of each measurement (table order, untransformed).</param>
/// <param name="Chi2">Σ r² over the measurements.</param>
/// <param name="LogLikelihood">Σ of the log-likelihood terms (<see cref="PetabObjective"/>).</param>
public sealed record PetabEvaluation(IReadOnlyList<double> Simulations, double Chi2, double LogLikelihood);

/// <summary>
/// Evaluates a PEtab v1 problem (docs/petab.md) at values x of its parameter table (natural scale, table order):
/// for each pair of pre-equilibration and simulation condition the model is simulated once by
/// <see cref="SbmlSimulator"/>, each observable and noise formula is evaluated on the simulated state, and the chi2 and
/// log-likelihood are summed over the measurements (<see cref="PetabNoise"/>). A simulation starts from θ = the SBML
/// values, overridden by the parameter table, then by the simulation condition; z(0) = the SBML initial values and
/// initial assignments evaluated with θ, overridden by the condition's state columns. With pre-equilibration the
/// model first runs to steady state under the pre-equilibration condition; the simulation then starts from that
/// state except where the simulation condition gives a state a (non-NaN) value. Not thread-safe.
/// </summary>
public sealed class PetabObjective
{
    private readonly PetabProblem _problem;
    private readonly PetabOptions _options;
    private readonly PetabParameterMap _map;
    private readonly PetabMeasurementModel _measurements;
    private readonly SbmlSimulator _simulator;
    private readonly List<PetabScenario> _scenarios;
    private readonly Dictionary<string, PetabCondition> _conditions;

    /// <summary>Creates the objective.</summary>
    /// <param name="problem">The problem.</param>
    /// <param name="options">Options; null for the defaults.</param>
    public PetabObjective(PetabProblem problem, PetabOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(problem);
        _problem = problem;
        _options = options ?? new PetabOptions();
        _map = new PetabParameterMap(problem);
        _measurements = new PetabMeasurementModel(problem, _map);
        _simulator = new SbmlSimulator(problem.Model, _options.Integrator);
        _scenarios = PetabScenario.Of(problem.Measurements);
        _conditions = problem.Conditions.ToDictionary(c => c.Key, c => new PetabCondition(c.Key, c.Value, problem.Model.Network), StringComparer.Ordinal);
    }

    /// <summary>The problem.</summary>
    public PetabProblem Problem => _problem;

    /// <summary>Evaluates at the nominal values of the parameter table.</summary>
    public PetabEvaluation Evaluate() => Evaluate([.. _map.Nominal]);

    /// <summary>Evaluates at <paramref name="x"/>: one value per row of the parameter table, natural scale.</summary>
    /// <exception cref="PetabException">A formula cannot be evaluated.</exception>
    /// <exception cref="Core.Simulation.SimulationException">A simulation or pre-equilibration failed.</exception>
    public PetabEvaluation Evaluate(ReadOnlySpan<double> x)
    {
        if (x.Length != _problem.Parameters.Count)
        {
            throw new ArgumentException($"{x.Length} values for the {_problem.Parameters.Count} rows of the parameter table", nameof(x));
        }

        var simulations = new double[_problem.Measurements.Count];
        double chi2 = 0, llh = 0;
        var net = _problem.Model.Network;
        int n = net.StateDimension;
        foreach (var scenario in _scenarios)
        {
            var condition = _conditions[scenario.Condition];
            var theta = new double[net.Parameters.Count];
            var z0 = InitialState(scenario, condition, x, theta);
            var states = new double[scenario.Times.Length * n];
            _simulator.Simulate(z0, theta, scenario.Times, states);
            for (int j = 0; j < scenario.Measurements.Length; j++)
            {
                int m = scenario.Measurements[j];
                var measurement = _problem.Measurements[m];
                var (y, sd) = _measurements.Evaluate(m, states.AsSpan(scenario.TimeIndex[j] * n, n), theta, x, condition);
                simulations[m] = y;
                var (c, l) = PetabNoise.Terms(_problem.Observables[measurement.Observable], measurement.Value, y, sd);
                chi2 += c;
                llh += l;
            }
        }

        return new PetabEvaluation(simulations, chi2, llh);
    }

    /// <summary>θ of the simulation condition (into <paramref name="theta"/>) and z(0), after pre-equilibration if any.</summary>
    private double[] InitialState(PetabScenario scenario, PetabCondition condition, ReadOnlySpan<double> x, double[] theta)
    {
        double[]? start = null;
        if (scenario.Preequilibration.Length > 0)
        {
            var pre = _conditions[scenario.Preequilibration];
            var thetaPre = new double[theta.Length];
            _map.ModelParameters(x, thetaPre);
            pre.ApplyParameters(_map, x, thetaPre);
            var zPre = _problem.Model.InitialState(thetaPre);
            pre.ApplyStates(_map, x, thetaPre, zPre);
            start = _options.SteadyState.Find(_simulator, zPre, thetaPre);
        }

        _map.ModelParameters(x, theta);
        condition.ApplyParameters(_map, x, theta);
        var z = start ?? _problem.Model.InitialState(theta);
        condition.ApplyStates(_map, x, theta, z);
        return z;
    }
}
