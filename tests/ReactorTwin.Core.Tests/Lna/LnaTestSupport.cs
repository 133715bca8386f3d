using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Lna;
using ReactorTwin.Core.Models;
using ReactorTwin.Core.Numerics;
using ReactorTwin.Core.Simulation;

namespace ReactorTwin.Core.Tests.Lna;

/// <summary>
/// Shared pieces of the LNA / likelihood tests: small test models, data simulation, and independent dense linear
/// algebra (Cholesky, Gaussian log-density, symmetric eigenvalues, matrix exponential) written here so that the
/// references do not reuse the library's <see cref="SmallDense"/>.
/// </summary>
internal static class LnaTestSupport
{
    /// <summary>Tight adaptive tolerances: the integration error (~1e−10 relative) is far below every test tolerance.</summary>
    public static LnaOptions Tight { get; } = new()
    {
        Tolerances = new DormandPrinceOptions { RelativeTolerance = 1e-10, AbsoluteTolerance = 1e-14 },
    };

    /// <summary>Immigration–death ∅ → A (rate k), A → ∅ (rate g·A).</summary>
    public static ReactionNetwork ImmigrationDeath(double k, double g, double omega, double a0) =>
        ReactionNetwork.CreateBuilder("immigration-death")
            .WithSystemSize(omega)
            .AddSpecies("A", "mM", a0)
            .AddParameter("k", k, k / 100, k * 100)
            .AddParameter("g", g, g / 100, g * 100)
            .AddReaction("immigration", new() { ["A"] = 1 }, "k")
            .AddReaction("death", new() { ["A"] = -1 }, "g*A")
            .Build();

    /// <summary>Simulates CLE paths and returns them as [path][time × state].</summary>
    public static double[][] SimulateCle(ReactionNetwork model, double[] theta, double[] z0, double[] times, int paths, double step, Random rng, double? omega = null)
    {
        var sim = new ChemicalLangevinSimulator(model, step, omega);
        var gauss = new GaussianSource(rng);
        var result = new double[paths][];
        for (int p = 0; p < paths; p++)
        {
            result[p] = new double[times.Length * model.StateDimension];
            sim.Simulate(z0, theta, times, result[p], gauss);
        }

        return result;
    }

    /// <summary>Lower Cholesky factor of a symmetric positive definite matrix (throws if not positive definite).</summary>
    public static double[,] Cholesky(double[,] a)
    {
        int n = a.GetLength(0);
        var l = new double[n, n];
        for (int j = 0; j < n; j++)
        {
            double d = a[j, j];
            for (int k = 0; k < j; k++)
            {
                d -= l[j, k] * l[j, k];
            }

            if (!(d > 0))
            {
                throw new InvalidOperationException($"matrix not positive definite at pivot {j} ({d})");
            }

            l[j, j] = Math.Sqrt(d);
            for (int i = j + 1; i < n; i++)
            {
                double s = a[i, j];
                for (int k = 0; k < j; k++)
                {
                    s -= l[i, k] * l[j, k];
                }

                l[i, j] = s / l[j, j];
            }
        }

        return l;
    }

    /// <summary>log N(x; mean, cov) by a Cholesky factorisation.</summary>
    public static double LogNormalDensity(double[] x, double[] mean, double[,] cov)
    {
        int n = x.Length;
        var l = Cholesky(cov);
        var w = new double[n];
        double logDet = 0, quad = 0;
        for (int i = 0; i < n; i++)
        {
            double s = x[i] - mean[i];
            for (int k = 0; k < i; k++)
            {
                s -= l[i, k] * w[k];
            }

            w[i] = s / l[i, i];
            quad += w[i] * w[i];
            logDet += 2 * Math.Log(l[i, i]);
        }

        return -0.5 * ((n * Math.Log(2 * Math.PI)) + logDet + quad);
    }

