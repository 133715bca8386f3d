using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Playwright;
using ReactorTwin.Runtime.Journal;
using ReactorTwin.Runtime.Tests;

namespace ReactorTwin.Host.Tests.Dashboard;

/// <summary>
/// The dashboard in a real browser: Debian's chromium, headless, driven by Playwright (its own browser download is not
/// used), against <c>reactortwin demo --serve</c> stepped through its standard input in virtual time.
/// </summary>
public sealed class DashboardBrowserTests : IDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private const string Password = "browser-test-pw";

    // Without the background-networking flags chromium keeps trying hosts this machine cannot reach.
    private static readonly string[] ChromiumArgs = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"];

    private readonly string _dir = Directory.CreateTempSubdirectory("reactortwin-browser-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>TestResults/dashboard at the repository's root (where test.sh collects the reports).</summary>
    private static string ScreenshotDirectory()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "ReactorTwin.sln")))
        {
            d = d.Parent;
        }

        string dir = Path.Combine(d?.FullName ?? AppContext.BaseDirectory, "TestResults", "dashboard");
        Directory.CreateDirectory(dir);
        return dir;
    }

    [Fact]
    public async Task Demo_InChromium_SeriesGrowAcceptRefusesAWrongPasswordAndAppliesTheProposalOnce()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium (apt-get install -y chromium; test.sh does it)");
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"); // the system browser, never Playwright's
        var sw = Stopwatch.StartNew();
        string shots = ScreenshotDirectory();
        await using var demo = DemoProcess.Start(Path.Combine(_dir, "out"), Password, batches: 2);

        // Bounds on the child process (each at least 5× what it takes on a loaded 2-core machine): start with Kestrel
        // and the model compiled, 2–4 s → 60 s; a step of a few culture hours without a refit, < 1 s → 30 s; a step
        // through a batch's end with its refit and proposal, 2–6 s → 60 s.
        await Eventually.WaitUntil(() => demo.Line("dashboard: http://") is not null || demo.HasExited, TimeSpan.FromSeconds(60), () => demo.Output);
        Assert.False(demo.HasExited, demo.Output);
        var baseUrl = new Uri(demo.Line("dashboard: http://")!["dashboard: ".Length..]);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ChromiumArgs });
        var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 }, AcceptDownloads = true });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000); // the page's updates follow work already done in virtual time
        var requests = new ConcurrentQueue<string>();
        var problems = new ConcurrentQueue<string>();
        Watch(page, requests, problems);

        await page.GotoAsync(baseUrl.ToString());
        await page.WaitForSelectorAsync("body[data-ready=true]");
        await page.WaitForSelectorAsync("#live-state[data-state=live]");
        Assert.Equal("twin: ready", await page.TextContentAsync("#host-state"));
        Assert.Equal("0", await Count(page, "GLC", "measured"));

        // Readings arrive: the series appear...
        await Step(demo, 12, "12");
        await WaitForCount(page, "GLC", "measured", 3); // GLC at 4, 8 and 12 h
        await WaitForCount(page, "LAC", "measured", 3);
        await WaitForCount(page, "GLC", "filtered", 3);
        int forecast = int.Parse((await Count(page, "GLC", "forecast"))!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(forecast >= 10, $"forecast points: {forecast}"); // 12 h to 72 h every 6 h
        // From batch 1 on, the forecast's band is the posterior predictive (of the online posterior).
        Assert.Equal("posterior", await page.GetAttributeAsync("figure[data-component=GLC] g[data-series=forecast]", "data-band"));

        // ...and grow, without a reload.
        await Step(demo, 24, "36");
        await WaitForCount(page, "GLC", "measured", 9);
        await WaitForCount(page, "GLC", "filtered", 9);
        await WaitForCount(page, "mAb", "measured", 3); // every 12 h
        await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "dashboard-running.png"), FullPage = true });

        // The batch ends: refit, parameters, and a proposal waiting with its reason and an Accept button.
        await Step(demo, 36.5, "72.5");
        await page.WaitForSelectorAsync(".proposal-body[data-id='1'][data-applied=false]");
        Assert.Contains("Why: log det", await page.TextContentAsync(".proposal-body"), StringComparison.Ordinal);
        await page.WaitForSelectorAsync("table.parameters tbody tr");
        Assert.Equal(7, await page.Locator("table.parameters tbody tr").CountAsync());

        // A wrong password is refused, and nothing changes.
        await page.ClickAsync("button.accept");
        await page.FillAsync(".accept-form input[name=user]", "demo");
        await page.FillAsync(".accept-form input[name=password]", "not the password");
        await page.ClickAsync(".confirm-accept");
        await page.WaitForSelectorAsync(".accept-result[data-outcome=refused]");
        Assert.Contains("wrong user name or password", await page.TextContentAsync(".accept-result"), StringComparison.Ordinal);
        Assert.Equal("false", await page.GetAttributeAsync(".proposal-body", "data-applied"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "dashboard-refused.png"), FullPage = true });

        // The right one: applied, and the page says so (and by whom, from the journal).
        await page.FillAsync(".accept-form input[name=password]", Password);
        await page.ClickAsync(".confirm-accept");
        await page.WaitForSelectorAsync(".accept-result[data-outcome=applied]");
        await page.WaitForSelectorAsync(".proposal-body[data-applied=true]");
        await page.WaitForSelectorAsync("text=accepted by dashboard:demo");
        Assert.Equal(0, await page.Locator("button.accept").CountAsync());
        await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "dashboard-applied.png"), FullPage = true });

        // Applied once: one command in the journal, and the next batch starts with the proposal's setpoint.
        using (var journal = new MeasurementJournal(Path.Combine(_dir, "out", "journal.db")))
        {
            var command = Assert.Single(journal.Commands("r1"));
            Assert.Equal("dashboard:demo (via MQTT)", command.Origin);
            Assert.StartsWith("applied proposal 1", command.Outcome, StringComparison.Ordinal);
        }

        await Step(demo, 1, "73.5");
        using var http = new HttpClient { BaseAddress = baseUrl };
        var reactor = JsonDocument.Parse(await http.GetStringAsync("/api/state")).RootElement.GetProperty("reactors")[0];
        double proposed = reactor.GetProperty("proposal").GetProperty("setpoints").GetProperty("GLC").GetDouble();
        var second = reactor.GetProperty("batches").EnumerateArray().Single(b => b.GetProperty("batch").GetString() == "b0002");
        Assert.Equal(proposed, second.GetProperty("setpoints").GetProperty("GLC").GetDouble());
        await page.WaitForSelectorAsync(".batch-select option[value=b0002]", new() { State = WaitForSelectorState.Attached });

        // The batch's CSV from the page's link: the long-format header, then one row per value of the chosen batch; its
        // measured GLC rows are the points the chart draws.
        await page.SelectOptionAsync(".batch-select", "b0001");
        int measuredGlc = await AssertCsvDownload(page, Path.Combine(shots, "b0001.csv"));

        // The figure as PNG, drawn by the browser from the server's SVG.
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync(".download-png"));
        string png = Path.Combine(shots, "figure-b0001.png");
        await download.SaveAsAsync(png);
        byte[] bytes = await File.ReadAllBytesAsync(png);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        Assert.Equal(2 * (720 + 300), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16, 4))); // IHDR width: the SVG's, twice

        // On a phone: nothing wider than the screen.
        var phone = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 390, Height = 844 }, IsMobile = true, HasTouch = true, DeviceScaleFactor = 2 });
        var small = await phone.NewPageAsync();
        Watch(small, requests, problems);
        await small.GotoAsync(baseUrl.ToString());
        await small.WaitForSelectorAsync("body[data-ready=true]");
        await small.WaitForSelectorAsync(".batch-select option[value=b0001]", new() { State = WaitForSelectorState.Attached });
        await small.SelectOptionAsync(".batch-select", "b0001");
        await WaitForCount(small, "GLC", "measured", measuredGlc);
        Assert.True(await small.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), "the page is wider than a phone's screen");
        await small.ScreenshotAsync(new() { Path = Path.Combine(shots, "dashboard-phone.png"), FullPage = true });

        Assert.Empty(problems);
        // Nothing fetched from elsewhere: the server's own addresses, and the blobs the page makes from them (the PNG).
        string origin = baseUrl.GetLeftPart(UriPartial.Authority);
        Assert.All(requests, u => Assert.True(u.StartsWith(origin + "/", StringComparison.Ordinal) || u.StartsWith("blob:" + origin + "/", StringComparison.Ordinal), u));
        demo.CloseInput();
        await demo.WaitForExitAsync(TimeSpan.FromSeconds(120)); // the rest of batch 2 and its refit: < 20 s loaded
        Assert.True(demo.ExitCode == 0, demo.Output);
        Console.WriteLine($"browser test: {sw.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>Collects every request's address and what went wrong on <paramref name="page"/>: script errors, console
    /// errors and HTTP errors, except the one refusal the test provokes (a wrong password: 401 from accept).</summary>
    private static void Watch(IPage page, ConcurrentQueue<string> requests, ConcurrentQueue<string> problems)
    {
        page.Request += (_, r) => requests.Enqueue(r.Url);
        page.PageError += (_, e) => problems.Enqueue("page error: " + e);
        page.Console += (_, m) =>
        {
            // The browser echoes every HTTP error status on the console; those are judged from the responses.
            if (m.Type == "error" && !m.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
            {
                problems.Enqueue("console: " + m.Text);
            }
        };
        page.Response += (_, r) =>
        {
            bool refusal = r.Status == 401 && r.Request.Method == "POST" && r.Url.EndsWith("/proposal/accept", StringComparison.Ordinal);
            if (r.Status >= 400 && !refusal)
            {
                problems.Enqueue($"HTTP {r.Status}: {r.Request.Method} {r.Url}");
            }
        };
    }

    private static async Task Step(DemoProcess demo, double hours, string at)
    {
        await demo.AdvanceAsync(hours);
        await Eventually.WaitUntil(() => demo.Line($"clock: {at} h") is not null || demo.HasExited, TimeSpan.FromSeconds(60), () => demo.Output);
        Assert.False(demo.HasExited, demo.Output);
    }

    private static Task<string?> Count(IPage page, string component, string series) =>
        page.GetAttributeAsync($"figure[data-component={component}] g[data-series={series}]", "data-count");

    /// <summary>Waits in the browser until the chart's series has <paramref name="expected"/> points. Bound: the event
    /// is on its way as soon as the clock step printed (SSE, then one animation frame, well under 1 s loaded); 30 s.</summary>
    private static async Task WaitForCount(IPage page, string component, string series, int expected)
    {
        string selector = $"figure[data-component={component}] g[data-series={series}]";
        try
        {
            await page.WaitForFunctionAsync(
                "([s, n]) => document.querySelector(s)?.getAttribute('data-count') === String(n)",
                new object[] { selector, expected },
                new() { Timeout = 30_000 });
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{component} {series}: {expected} points expected within 30 s, the chart has {await Count(page, component, series)}");
        }
    }

    /// <summary>Downloads the selected batch's CSV from the page and checks it; returns its measured GLC rows.</summary>
    private static async Task<int> AssertCsvDownload(IPage page, string path)
    {
        // Bound: the server writes a batch's CSV in milliseconds; the page's default 30 s.
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync(".download-csv"));
        await download.SaveAsAsync(path);
        string[] lines = (await File.ReadAllTextAsync(path)).TrimEnd('\n').Split('\n');
        Assert.Equal("batch,time_h,component,kind,band,value,lo95,hi95", lines[0]);
        string[][] rows = lines[1..].Select(l => l.Split(',')).ToArray();
        Assert.All(rows, r =>
        {
            Assert.Equal(8, r.Length);
            Assert.Equal("b0001", r[0]);
        });
        foreach (string kind in new[] { "measured", "filtered", "forecast" })
        {
            Assert.Contains(rows, r => r[2] == "GLC" && r[3] == kind);
        }

        int measured = rows.Count(r => r[2] == "GLC" && r[3] == "measured");
        Assert.Equal((await Count(page, "GLC", "measured"))!, measured.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return measured;
    }
}
