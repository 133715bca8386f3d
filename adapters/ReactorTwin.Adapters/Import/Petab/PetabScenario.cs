namespace ReactorTwin.Adapters.Import.Petab;

/// <summary>
/// One simulation of a PEtab problem: a simulation condition, optionally after pre-equilibration under another, with
/// the measurements it serves and their distinct times in increasing order.
/// </summary>
internal sealed class PetabScenario
{
    private PetabScenario(string preequilibration, string condition, int[] measurements, double[] times, int[] timeIndex)
    {
        Preequilibration = preequilibration;
        Condition = condition;
        Measurements = measurements;
        Times = times;
        TimeIndex = timeIndex;
    }

    /// <summary>preequilibrationConditionId, or "".</summary>
    public string Preequilibration { get; }

    /// <summary>simulationConditionId.</summary>
    public string Condition { get; }

    /// <summary>Indices into the measurement table.</summary>
    public int[] Measurements { get; }

    /// <summary>Distinct measurement times, increasing.</summary>
    public double[] Times { get; }

    /// <summary>For each of <see cref="Measurements"/>, its index in <see cref="Times"/>.</summary>
    public int[] TimeIndex { get; }

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
