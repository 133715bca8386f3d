using System.Globalization;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Benchmarks;

/// <summary>Seeded CHO data for the benchmarks: complete CLE batches every 12 h to 72 h, initial GLC uniform in [18, 38] mM.</summary>
internal static class ChoData
{
    public static readonly double[] Times = [0, 12, 24, 36, 48, 60, 72];

    public static List<DataRow> Rows(ReactionNetwork cho, int batches, int pathSeed, int designSeed, double step = 0.012)
    {
        var cle = new ChemicalLangevinSimulator(cho, step);
        var normal = new GaussianSource(new Random(pathSeed));
        var design = new Random(designSeed);
        var rows = new List<DataRow>();
        var path = new double[Times.Length * cho.StateDimension];
        for (int b = 0; b < batches; b++)
        {
            var z0 = cho.DefaultInitialState();
            z0[0] = 18 + (20 * design.NextDouble());
            cle.Simulate(z0, cho.NominalParameters(), Times, path, normal);
            for (int j = 0; j < Times.Length; j++)
            {
                for (int i = 0; i < cho.StateDimension; i++)
                {
                    rows.Add(new DataRow(b.ToString(CultureInfo.InvariantCulture), Times[j], cho.StateNames[i], path[(j * cho.StateDimension) + i]));
                }
            }
        }

        return rows;
    }

    /// <summary>2 % + 1e−3 absolute measurement noise on every species.</summary>
    public static MeasurementNoise Noise(ReactionNetwork cho)
    {
        var noise = new MeasurementNoise(cho.StateDimension);
        for (int i = 0; i < cho.SpeciesCount; i++)
        {
            noise.SetRelative(i, 0.02).SetAbsolute(i, 1e-3);
        }

        return noise;
    }
}
