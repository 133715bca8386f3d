using System.Globalization;

namespace ReactorTwin.Runtime.Twin;

/// <summary>The check of setpoints against a reactor's safety bounds, the same wherever a command is checked (the twin
/// before it applies a proposal, a dashboard before it sends the command).</summary>
public static class SafetyCheck
{
    /// <summary>The first setpoint outside its bounds, in words (<c>GLC 40 is outside the safety bounds [18, 38]</c>),
    /// or null when every setpoint with bounds is within them (inclusive).</summary>
    /// <param name="setpoints">Component → value.</param>
    /// <param name="bounds">Component → [min, max]; a component without bounds is not checked.</param>
    public static string? Violation(IEnumerable<KeyValuePair<string, double>> setpoints, IReadOnlyDictionary<string, (double Min, double Max)> bounds)
    {
        ArgumentNullException.ThrowIfNull(setpoints);
        ArgumentNullException.ThrowIfNull(bounds);
        foreach (var (name, value) in setpoints)
        {
            if (bounds.TryGetValue(name, out var b) && !(value >= b.Min && value <= b.Max))
            {
                return string.Create(CultureInfo.InvariantCulture, $"{name} {value:G5} is outside the safety bounds [{b.Min:G5}, {b.Max:G5}]");
            }
        }

        return null;
    }
}
