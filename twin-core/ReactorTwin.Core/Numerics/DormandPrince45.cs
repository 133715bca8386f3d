namespace ReactorTwin.Core.Numerics;

/// <summary>
/// The explicit Runge–Kutta 5(4) of Dormand and Prince on its own: an <see cref="OdeSolver"/> whose method is fixed
/// to <see cref="OdeMethod.Explicit"/> (local extrapolation, FSAL, Shampine's continuous extension for intermediate
/// output times, the elementary step-size controller; Hairer, Nørsett &amp; Wanner, Solving ODEs I, II.4–II.6).
/// For stiff problems use <see cref="OdeSolver"/> with <see cref="OdeMethod.Auto"/>, the default everywhere else.
/// <para>After construction a solve allocates nothing. An instance is not thread-safe; use one per thread.</para>
/// </summary>
public sealed class DormandPrince45
{
    private readonly OdeSolver _solver;

    /// <summary>Creates a solver for systems of the given dimension.</summary>
    /// <param name="dimension">Number of ODE components, ≥ 1.</param>
    /// <param name="options">Tolerances and limits (the method is ignored: always explicit); null for the defaults.</param>
    public DormandPrince45(int dimension, OdeOptions? options = null)
    {
        _solver = new OdeSolver(dimension, (options ?? new OdeOptions()) with { Method = OdeMethod.Explicit });
    }

    /// <summary>Dimension this solver was made for.</summary>
    public int Dimension => _solver.Dimension;

    /// <summary>The options in force (method <see cref="OdeMethod.Explicit"/>).</summary>
    public OdeOptions Options => _solver.Options;

    /// <summary>
    /// Integrates from (<paramref name="t0"/>, <paramref name="y0"/>) and writes y(t_j) for every output time
    /// into row j of <paramref name="output"/> (row-major, times × dimension); see <see cref="OdeSolver.Solve"/>.
    /// </summary>
    public OdeSolveResult Solve<TSystem>(TSystem system, double t0, ReadOnlySpan<double> y0, ReadOnlySpan<double> outputTimes, Span<double> output)
        where TSystem : IOdeSystem =>
        _solver.Solve(system, t0, y0, outputTimes, output);

    /// <summary>
    /// Integrates with a fixed step (no error control) and returns y at <paramref name="t0"/> + steps·h in
    /// <paramref name="result"/>. Used to measure the convergence order; production code uses <see cref="Solve"/>.
    /// </summary>
    public void SolveFixedStep<TSystem>(TSystem system, double t0, ReadOnlySpan<double> y0, double step, int steps, Span<double> result)
        where TSystem : IOdeSystem =>
        _solver.SolveFixedStep(system, t0, y0, step, steps, result, OdeMethod.Explicit);
}
