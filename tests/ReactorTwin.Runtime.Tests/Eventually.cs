using System.Diagnostics;

namespace ReactorTwin.Runtime.Tests;

/// <summary>
/// Waiting on real processes (mosquitto, a <c>reactortwin run</c> child): polls a condition until a bound. A bound is
/// not a performance assertion; each call site states why its bound is safe on a loaded 2-core machine (every bound is
/// at least 5× what the awaited work takes there with both cores busy). Polling never sleeps the test thread.
/// </summary>
internal static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> every 50 ms until it holds; fails with <paramref name="describe"/>
    /// after <paramref name="bound"/>.</summary>
    public static async Task WaitUntil(Func<bool> condition, TimeSpan bound, Func<string> describe)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > bound)
            {
                Assert.Fail($"timed out after {bound.TotalSeconds} s: {describe()}");
            }

            await Task.Delay(50);
        }
    }
}
