namespace ReactorTwin.Core.Estimation;

/// <summary>
/// The components of a posterior predictive that is a mixture over the points of a cubature rule of the parameter
/// posterior (<see cref="StreamingPosterior.PredictWithParameterUncertainty(double, Lna.LnaState, PredictiveMixture?)"/>):
/// for each point p (equal weights 1/<see cref="Points"/>) the LNA's predicted mean and variance of every state
/// component. The mixture describes a forecast that is far from one Gaussian (a substrate that is exhausted under some
/// parameters and untouched under others) better than its two moments do.
/// </summary>
public sealed class PredictiveMixture
{
    private readonly double[] _means;
    private readonly double[] _variances;

    /// <summary>Creates room for up to <paramref name="capacity"/> points of an <paramref name="stateDimension"/>-component state.</summary>
    public PredictiveMixture(int capacity, int stateDimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stateDimension);
        StateDimension = stateDimension;
        _means = new double[capacity * stateDimension];
        _variances = new double[capacity * stateDimension];
    }

    /// <summary>Points filled by the last prediction (0: none, the prediction was a single Gaussian).</summary>
    public int Points { get; private set; }

    /// <summary>State components per point.</summary>
    public int StateDimension { get; }

    /// <summary>The predicted means of component <paramref name="component"/> at every point (length <see cref="Points"/>,
    /// strided: element p at p × <see cref="StateDimension"/>).</summary>
    public double Mean(int point, int component) => _means[(point * StateDimension) + component];

    /// <summary>The predicted variance of component <paramref name="component"/> at point <paramref name="point"/>.</summary>
    public double Variance(int point, int component) => _variances[(point * StateDimension) + component];

    /// <summary>Copies the means and standard deviations of one component into the spans (length ≥ <see cref="Points"/>).</summary>
    public void Component(int component, Span<double> means, Span<double> sds)
    {
        for (int p = 0; p < Points; p++)
        {
            means[p] = _means[(p * StateDimension) + component];
            sds[p] = Math.Sqrt(Math.Max(_variances[(p * StateDimension) + component], 0.0));
        }
    }

    internal void Clear() => Points = 0;

    internal void Set(int point, ReadOnlySpan<double> mean, ReadOnlySpan<double> covariance)
    {
        int n = StateDimension;
        for (int i = 0; i < n; i++)
        {
            _means[(point * n) + i] = mean[i];
            _variances[(point * n) + i] = covariance[(i * n) + i];
        }

        Points = Math.Max(Points, point + 1);
    }
}
