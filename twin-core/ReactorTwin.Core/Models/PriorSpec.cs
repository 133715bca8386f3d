using System.Globalization;

namespace ReactorTwin.Core.Models;

/// <summary>The family of a parameter's prior.</summary>
public enum PriorKind
{
    /// <summary>Uniform on the parameter's bounds (natural scale).</summary>
    Uniform,

    /// <summary>log θ ~ N(log median, sdLog²) (truncated to the bounds).</summary>
    LogNormal,

    /// <summary>θ ~ N(mean, sd²) (truncated to the bounds).</summary>
    Normal,
}

/// <summary>
/// A parameter's prior as a model states it (model files: <c>"prior": {"kind": "lognormal", "median": 4.2, "sdLog":
/// 1.15}</c>, <c>{"kind": "normal", "mean": 1, "sd": 0.2}</c> or <c>{"kind": "uniform"}</c>). A parameter without one gets
/// <see cref="WeaklyInformative"/>.
/// </summary>
/// <param name="Kind">Family.</param>
/// <param name="Center">Median (log-normal) or mean (normal), natural scale; NaN for uniform.</param>
/// <param name="Scale">sdLog (log-normal) or sd (normal), &gt; 0; NaN for uniform.</param>
public sealed record PriorSpec(PriorKind Kind, double Center = double.NaN, double Scale = double.NaN)
{
    /// <summary>Uniform on the bounds.</summary>
    public static PriorSpec Uniform { get; } = new(PriorKind.Uniform);

    /// <summary>log θ ~ N(log <paramref name="median"/>, <paramref name="sdLog"/>²).</summary>
    public static PriorSpec LogNormal(double median, double sdLog) => new(PriorKind.LogNormal, median, sdLog);

    /// <summary>θ ~ N(<paramref name="mean"/>, <paramref name="sd"/>²).</summary>
    public static PriorSpec Normal(double mean, double sd) => new(PriorKind.Normal, mean, sd);

    /// <summary>
    /// The default prior of a parameter whose model states none: weakly informative, centred on its value with the
    /// bounds two standard deviations out — log-normal with sdLog = ln(upper/lower)/4 for a log-scale parameter (for
    /// two-decade bounds either side, a factor 10 at one sd), normal with sd = (upper − lower)/4 otherwise. It keeps a
    /// parameter the data do not determine near its stated value instead of letting it drift to a bound.
    /// </summary>
    public static PriorSpec WeaklyInformative(Parameter parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        return parameter.LogScale && parameter.Lower > 0
            ? LogNormal(parameter.Value, Math.Log(parameter.Upper / parameter.Lower) / 4)
            : Normal(parameter.Value, (parameter.Upper - parameter.Lower) / 4);
    }

    /// <summary>The standard deviation of the prior in the parameter's estimation coordinate (log θ on log scale, θ
    /// otherwise), ignoring truncation: sdLog, sd (divided by the value on log scale), or the uniform's range/√12.</summary>
    public double ScaleInEstimationCoordinate(Parameter parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        bool log = parameter.LogScale && parameter.Lower > 0;
        return Kind switch
        {
            PriorKind.Uniform => (log ? Math.Log(parameter.Upper / parameter.Lower) : parameter.Upper - parameter.Lower) / Math.Sqrt(12),
            PriorKind.LogNormal => log ? Scale : Center * Scale,
            _ => log ? Scale / Math.Max(Math.Abs(Center), double.Epsilon) : Scale,
        };
    }

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        PriorKind.Uniform => "uniform on the bounds",
        PriorKind.LogNormal => string.Create(CultureInfo.InvariantCulture, $"log-normal, median {Center:G4}, sdLog {Scale:G3}"),
        _ => string.Create(CultureInfo.InvariantCulture, $"normal, mean {Center:G4}, sd {Scale:G3}"),
    };
}
