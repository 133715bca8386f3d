namespace ReactorTwin.Runtime.Twin;

/// <summary>The culture times a prediction is made for: now, every multiple of the forecast step after it and before
/// the batch's planned end, and the end.</summary>
internal static class ForecastGrid
{
    /// <summary>Times (h) in increasing order: <paramref name="now"/>; then, when the batch has not reached its planned
    /// end, the multiples of <paramref name="stepHours"/> in (now, end) (none when the step is 0) and
    /// <paramref name="endHours"/>.</summary>
    /// <param name="now">Culture time of the latest measurement.</param>
    /// <param name="endHours">The batch's planned end.</param>
    /// <param name="stepHours">Grid step, ≥ 0 (0: now and end only).</param>
    public static List<double> Horizons(double now, double endHours, double stepHours)
    {
        var horizons = new List<double> { now };
        if (!(endHours > now))
        {
            return horizons;
        }

        if (stepHours > 0)
        {
            // A grid time closer than a hundredth of a step to now or the end would only repeat it.
            double tolerance = stepHours * 0.01;
            for (double k = Math.Floor(now / stepHours) + 1; (k * stepHours) < endHours - tolerance; k++)
            {
                double t = k * stepHours;
                if (t > now + tolerance)
                {
                    horizons.Add(t);
                }
            }
        }

        horizons.Add(endHours);
        return horizons;
    }
}
