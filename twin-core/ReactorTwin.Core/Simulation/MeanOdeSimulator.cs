using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Core.Simulation;

/// <summary>
/// Deterministic mean dynamics dz/dt = b(z; θ) = S a(z; θ) (the drift of seed 001 eq. 3 together with the cell
/// density ODEs of eq. 1, i.e. the LNA mean of eq. 12), solved by <see cref="OdeSolver"/> from t = 0: by default
/// with automatic stiffness detection, the implicit method using the exact drift Jacobian F = ∂b/∂z of the symbolic
/// layer. Species and cell densities are kept non-negative (<see cref="IOdeSystem.NonNegativeComponents"/>).
/// After construction a simulation allocates nothing. Not thread-safe: use one instance per thread.
/// </summary>
public sealed class MeanOdeSimulator
{
    private readonly ReactionNetwork _model;
    private readonly TrajectoryDriver _driver;
    private readonly DriftSystem _system;

    /// <summary>Creates the simulator.</summary>
    /// <param name="model">The model.</param>
    /// <param name="options">Integrator tolerances and method; null for the defaults (rtol 1e−6, atol 1e−9, automatic switching).</param>
    public MeanOdeSimulator(ReactionNetwork model, OdeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _driver = new TrajectoryDriver(model, new OdeSolver(model.StateDimension, options));
        _system = new DriftSystem(model, new ModelArguments(model));
    }

    /// <summary>
    /// Solves from z(0) = <paramref name="initialState"/> and writes z at each time into <paramref name="output"/>
    /// (row-major, times × state).
    /// </summary>
    /// <param name="initialState">z(0): species then cell phases, each finite and ≥ 0.</param>
    /// <param name="parameters">θ on the natural scale, in model order.</param>
    /// <param name="times">Output times in hours, non-decreasing, ≥ 0.</param>
    /// <param name="output">times.Length × StateDimension values.</param>
    /// <returns>Integrator counters (steps, evaluations, how many steps were implicit).</returns>
    /// <exception cref="SimulationException">The integrator failed (non-finite state or step budget).</exception>
    public OdeSolveResult Simulate(ReadOnlySpan<double> initialState, ReadOnlySpan<double> parameters, ReadOnlySpan<double> times, Span<double> output) =>
        Simulate(initialState, parameters, times, output, null);

    /// <summary>
    /// Solves with the inputs of <paramref name="inputs"/> (null: the model's values), stopping at every input
    /// point and event; an output at an event's time shows the state just before it.
    /// </summary>
    /// <inheritdoc cref="Simulate(ReadOnlySpan{double}, ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double})"/>
    public OdeSolveResult Simulate(ReadOnlySpan<double> initialState, ReadOnlySpan<double> parameters, ReadOnlySpan<double> times, Span<double> output, InputSchedule? inputs)
    {
        SimulationInputs.Check(_model, initialState, parameters, times, output);
        _system.Arguments.SetParameters(parameters);
        var result = _driver.Solve(_system, inputs, 0.0, initialState, times, output);
        if (!result.Succeeded)
        {
            throw new SimulationException($"the mean ODE of model '{_model.Name}' failed at t = {result.ReachedTime:G6} h: {result.Exit} after {result.AcceptedSteps} steps");
        }

        return result;
    }

    /// <summary>The model drift as an ODE system with its exact Jacobian (θ, t and the inputs in a reusable argument vector), events and their triggers.</summary>
    internal sealed class DriftSystem(ReactionNetwork network, ModelArguments arguments) : IOdeJacobian, IModelSystem, IOdeRootSystem
    {
        private readonly CompiledModel model = network.Compiled;
        private readonly EventJump _jump = new(network);

        public ModelArguments Arguments { get; } = arguments;

        public int RootCount => network.CompiledEvents.RootCount;

        public bool CarriesDerivatives => false;

        public void Roots(double t, double[] y, double[] roots)
        {
            Arguments.At(t);
            network.CompiledEvents.Roots(y, Arguments.Values, roots);
        }

        public void ApplyEvent(int index, double t, double[] y, bool triggered)
        {
            Arguments.At(t);
            _jump.Apply(index, Arguments, y, triggered, [], 0, 0);
        }

        public int Dimension => model.StateDimension;

        public int NonNegativeComponents => model.StateDimension;

        public void Evaluate(double t, double[] y, double[] dydt)
        {
            Arguments.At(t);
            model.Drift(y, Arguments.Values, dydt);
        }

        public void Jacobian(double t, double[] y, double[] jacobian)
        {
            Arguments.At(t);
            model.DriftStateJacobian(y, Arguments.Values, jacobian);
        }
    }
}
