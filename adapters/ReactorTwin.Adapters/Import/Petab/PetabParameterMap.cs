using System.Globalization;

namespace ReactorTwin.Adapters.Import.Petab;

/// <summary>
/// The values x of the parameter table's rows (natural scale, table order) and what they mean: a row whose id is a
/// parameter of the model sets that parameter of θ (the SBML value holds for the others); any row can be named by a
/// cell of the condition table or an override of the measurement table.
/// </summary>
internal sealed class PetabParameterMap
{
    private readonly Dictionary<string, int> _rows;
    private readonly int[] _rowOfModelParameter;
    private readonly double[] _sbmlTheta;
    private readonly Core.Models.ReactionNetwork _network;

    public PetabParameterMap(PetabProblem problem)
    {
        _network = problem.Model.Network;
        _rows = problem.Parameters.Select((p, i) => (p.Id, i)).ToDictionary(t => t.Id, t => t.i, StringComparer.Ordinal);
        _sbmlTheta = _network.NominalParameters();
        _rowOfModelParameter = [.. _network.Parameters.Select(p => _rows.TryGetValue(p.Name, out int i) ? i : -1)];
        Nominal = [.. problem.Parameters.Select(p => p.Nominal)];
    }

    /// <summary>The nominal values of the table (natural scale).</summary>
    public IReadOnlyList<double> Nominal { get; }

    /// <summary>The row index of a parameter id, or −1.</summary>
    public int RowOf(string id) => _rows.TryGetValue(id, out int i) ? i : -1;

    /// <summary>Writes θ: the SBML values, then the table's values for the model parameters it lists.</summary>
    public void ModelParameters(ReadOnlySpan<double> x, double[] theta)
    {
        for (int k = 0; k < theta.Length; k++)
        {
            int row = _rowOfModelParameter[k];
            theta[k] = row >= 0 ? x[row] : _sbmlTheta[k];
        }
    }

    /// <summary>
    /// The value of a cell of the condition or measurement table: a number, NaN for <c>nan</c> or an empty cell,
    /// the value of a row of the parameter table, or (failing that) of a model parameter in <paramref name="theta"/>.
    /// </summary>
    public double Cell(string cell, ReadOnlySpan<double> x, double[] theta)
    {
        if (cell.Length == 0 || cell.Equals("nan", StringComparison.OrdinalIgnoreCase))
        {
            return double.NaN;
        }

        if (double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
        {
            return v;
        }

        if (_rows.TryGetValue(cell, out int row))
        {
            return x[row];
        }

        int k = _network.IndexOfParameter(cell);
        return k >= 0 ? theta[k] : throw new PetabException($"'{cell}' is neither a number nor a parameter");
    }
}
