namespace ReactorTwin.Core.Estimation;

/// <summary>How <see cref="MultiStartMle"/> places its starts after the first (the space's base point).</summary>
public enum StartDesign
{
    /// <summary>A Latin hypercube in the (u-)box: each coordinate's range is cut into as many equal strata as there
    /// are extra starts, and every stratum of every coordinate holds exactly one start (space-filling; McKay,
    /// Beckman &amp; Conover 1979).</summary>
    LatinHypercube,

    /// <summary>Independent uniform draws in the box.</summary>
    Uniform,
}

/// <summary>Seeded start points in a box.</summary>
internal static class StartPoints
{
    /// <summary>
    /// <paramref name="count"/> points in [lower, upper] (per coordinate), drawn with <paramref name="random"/>.
    /// </summary>
    public static double[][] Draw(StartDesign design, int count, double[] lower, double[] upper, Random random)
    {
        int d = lower.Length;
        var points = new double[count][];
        for (int s = 0; s < count; s++)
        {
            points[s] = new double[d];
        }

        if (design == StartDesign.Uniform)
        {
            foreach (var p in points)
            {
                for (int j = 0; j < d; j++)
                {
                    p[j] = lower[j] + (random.NextDouble() * (upper[j] - lower[j]));
                }
            }

            return points;
        }

        var strata = new int[count];
        for (int j = 0; j < d; j++)
        {
            for (int s = 0; s < count; s++)
            {
                strata[s] = s;
            }

            random.Shuffle(strata);
            for (int s = 0; s < count; s++)
            {
                double x = (strata[s] + random.NextDouble()) / count;
                points[s][j] = lower[j] + (x * (upper[j] - lower[j]));
            }
        }

        return points;
    }
}
