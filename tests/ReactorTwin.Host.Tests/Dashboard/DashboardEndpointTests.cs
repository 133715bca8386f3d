using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Host.Dashboard;
using ReactorTwin.Runtime.Contracts;
using ReactorTwin.Runtime.Journal;

namespace ReactorTwin.Host.Tests.Dashboard;

/// <summary>The dashboard's addresses on a real Kestrel server (127.0.0.1) over the runtime in virtual time.</summary>
public sealed partial class DashboardEndpointTests
{
    [Fact]
    public async Task Page_EveryAssetIsServedFromTheBoxWithASameOriginPolicy()
    {
        await using var h = await DashboardHarness.StartAsync();
        using var page = await h.Http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(DashboardHosting.ContentSecurityPolicy, page.Headers.GetValues("Content-Security-Policy").Single());
        string html = await page.Content.ReadAsStringAsync();
        var referenced = AssetReference().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.Contains("/assets/dashboard.js", referenced);
        Assert.Contains("/assets/dashboard.css", referenced);
        foreach (var asset in StaticAssets.Files.Values)
        {
            using var r = await h.Http.GetAsync("/assets/" + asset.Name);
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.Equal(asset.ContentType, r.Content.Headers.ContentType!.ToString());
            // Nothing is fetched from elsewhere: no address but the SVG namespace in any file of the page.
            string text = System.Text.Encoding.UTF8.GetString(asset.Content);
            Assert.DoesNotContain(ExternalAddress().Matches(text), m => m.Value != "http://www.w3.org/2000/svg");
        }

        Assert.All(referenced, a => Assert.NotNull(StaticAssets.Find(a["/assets/".Length..])));
        using var missing = await h.Http.GetAsync("/assets/nothing.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Events_SnapshotThenEveryReadingPredictionAndForecastAsTheyArrive()
    {
        await using var h = await DashboardHarness.StartAsync();
        using var response = await h.Http.GetAsync("/api/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var snapshot = await NextEvent(reader);
        Assert.Equal("snapshot", snapshot.Name);
        Assert.Equal("ready", snapshot.Data.GetProperty("host").GetProperty("state").GetString());
        Assert.Equal(["GLC", "LAC"], snapshot.Data.GetProperty("reactors")[0].GetProperty("channels").EnumerateArray().Select(c => c.GetProperty("component").GetString()));

        h.AdvanceHours(6.5); // the batch starts (a forecast from its initial values), and GLC and LAC are read at 6 h
        var events = new List<(string Name, JsonElement Data)>();
        bool FromSix((string Name, JsonElement Data) e) => e.Name == "forecast" && e.Data.GetProperty("forecast").GetProperty("from_h").GetDouble() == 6;
        while (!(events.Count(FromSix) == 2 && events.Count(e => e.Name == "measurement") == 2))
        {
            events.Add(await NextEvent(reader));
        }

        Assert.Equal("b0001", events.First(e => e.Name == "batch").Data.GetProperty("batch").GetProperty("batch").GetString());
        var m = events.Where(e => e.Name == "measurement").Select(e => e.Data).ToArray();
        Assert.Equal(["GLC", "LAC"], m.Select(x => x.GetProperty("component").GetString()).Order());
        Assert.All(m, x => Assert.Equal(6, x.GetProperty("point").GetProperty("t").GetDouble()));
        var f = events.Last(e => e.Name == "filtered").Data.GetProperty("point");
        Assert.Equal(6, f.GetProperty("t").GetDouble());
        Assert.True(f.GetProperty("lo95").GetDouble() < f.GetProperty("mean").GetDouble() && f.GetProperty("mean").GetDouble() < f.GetProperty("hi95").GetDouble());
        Assert.True(f.GetProperty("posterior").GetBoolean()); // the online posterior's predictive, from batch 1 on
        var forecast = events.Last(e => e.Name == "forecast").Data.GetProperty("forecast");
        Assert.Equal(6, forecast.GetProperty("from_h").GetDouble());
        var times = forecast.GetProperty("components").GetProperty("GLC").GetProperty("points").EnumerateArray().Select(p => p.GetProperty("horizon_h").GetDouble()).ToArray();
        Assert.Equal(6, times[0]);
        Assert.Equal(72, times[^1]);

        // The status follows the counters: two readings accepted, journaled. A status is sent when it changes, so the
        // one that says so may already be among the events read above; the counters move at their own stages.
        static long Count(JsonElement s, string counter) => s.GetProperty("counts").GetProperty("r1").GetProperty(counter).GetInt64();
        JsonElement status = events.Where(e => e.Name == "status").Select(e => e.Data).LastOrDefault();
        while (status.ValueKind != JsonValueKind.Object || Count(status, "journaled") < 2 || Count(status, "accepted") < 2)
        {
            status = (await NextEvent(reader, "status")).Data;
        }

        Assert.Equal(2, Count(status, "journaled"));
        Assert.Equal(2, Count(status, "accepted"));
    }

    [Fact]
    public async Task Downloads_CsvInLongFormatAndTheFigureAsSvgWithBothBands()
    {
        await using var h = await DashboardHarness.StartAsync();
        h.AdvanceHours(73 + 24.5); // batch 1, its refit, a day of batch 2 (bands with the parameters' uncertainty)
        string csv = await h.Http.GetStringAsync("/api/reactors/r1/batches/b0002/data.csv");
        var lines = csv.TrimEnd('\n').Split('\n');
        Assert.Equal(BatchCsv.Header, lines[0]);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToArray();
        Assert.All(rows, r => Assert.Equal(8, r.Length));
        Assert.All(rows, r => Assert.Equal("b0002", r[0]));
        var measured = rows.Where(r => r[3] == "measured").ToArray();
        Assert.Equal(8, measured.Length); // GLC and LAC at 6, 12, 18 and 24 h
        Assert.All(measured, r => Assert.Equal(("", "", ""), (r[4], r[6], r[7])));
        var banded = rows.Where(r => r[3] != "measured").ToArray();
        Assert.Contains(banded, r => r[3] == "filtered" && r[4] == "posterior-predictive");
        Assert.Contains(banded, r => r[3] == "forecast" && r[4] == "intrinsic-noise");
        Assert.Contains(banded, r => r[3] == "forecast" && r[4] == "reading");
        Assert.All(banded, r => Assert.True(DashboardHarness.Number(r[6]) <= DashboardHarness.Number(r[5]) && DashboardHarness.Number(r[5]) <= DashboardHarness.Number(r[7]), string.Join(',', r)));
        // The intrinsic-noise band is narrower than the posterior predictive at every forecast time.
        foreach (var t in banded.Where(r => r[3] == "forecast" && r[2] == "GLC").GroupBy(r => r[1]).Skip(1))
        {
            double Width(string band) => t.Where(r => r[4] == band).Select(r => DashboardHarness.Number(r[7]) - DashboardHarness.Number(r[6])).Single();
            Assert.True(Width("intrinsic-noise") < Width("posterior-predictive") && Width("posterior-predictive") < Width("reading"), $"at {t.Key} h");
        }

        using var svgResponse = await h.Http.GetAsync("/api/reactors/r1/batches/b0002/figure.svg");
        Assert.Equal("image/svg+xml", svgResponse.Content.Headers.ContentType!.MediaType);
        var svg = XDocument.Parse(await svgResponse.Content.ReadAsStringAsync());
        XNamespace ns = "http://www.w3.org/2000/svg";
        var texts = svg.Descendants(ns + "text").Select(t => t.Value).ToList();
        Assert.Contains("GLC (mM)", texts);
        Assert.Contains("LAC (mM)", texts);
        Assert.Contains("forecast, 95 % posterior predictive (noise and parameters)", texts);
        Assert.Contains("forecast, 95 % intrinsic noise only", texts);
        Assert.Equal(8, svg.Descendants(ns + "circle").Count(c => c.Attribute("r")?.Value == "2.5"));

        using var missing = await h.Http.GetAsync("/api/reactors/r1/batches/b0042/data.csv");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Accept_ReadOnlyWithoutLogin_WrongCredentialRefused_RightOneAppliesOnceAndIsJournaledWithTheUser()
    {
        await using var h = await DashboardHarness.StartAsync();
        var commands = new List<string>();
        using var watch = h.Bus.Subscribe(Topics.ProposalAccept("r1")).Subscribe(m => commands.Add(m.PayloadAsString()));
        var setpoints = new List<string>();
        using var sent = h.Bus.Subscribe(Topics.BatchSetpoints("r1")).Subscribe(m => setpoints.Add(m.PayloadAsString()));
        h.AdvanceHours(72.5); // batch 1 ends: refit and proposal 1, waiting

        // Everything can be read without a login.
        using (var state = await h.Http.GetAsync("/api/state"))
        {
            Assert.Equal(HttpStatusCode.OK, state.StatusCode);
            var proposal = JsonDocument.Parse(await state.Content.ReadAsStringAsync()).RootElement.GetProperty("reactors")[0].GetProperty("proposal");
            Assert.Equal(1, proposal.GetProperty("id").GetInt32());
            Assert.False(proposal.GetProperty("applied").GetBoolean());
        }

        // No credential, a wrong one, an unknown user: refused, nothing sent.
        await AssertRefused(await h.AcceptAsync(1, null, null), HttpStatusCode.BadRequest, "body");
        await AssertRefused(await h.AcceptAsync(1, "alice", "wrong"), HttpStatusCode.Unauthorized, "wrong user name or password");
        await AssertRefused(await h.AcceptAsync(1, "mallory", DashboardHarness.Password), HttpStatusCode.Unauthorized, "wrong user name or password");
        using (var notJson = await h.Http.PostAsync("/api/reactors/r1/proposal/accept", new StringContent("id=1&user=alice", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        }

        await AssertRefused(await h.AcceptAsync(2, "alice", DashboardHarness.Password), HttpStatusCode.Conflict, "proposal 2 is not the one waiting (1)");
        Assert.Empty(commands);

        // The right credential: the command goes out with who sent it, the twin applies it and says so.
        using (var ok = await h.AcceptAsync(1, "alice", DashboardHarness.Password))
        {
            var body = JsonDocument.Parse(await ok.Content.ReadAsStringAsync()).RootElement;
            Assert.True(ok.StatusCode == HttpStatusCode.OK, body.ToString());
            Assert.Equal("applied", body.GetProperty("outcome").GetString());
            Assert.True(body.GetProperty("proposal").GetProperty("applied").GetBoolean());
        }

        Assert.Equal(["{\"id\":1,\"by\":\"dashboard:alice\"}"], commands);
        Assert.Single(setpoints);

        // Once: a second accept is refused here, before anything is sent.
        await AssertRefused(await h.AcceptAsync(1, "alice", DashboardHarness.Password), HttpStatusCode.Conflict, "was applied already");
        Assert.Single(commands);
        using var journal = new MeasurementJournal(h.Config.JournalPath);
        var audit = Assert.Single(journal.Commands("r1"));
        Assert.Equal("dashboard:alice (via MQTT)", audit.Origin);
        Assert.StartsWith("applied proposal 1", audit.Outcome, StringComparison.Ordinal);

        // The page's counters show the journaled command.
        var counts = JsonDocument.Parse(await h.Http.GetStringAsync("/api/state")).RootElement.GetProperty("reactors")[0].GetProperty("counts");
        Assert.Equal(1, counts.GetProperty("commands").GetInt64());
        Assert.Equal("dashboard:alice (via MQTT)", counts.GetProperty("lastCommand").GetProperty("origin").GetString());
    }

    [Fact]
    public async Task Accept_ProposalOutsideTheSafetyBounds_RefusedBeforeItIsSent()
    {
        await using var h = await DashboardHarness.StartAsync();
        var commands = new List<string>();
        using var watch = h.Bus.Subscribe(Topics.ProposalAccept("r1")).Subscribe(m => commands.Add(m.PayloadAsString()));
        // A proposal that no longer fits the bounds (made before they were narrowed, say), retained on the bus.
        var stale = new ProposalPayload(7, "d-optimal", new Dictionary<string, double> { ["GLC"] = 40 }, null, "log det", Applied: false, []);
        await h.Bus.PublishAsync(new MqttMessage(Topics.Proposal("r1"), ContractCodec.Encode(stale, ContractJson.Default.ProposalPayload), MqttQualityOfService.AtLeastOnce, retain: true));
        await AssertRefused(await h.AcceptAsync(7, "alice", DashboardHarness.Password), (HttpStatusCode)422, "GLC 40 is outside the safety bounds [18, 38]; not sent");
        Assert.Empty(commands);
    }

    [Fact]
    public async Task Accept_NoUserConfigured_Disabled()
    {
        await using var h = await DashboardHarness.StartAsync(users: false);
        h.AdvanceHours(72.5);
        await AssertRefused(await h.AcceptAsync(1, "alice", DashboardHarness.Password), HttpStatusCode.Forbidden, "disabled");
        var host = JsonDocument.Parse(await h.Http.GetStringAsync("/api/state")).RootElement.GetProperty("host");
        Assert.False(host.GetProperty("acceptEnabled").GetBoolean());
    }

    [Fact]
    public async Task Accept_FiveWrongPasswords_TheAddressIsLockedOutEvenForTheRightOne()
    {
        await using var h = await DashboardHarness.StartAsync();
        h.AdvanceHours(72.5);
        for (int i = 0; i < FailureThrottle.MaxFailures; i++)
        {
            await AssertRefused(await h.AcceptAsync(1, "alice", $"guess {i}"), HttpStatusCode.Unauthorized, "wrong");
        }

        await AssertRefused(await h.AcceptAsync(1, "alice", DashboardHarness.Password), HttpStatusCode.TooManyRequests, "too many wrong passwords");
    }

    private static async Task AssertRefused(HttpResponseMessage response, HttpStatusCode status, string message)
    {
        using (response)
        {
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.True(response.StatusCode == status, $"{response.StatusCode}: {body}");
            Assert.Equal("refused", body.GetProperty("outcome").GetString());
            Assert.Contains(message, body.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    /// <summary>The next server-sent event (of <paramref name="name"/>, when given).</summary>
    private static async Task<(string Name, JsonElement Data)> NextEvent(StreamReader reader, string? name = null)
    {
        // Bound: every event awaited here follows from work already done in virtual time (or is the 2 s status tick);
        // 30 s is far beyond what writing it takes on a loaded machine.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await ServerSentEvents.NextAsync(reader, cts.Token, name) ?? throw new InvalidOperationException("the event stream ended");
    }

    [GeneratedRegex("(?:src|href)=\"([^\"]+)\"")]
    private static partial Regex AssetReference();

    [GeneratedRegex("https?://[^\"'\\s)]+")]
    private static partial Regex ExternalAddress();
}
