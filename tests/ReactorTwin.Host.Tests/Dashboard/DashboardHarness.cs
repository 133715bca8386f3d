using System.Globalization;
using System.Net.Http.Json;
using System.Reactive.Concurrency;
using ReactorTwin.Adapters.Messaging;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Core.Models;
using ReactorTwin.Host.Cli;
using ReactorTwin.Host.Dashboard;
using ReactorTwin.Host.Runtime;
using ReactorTwin.Simulator.Plant;

namespace ReactorTwin.Host.Tests.Dashboard;

/// <summary>A simulated reactor and the runtime with its dashboard, served by Kestrel on 127.0.0.1 (a port the system
/// chooses), in virtual time: the test advances the plant and talks HTTP to the real server.</summary>
internal sealed class DashboardHarness : IAsyncDisposable
{
    public const string Password = "correct horse";
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("reactortwin-dash-").FullName;
    private readonly SimulatedReactor _plant;
    private DemoServer? _server;

    private DashboardHarness(bool users, double safetyMax)
    {
        var model = BuiltInModels.Load("cho");
        Scheduler = new HistoricalScheduler(Start);
        static SensorChannelOptions Ch(string c) => new() { Component = c, IntervalHours = 6, NoiseSd = 0.2 };
        _plant = new SimulatedReactor(new ReactorOptions { ReactorId = "r1", Model = model, Channels = [Ch("GLC"), Ch("LAC")], Seed = 5, Batches = 3, StepHours = 0.02, InitialSetpoints = new Dictionary<string, double> { ["GLC"] = 28 } }, Bus, Scheduler);
        Config = new RuntimeOptions
        {
            JournalPath = Path.Combine(_dir, "journal.db"),
            Reactors =
            [
                new ReactorConfig
                {
                    Id = "r1",
                    Channels = [new ChannelConfig { Component = "GLC", NoiseSd = 0.2, Min = -2, Max = 100 }, new ChannelConfig { Component = "LAC", NoiseSd = 0.2, Min = -2, Max = 100 }],
                    Design = new Dictionary<string, double[]> { ["GLC"] = [18, 38] },
                    SafetyBounds = new Dictionary<string, double[]> { ["GLC"] = [18, safetyMax] },
                    AutoApply = false,
                },
            ],
            Dashboard = new DashboardOptions
            {
                Urls = "http://127.0.0.1:0",
                Users = users ? [new DashboardUser { Name = "alice", PasswordHash = PasswordHash.Create(Password, PasswordHash.MinimumIterations) }] : [],
            },
        };
    }

    public InMemoryMessageBus Bus { get; } = new();

    public HistoricalScheduler Scheduler { get; }

    public RuntimeOptions Config { get; }

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    public TwinHostedService Runtime => _server!.Runtime;

    public Uri BaseAddress => Http.BaseAddress!;

    /// <summary>Starts the server and the plant. <paramref name="users"/>: whether alice may accept;
    /// <paramref name="safetyMax"/>: the upper safety bound of GLC the dashboard and twin check.</summary>
    public static async Task<DashboardHarness> StartAsync(bool users = true, double safetyMax = 38)
    {
        var h = new DashboardHarness(users, safetyMax);
        h._server = await DemoServer.StartAsync(h.Config, h.Bus, m => h.Bus.PublishAsync(m), TimeProvider.System, TextWriter.Null);
        h.Http.BaseAddress = new Uri(h._server.Printable().First());
        h._plant.Start();
        return h;
    }

    public void AdvanceHours(double hours) => Scheduler.AdvanceBy(TimeSpan.FromHours(hours));

    public Task<HttpResponseMessage> AcceptAsync(int id, string? user, string? password) =>
        Http.PostAsJsonAsync("/api/reactors/r1/proposal/accept", new { id, user, password });

    public static double Number(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        _plant.Dispose();
        if (_server is not null)
        {
            await _server.StopAsync();
            await _server.DisposeAsync();
        }

        Http.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
