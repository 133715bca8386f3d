namespace ReactorTwin.Core.Numerics;

/// <summary>
/// Standard normal variates from a caller-supplied, seeded <see cref="Random"/> by Marsaglia's polar method
/// (two variates per accepted pair; the second is kept for the next call). Not thread-safe.
/// </summary>
public sealed class GaussianSource
{
    private readonly Random _random;
    private double _spare;
    private bool _hasSpare;

    /// <summary>Wraps a random source; pass a seeded one for repeatable results.</summary>
    public GaussianSource(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        _random = random;
    }

    /// <summary>The underlying uniform source.</summary>
    public Random Uniform => _random;

    /// <summary>One draw from N(0, 1).</summary>
    public double Next()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spare;
        }

        double u, v, s;
        do
        {
            u = (2.0 * _random.NextDouble()) - 1.0;
            v = (2.0 * _random.NextDouble()) - 1.0;
            s = (u * u) + (v * v);
        }
        while (s >= 1.0 || s == 0.0);

        double m = Math.Sqrt(-2.0 * Math.Log(s) / s);
        _spare = v * m;
        _hasSpare = true;
        return u * m;
    }
}