    /// <summary>Eigenvalues of a symmetric matrix (row-major n × n) by cyclic Jacobi rotations.</summary>
    public static double[] SymmetricEigenvalues(ReadOnlySpan<double> matrix, int n)
    {
        var a = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                a[i, j] = 0.5 * (matrix[(i * n) + j] + matrix[(j * n) + i]);
            }
        }

        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0, total = 0;
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    total += a[i, j] * a[i, j];
                    if (i != j)
                    {
                        off += a[i, j] * a[i, j];
                    }
                }
            }

            if (off <= 1e-30 * total)
            {
                break;
            }

            for (int p = 0; p < n - 1; p++)
            {
                for (int q = p + 1; q < n; q++)
                {
                    if (a[p, q] == 0)
                    {
                        continue;
                    }

                    double theta = (a[q, q] - a[p, p]) / (2 * a[p, q]);
                    double t = Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt((theta * theta) + 1));
                    double c = 1 / Math.Sqrt((t * t) + 1), s = t * c;
                    for (int k = 0; k < n; k++)
                    {
                        double akp = a[k, p], akq = a[k, q];
                        a[k, p] = (c * akp) - (s * akq);
                        a[k, q] = (s * akp) + (c * akq);
                    }

                    for (int k = 0; k < n; k++)
                    {
                        double apk = a[p, k], aqk = a[q, k];
                        a[p, k] = (c * apk) - (s * aqk);
                        a[q, k] = (s * apk) + (c * aqk);
                    }
                }
            }
        }

        var ev = new double[n];
        for (int i = 0; i < n; i++)
        {
            ev[i] = a[i, i];
        }

        Array.Sort(ev);
        return ev;
    }

    /// <summary>exp(A) of a small square matrix by scaling and squaring of a 30-term Taylor series.</summary>
    public static double[,] MatrixExponential(double[,] a)
    {
        int n = a.GetLength(0);
        double norm = 0;
        foreach (double v in a)
        {
            norm = Math.Max(norm, Math.Abs(v));
        }

        int squarings = Math.Max(0, (int)Math.Ceiling(Math.Log2(Math.Max(norm * n, 1e-300))) + 1);
        double scale = Math.Pow(2, -squarings);
        var term = Identity(n);
        var sum = Identity(n);
        for (int k = 1; k <= 30; k++)
        {
            term = Multiply(term, a);
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    term[i, j] *= scale / k;
                    sum[i, j] += term[i, j];
                }
            }
        }

        for (int s = 0; s < squarings; s++)
        {
            sum = Multiply(sum, sum);
        }

        return sum;
    }

    public static double[,] Identity(int n)
    {
        var m = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            m[i, i] = 1;
        }

        return m;
    }

    public static double[,] Multiply(double[,] a, double[,] b)
    {
        int n = a.GetLength(0), m = b.GetLength(1), l = a.GetLength(1);
        var c = new double[n, m];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < m; j++)
            {
                double s = 0;
                for (int k = 0; k < l; k++)
                {
                    s += a[i, k] * b[k, j];
                }

                c[i, j] = s;
            }
        }

        return c;
    }

    /// <summary>Rows of long-format data for one batch: all components of z at t = 0, then the given components at later times.</summary>
    public static IEnumerable<DataRow> BatchRows(ReactionNetwork model, string batch, double[] z0, double[] times, double[] path, Func<int, int, bool> observed, Func<int, int, double>? noise = null)
    {
        int n = model.StateDimension;
        for (int i = 0; i < n; i++)
        {
            yield return new DataRow(batch, 0.0, model.StateNames[i], z0[i]);
        }

        for (int j = 0; j < times.Length; j++)
        {
            for (int i = 0; i < n; i++)
            {
                if (observed(j, i))
                {
                    yield return new DataRow(batch, times[j], model.StateNames[i], path[(j * n) + i] + (noise?.Invoke(j, i) ?? 0.0));
                }
            }
        }
    }
}
