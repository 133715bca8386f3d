namespace ReactorTwin.Adapters.Import.Petab;

/// <summary>
/// One simulation of a PEtab problem: a simulation condition, optionally after pre-equilibration under another, with
/// the measurements it serves and their distinct times in increasing order.
/// </summary>
/// <param name="Preequilibration">preequilibrationConditionId, or "".</param>
/// <param name="Condition">simulationConditionId.</param>
/// <param name="Measurements">Indices into the measurement table.</param>
/// <param name="Times">Distinct measurement times, increasing.</param>
/// <param name="TimeIndex">For each of <paramref name="Measurements"/>, its index in <paramref name="Times"/>.</param>
internal sealed record PetabScenario(string Preequilibration, string Condition, int[] Measurements, double[] Times, int[] TimeIndex)
{
    /// <summary>Groups the measurements by (pre-equilibration, simulation condition), in order of first appearance.</summary>
    public static List<PetabScenario> Of(IReadOnlyList<PetabMeasurement> measurements)
    {
        var result = new List<PetabScenario>();
        foreach (var group in measurements.Select((m, i) => (m, i)).GroupBy(t => (t.m.Preequilibration, t.m.Condition)))
        {
            int[] rows = [.. group.Select(t => t.i)];
            double[] times = [.. rows.Select(i => measurements[i].Time).Distinct().Order()];
            int[] index = [.. rows.Select(i => Array.BinarySearch(times, measurements[i].Time))];
            result.Add(new PetabScenario(group.Key.Preequilibration, group.Key.Condition, rows, times, index));
        }

        return result;
    }
}
