using System.CommandLine;
using System.Globalization;
using ReactorTwin.Core.Amortized;
using ReactorTwin.Core.Design;
using ReactorTwin.Core.Inference;
using ReactorTwin.Core.Models;

namespace ReactorTwin.Host.Cli;

/// <summary>
/// The <c>reactortwin</c> command line: <c>simulate</c> and <c>models</c> (later issues add <c>loglik</c>,
/// <c>fit</c>, <c>reproduce</c>, <c>run</c>). User errors print one clear message per problem on stderr and exit 2;
/// nothing prints a stack trace.
/// </summary>
public static class CommandLineApp
{
    /// <summary>Exit code for invalid arguments, models or data.</summary>
    public const int UsageError = 2;

    /// <summary>Parses and runs a command line.</summary>
    /// <param name="args">Arguments without the program name.</param>
    /// <param name="stdout">Receives results.</param>
    /// <param name="stderr">Receives errors and progress.</param>
    /// <param name="time">Clock used for timings.</param>
    /// <param name="stdin">Standard input (the demo's clock can read from it); null for <see cref="Console.In"/>.</param>
    /// <returns>Process exit code: 0 on success, 2 on a user error.</returns>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, TimeProvider time, TextReader? stdin = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(time);
        var root = new RootCommand("ReactorTwin: a stochastic digital twin of a lab bioreactor.");
        root.Subcommands.Add(SimulateCommand(stdout, stderr, time));
        root.Subcommands.Add(LoglikCommand(stdout, stderr));
        root.Subcommands.Add(FitCommand(stdout, stderr, time));
        root.Subcommands.Add(ReproduceCommand(stdout, stderr, time));
        root.Subcommands.Add(AmortizeCommand(stdout, stderr, time));
        root.Subcommands.Add(DemoCommand(stdout, stderr, stdin ?? Console.In, time));
        root.Subcommands.Add(DashboardPasswordCommand(stdout, stderr, stdin ?? Console.In));
        root.Subcommands.Add(StudyCommand(stdout, stderr, time));
        root.Subcommands.Add(RunCommandDefinition(stderr));
        root.Subcommands.Add(SimulatorCommand(stdout, stderr, time));
        root.Subcommands.Add(SensorsCommandDefinition(stdout, stderr));
        root.Subcommands.Add(ModelsCommand(stdout));
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var e in parsed.Errors)
            {
                stderr.WriteLine("error: " + e.Message);
            }

            stderr.WriteLine("Run 'reactortwin --help' or 'reactortwin <command> --help' for usage.");
            return UsageError;
        }

        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (CliException ex)
        {
            stderr.WriteLine("error: " + ex.Message);
            return UsageError;
        }
        catch (ModelDefinitionException ex)
        {
            stderr.WriteLine("error: " + ex.Message);
            return UsageError;
        }
        catch (DataException ex)
        {
            stderr.WriteLine("error: " + ex.Message);
            return UsageError;
        }
        catch (ReactorTwin.Runtime.Journal.JournalException ex)
        {
            stderr.WriteLine("error: " + ex.Message);
            return 1;
        }
    }

    private const string DataDescription = "Measurements, CSV: long (batch,time_h,species,value; species names a species, cell phase, observable or input) or wide (time_h or time [min], then one column per channel or input, e.g. GLC [mM]; optional batch column; empty or NA = not measured).";

    private const string NoiseDescription = "Measurement noise per channel (species, cell phase or observable): NAME=SD (absolute, in the channel's unit) or NAME=P% (relative), e.g. GLC=0.5,mAb=5%; replaces an observable's noise from the model file. Required (lna, ode) for every channel the data measure after t = 0 that has no noise in the model.";

    private const string OmegaDescription = "System size Ω overriding the model's (finite, > 0; the LNA's intrinsic noise covariance ∝ 1/Ω).";

    private static Command SimulateCommand(TextWriter stdout, TextWriter stderr, TimeProvider time)
    {
        var model = new Option<string>("--model") { Description = "Built-in model (cho, michaelis-menten, ecoli-fedbatch) or a model JSON file.", Required = true };
        var method = new Option<SimulationMethod>("--method") { Description = "ode (mean ODE), cle (chemical Langevin), ssa (Gillespie).", DefaultValueFactory = _ => SimulationMethod.Ode };
        var set = new Option<string[]>("--set") { Description = "Initial values or parameters, NAME=VALUE[,NAME=VALUE...]; repeatable (e.g. --set GLC=28).", AllowMultipleArgumentsPerToken = true };
        var input = new Option<string[]>("--input") { Description = "Model inputs, NAME=VALUE (from t = 0) or NAME=VALUE@HOURS (from then on); repeatable (e.g. --input F=0@0,F=0.0087@10 for a feed in L/h from 10 h).", AllowMultipleArgumentsPerToken = true };
        var hours = new Option<double>("--hours") { Description = "Horizon in hours.", DefaultValueFactory = _ => 72.0 };
        var interval = new Option<double>("--interval") { Description = "Output spacing in hours.", DefaultValueFactory = _ => 12.0 };
        var replicates = new Option<int>("--replicates") { Description = "Number of stochastic paths.", DefaultValueFactory = _ => 1 };
        var seed = new Option<int>("--seed") { Description = "Master random seed (repeatable runs).", DefaultValueFactory = _ => 1 };
        var output = new Option<string?>("--out") { Description = "CSV file to write (replicate,time_h,species,value)." };
        var omega = new Option<double?>("--omega") { Description = "System size Ω overriding the model's (noise variance ∝ 1/Ω)." };
        var dt = new Option<double?>("--dt") { Description = "CLE Euler-Maruyama step in hours (default interval/1000)." };
        var cmd = new Command("simulate", "Simulate a model and write a long-format CSV with a summary.")
        {
            model, method, set, input, hours, interval, replicates, seed, output, omega, dt,
        };
        cmd.SetAction(p => SimulateRunner.Run(
            new SimulateSettings(
                p.GetValue(model)!,
                p.GetValue(method),
                p.GetValue(set) ?? [],
                p.GetValue(input) ?? [],
                p.GetValue(hours),
                p.GetValue(interval),
                p.GetValue(replicates),
                p.GetValue(seed),
                p.GetValue(output),
                p.GetValue(omega),
                p.GetValue(dt)),
            stdout,
            stderr,
            time));
        return cmd;
    }

    private static Option<string[]> PerBatchOption() => new("--per-batch")
    {
        Description = "Parameters that take their own value in each batch (condition-specific, e.g. the inoculum X0), NAME[,...], besides those the model marks \"perBatch\": true; each batch's copy is NAME@BATCH (set one with --params NAME@BATCH=VALUE).",
        AllowMultipleArgumentsPerToken = true,
    };

    private static Command LoglikCommand(TextWriter stdout, TextWriter stderr)
    {
        var model = new Option<string>("--model") { Description = "Built-in model (cho, michaelis-menten, ecoli-fedbatch) or a model JSON file." };
        var data = new Option<string>("--data") { Description = DataDescription };
        var kind = new Option<LikelihoodKind>("--likelihood") { Description = "em (Euler-Maruyama, complete trajectories), lna (Kalman-LNA, partial noisy data) or ode (mean ODE plus measurement noise: the lna likelihood without intrinsic noise, for large system sizes).", DefaultValueFactory = _ => LikelihoodKind.Lna };
        var parameters = new Option<string[]>("--params") { Description = "Parameter values NAME=VALUE[,...] (natural scale); others are the model's.", AllowMultipleArgumentsPerToken = true };
        var noise = new Option<string[]>("--noise") { Description = NoiseDescription, AllowMultipleArgumentsPerToken = true };
        var euler = new Option<double?>("--euler-step") { Description = "Use the seed's fixed-step Euler LNA (eq. 15-16) with this step in hours instead of the adaptive integrator." };
        var omega = new Option<double?>("--omega") { Description = OmegaDescription };
        var rtol = new Option<double?>("--rtol") { Description = ToleranceOption.Description };
        var perBatch = PerBatchOption();
        var petab = PetabCommand.Option();
        var cmd = new Command("loglik", "Log-likelihood of data and its exact gradient (natural scale) for the estimated parameters, as JSON.")
        {
            model, data, kind, parameters, noise, euler, omega, rtol, perBatch, petab,
        };
        PetabCommand.Validate(cmd, petab, [model, data], [model, data, noise, omega, perBatch]);
        PetabCommand.RefuseTolerance(cmd, petab, rtol);
        cmd.SetAction(p => p.GetValue(petab) is { } problem ? PetabCommand.Loglik(problem, p.GetValue(parameters) ?? [], stdout) : LoglikRunner.Run(
            new LoglikSettings(p.GetValue(model)!, p.GetValue(data)!, p.GetValue(kind), p.GetValue(parameters) ?? [], p.GetValue(noise) ?? [], p.GetValue(euler)) { SystemSize = p.GetValue(omega), PerBatch = p.GetValue(perBatch) ?? [], RelativeTolerance = p.GetValue(rtol) },
            stdout,
            stderr));
        return cmd;
    }

    private static Command FitCommand(TextWriter stdout, TextWriter stderr, TimeProvider time)
    {
        var model = new Option<string>("--model") { Description = "Built-in model (cho, michaelis-menten, ecoli-fedbatch) or a model JSON file." };
        var data = new Option<string>("--data") { Description = DataDescription };
        var method = new Option<FitMethod>("--method") { Description = "mle (multi-start BFGS-B, Wald intervals), bootstrap (parametric bootstrap), mala or ula (Langevin posterior sampling, 4 chains), nuts (No-U-Turn Hamiltonian Monte Carlo, 4 chains).", DefaultValueFactory = _ => FitMethod.Mle };
        var kind = new Option<LikelihoodKind>("--likelihood") { Description = "em, lna or ode (as for loglik).", DefaultValueFactory = _ => LikelihoodKind.Lna };
        var parameters = new Option<string[]>("--params") { Description = "Start / fixed parameter values NAME=VALUE[,...].", AllowMultipleArgumentsPerToken = true };
        var noise = new Option<string[]>("--noise") { Description = NoiseDescription, AllowMultipleArgumentsPerToken = true };
        var omega = new Option<double?>("--omega") { Description = OmegaDescription };
        var rtol = new Option<double?>("--rtol") { Description = ToleranceOption.Description };
        var starts = new Option<int>("--starts") { Description = "L-BFGS starts (the first at --params, the others uniform within the bounds on log scale).", DefaultValueFactory = _ => 8 };
        var samples = new Option<int>("--samples") { Description = "Bootstrap replicates, or Langevin draws per chain.", DefaultValueFactory = _ => 100 };
        var seed = new Option<int>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "Result JSON file (optional with --petab)." };
        var optimizer = new Option<FitOptimizer>("--optimizer") { Description = "bfgs (box-constrained quasi-Newton, any likelihood) or lm (box-constrained Levenberg–Marquardt on the weighted residuals; --likelihood ode with fixed measurement SDs). The maximum-likelihood step, also the samplers' start.", DefaultValueFactory = _ => FitOptimizer.Bfgs };
        var perBatch = PerBatchOption();
        var petab = PetabCommand.Option();
        var init = new Option<string?>("--init") { Description = "amortized:NET.rtnet: start from the estimate of a network trained by 'reactortwin amortize' (one batch; replaces --params for the parameters it estimates)." };
        var cmd = new Command("fit", "Estimate the model's estimated parameters from data; writes estimate, intervals, diagnostics and timings as JSON.")
        {
            model, data, method, kind, parameters, noise, starts, samples, seed, output, omega, rtol, optimizer, perBatch, petab, init,
        };
        PetabCommand.Validate(cmd, petab, [model, data, output], [model, data, noise, omega, perBatch]);
        PetabCommand.RefuseTolerance(cmd, petab, rtol);
        cmd.Validators.Add(r =>
        {
            if (r.GetValue(petab) is not null && r.GetValue(optimizer) == FitOptimizer.Lm)
            {
                r.AddError("--optimizer lm is not available with --petab (its fit uses BFGS-B)");
            }
        });
        cmd.SetAction(p => p.GetValue(petab) is { } problem ? PetabCommand.Fit(problem, p.GetValue(method), p.GetValue(parameters) ?? [], p.GetValue(starts), p.GetValue(seed), p.GetValue(output), stdout, stderr, time) : FitRunner.Run(
            new FitSettings(p.GetValue(model)!, p.GetValue(data)!, p.GetValue(method), p.GetValue(kind), p.GetValue(parameters) ?? [], p.GetValue(noise) ?? [], p.GetValue(starts), p.GetValue(samples), p.GetValue(seed), p.GetValue(output)!) { SystemSize = p.GetValue(omega), Optimizer = p.GetValue(optimizer), PerBatch = p.GetValue(perBatch) ?? [], Init = p.GetValue(init), RelativeTolerance = p.GetValue(rtol) },
            stdout,
            stderr,
            time));
        return cmd;
    }

    private static Command ReproduceCommand(TextWriter stdout, TextWriter stderr, TimeProvider time)
    {
        var study = new Argument<string>("study") { Description = "The study to reproduce: seed001 (Bio-SoS calibration of the CHO twin) or seed002 (amortized inference, Table 1: --problem mmk or ecoli)." };
        var problem = new Option<string>("--problem") { Description = "seed002: the table's column, mmk (Michaelis–Menten, 14 readings over 2 h) or ecoli (Anane et al.'s E. coli, 30 readings over 6 h).", DefaultValueFactory = _ => "mmk" };
        var trainingSizes = new Option<string>("--samples") { Description = "seed002: training-set sizes, comma separated (the last is the table's).", DefaultValueFactory = _ => "4000,16000,64000" };
        var bfgsIterations = new Option<int>("--bfgs-iterations") { Description = "seed002: iteration limit of every BFGS fit (the seed's: 1024).", DefaultValueFactory = _ => AmortizedComparison.Seed002MaxIterations };
        var testSets = new Option<int>("--test-sets") { Description = "seed002: simulated test experiments.", DefaultValueFactory = _ => 1024 };
        var epochs = new Option<int>("--epochs") { Description = "seed002: training epochs per network.", DefaultValueFactory = _ => 40 };
        var replications = new Option<int>("--replications") { Description = "Macro-replications.", DefaultValueFactory = _ => 15 };
        var iterations = new Option<int>("--iterations") { Description = "Designed experiments K per replication.", DefaultValueFactory = _ => 200 };
        var seed = new Option<int>("--seed") { Description = "Master seed; replication r uses seed + r for every policy.", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "Output directory.", Required = true };
        var policies = new Option<string[]>("--policies") { Description = "Policies, comma separated: gradient, random, gp-ei, d-optimal.", AllowMultipleArgumentsPerToken = true };
        var estimator = new Option<TwinEstimator>("--estimator") { Description = "Twin update: Adam (one step per batch, the seed) or FullBatchMle.", DefaultValueFactory = _ => TwinEstimator.Adam };
        var timings = new Option<bool>("--timings") { Description = "Also time one replication per policy at 50/100/200/400 iterations (Table 2)." };
        var threads = new Option<int>("--threads") { Description = "Worker threads (0 = one per core).", DefaultValueFactory = _ => 0 };
        var lambdaScale = new Option<double>("--learning-rate-scale") { Description = "Multiply the seed's Adam learning rates λ by this factor (sensitivity study; 1 = the seed).", DefaultValueFactory = _ => 1.0 };
        var cmd = new Command("reproduce", "Reproduce a published study; writes CSVs, SVG figures and a summary table.")
        {
            study, replications, iterations, seed, output, policies, estimator, timings, threads, lambdaScale, trainingSizes, testSets, epochs, problem, bfgsIterations,
        };
        cmd.SetAction(p =>
        {
            if (p.GetValue(study) == "seed002")
            {
                var sizes = p.GetValue(trainingSizes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(v => int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) ? n : throw new CliException($"--samples: '{v}' is not a whole number")).ToArray();
                return Seed002Runner.Run(new Seed002Settings(sizes, p.GetValue(testSets), p.GetValue(epochs), p.GetValue(seed), p.GetValue(threads), p.GetValue(output)!, Seed002Problem.Parse(p.GetValue(problem)!), p.GetValue(bfgsIterations)), stdout, stderr, time);
            }

            if (p.GetValue(study) != "seed001")
            {
                throw new CliException($"unknown study '{p.GetValue(study)}'; known: seed001, seed002");
            }

            var names = (p.GetValue(policies) ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
            return ReproduceRunner.Run(
                new ReproduceSettings(p.GetValue(replications), p.GetValue(iterations), p.GetValue(seed), p.GetValue(output)!, names.Length > 0 ? names : ["gradient", "random", "gp-ei"], p.GetValue(estimator), p.GetValue(timings), p.GetValue(threads), p.GetValue(lambdaScale)),
                stdout,
                stderr,
                time);
        });
        return cmd;
    }

    private static Command AmortizeCommand(TextWriter stdout, TextWriter stderr, TimeProvider time)
    {
        var model = new Option<string>("--model") { Description = "Built-in model (e.g. mmk) or a model JSON file; the priors of its estimated parameters are the training distribution.", Required = true };
        var observations = new Option<string[]>("--observations") { Description = "Measured states and their noise sd, NAME=SD[,...] (e.g. S=0.1,P=0.1); each reading measures one of them, drawn at random.", Required = true, AllowMultipleArgumentsPerToken = true };
        var readings = new Option<int>("--readings") { Description = "Readings per experiment, at random times.", DefaultValueFactory = _ => 14 };
        var hours = new Option<double>("--hours") { Description = "Experiment length in hours.", DefaultValueFactory = _ => 2.0 };
        var samples = new Option<int>("--samples") { Description = "Simulated experiments (a tenth is held out for the loss curve).", DefaultValueFactory = _ => 20000 };
        var hidden = new Option<int>("--hidden") { Description = "Width of the network's hidden layers.", DefaultValueFactory = _ => 32 };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs.", DefaultValueFactory = _ => 60 };
        var batch = new Option<int>("--batch") { Description = "Experiments per Adam step.", DefaultValueFactory = _ => 32 };
        var rate = new Option<double>("--learning-rate") { Description = "Adam's initial step size (decays to 5 % at the last epoch).", DefaultValueFactory = _ => 3e-3 };
        var seed = new Option<int>("--seed") { Description = "Seed of the simulations and of training.", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "Simulation threads (0 = one per core; training uses one).", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--out") { Description = "Weight file to write (.rtnet); the loss curve goes beside it.", Required = true };
        var cmd = new Command("amortize", "Train an amortized inference network (seed 002's Deep Set) on experiments simulated from the model's priors.")
        {
            model, observations, readings, hours, samples, hidden, epochs, batch, rate, seed, threads, output,
        };
        cmd.SetAction(p => AmortizeRunner.Run(
            new AmortizeSettings(p.GetValue(model)!, p.GetValue(observations) ?? [], p.GetValue(readings), p.GetValue(hours), p.GetValue(samples), p.GetValue(hidden), p.GetValue(epochs), p.GetValue(batch), p.GetValue(rate), p.GetValue(seed), p.GetValue(threads), p.GetValue(output)!),
            stdout,
            stderr,
            time));
        return cmd;
    }

    private static Command DemoCommand(TextWriter stdout, TextWriter stderr, TextReader stdin, TimeProvider time)
    {
        var batches = new Option<int>("--batches") { Description = "Batches of 72 h to run.", DefaultValueFactory = _ => 3 };
        var seed = new Option<int>("--seed") { Description = "Seed of the plant, sensors and policy.", DefaultValueFactory = _ => 1 };
        var faults = new Option<bool>("--faults") { Description = "Inject sensor faults: dropouts, duplicates, out-of-order and garbage messages (3 % each)." };
        var output = new Option<string>("--out") { Description = "Report directory.", DefaultValueFactory = _ => "out/demo" };
        var journal = new Option<string?>("--journal") { Description = "SQLite journal file (default OUT/journal.db)." };
        var serve = new Option<string?>("--serve") { Description = "Serve the live dashboard while the demo runs, on PORT (every network interface, default 8080) or ADDRESS:PORT; proposals then wait for someone to accept them on the page.", Arity = ArgumentArity.ZeroOrOne };
        var password = new Option<string?>("--password") { Description = "With --serve: the password of the dashboard user 'demo' (default: one made up and printed)." };
        var pace = new Option<string>("--pace") { Description = "With --serve: culture hours per real second, or 'stdin' to advance by the hours read from standard input (one number per line).", DefaultValueFactory = _ => "1" };
        var cmd = new Command("demo", "Run the simulated CHO reactor and the twin runtime in one process, in virtual time, and write a report.")
        {
            batches, seed, faults, output, journal, serve, password, pace,
        };
        cmd.SetAction((p, ct) =>
        {
            string? port = p.GetResult(serve) is null ? null : p.GetValue(serve) ?? "8080";
            return DemoRunner.RunAsync(new DemoSettings(p.GetValue(batches), p.GetValue(seed), p.GetValue(faults), p.GetValue(output)!, p.GetValue(journal), port, p.GetValue(password), p.GetValue(pace)!), stdout, stderr, stdin, time, ct);
        });
        return cmd;
    }

    private static Command DashboardPasswordCommand(TextWriter stdout, TextWriter stderr, TextReader stdin)
    {
        var user = new Option<string>("--user") { Description = "The user name (letters, digits, '-', '_', '.').", Required = true };
        var cmd = new Command("dashboard-password", "Read a password from standard input and print the dashboard user entry (name and password hash) for appsettings.json.") { user };
        cmd.SetAction(p => DashboardPasswordCommandRunner.Run(p.GetValue(user)!, stdin, stdout, stderr));
        return cmd;
    }

    private static Command StudyCommand(TextWriter stdout, TextWriter stderr, TimeProvider time)
    {
        var seeds = new Option<int>("--seeds") { Description = "Cultures to run (seeds FIRST, FIRST+1, …).", DefaultValueFactory = _ => 20 };
        var first = new Option<int>("--first-seed") { Description = "Seed of the first culture.", DefaultValueFactory = _ => 1 };
        var batches = new Option<int>("--batches") { Description = "Batches of 72 h per culture.", DefaultValueFactory = _ => 3 };
        var threads = new Option<int>("--threads") { Description = "Cultures run at once (default: the processor count).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var output = new Option<string>("--out") { Description = "Report directory.", DefaultValueFactory = _ => "out/forecast" };
        var forecast = new Command("forecast", "Score the twin's end-of-batch forecasts on the demo's culture over many seeds: coverage of both 95 % bands and median error per horizon, as CSV and SVG.")
        {
            seeds, first, batches, threads, output,
        };
        forecast.SetAction(p => ForecastStudy.Run(new ForecastStudySettings(p.GetValue(seeds), p.GetValue(batches), p.GetValue(first), p.GetValue(output)!, p.GetValue(threads)), stdout, stderr, time));
        return new Command("study", "Studies of the twin's accuracy on simulated cultures.") { forecast };
    }

    private static Command RunCommandDefinition(TextWriter stderr)
    {
        var config = new Option<string>("--config") { Description = "appsettings JSON with a ReactorTwin section (see deploy/raspberrypi/appsettings.json).", DefaultValueFactory = _ => "appsettings.json" };
        var cmd = new Command("run", "Run the edge runtime: the twins of the configured reactors on an MQTT broker, until SIGTERM/SIGINT.") { config };
        cmd.TreatUnmatchedTokensAsErrors = false;
        cmd.SetAction(p => RunCommand.Run(p.GetValue(config)!, [.. p.UnmatchedTokens], stderr));
        return cmd;
    }

    private static Command SensorsCommandDefinition(TextWriter stdout, TextWriter stderr)
    {
        var config = new Option<string>("--config") { Description = "appsettings JSON with a ReactorTwin section (the one `run` uses).", DefaultValueFactory = _ => "appsettings.json" };
        var cmd = new Command("sensors", "Open every attached sensor of the configured reactors and read each once: a wiring check.") { config };
        cmd.TreatUnmatchedTokensAsErrors = false;
        cmd.SetAction(p => SensorsCommand.Run(p.GetValue(config)!, [.. p.UnmatchedTokens], stdout, stderr));
        return cmd;
    }

    private static Command SimulatorCommand(TextWriter stdout, TextWriter stderr, TimeProvider time)
    {
        var model = new Option<string>("--model") { Description = "Built-in model or JSON file.", DefaultValueFactory = _ => "cho" };
        var broker = new Option<string>("--broker") { Description = "MQTT broker HOST:PORT.", DefaultValueFactory = _ => "127.0.0.1:1883" };
        var reactor = new Option<string>("--reactor") { Description = "Reactor id.", DefaultValueFactory = _ => "r1" };
        var speed = new Option<double>("--speed") { Description = "Culture seconds per real second.", DefaultValueFactory = _ => 3600.0 };
        var batches = new Option<int>("--batches") { Description = "Batches to run (0 = until stopped).", DefaultValueFactory = _ => 0 };
        var faults = new Option<bool>("--faults") { Description = "Inject sensor faults: dropouts, stuck values, duplicates, out-of-order and garbage messages (3 % each)." };
        var seed = new Option<int>("--seed") { Description = "Seed.", DefaultValueFactory = _ => 1 };
        var parameters = new Option<string[]>("--params") { Description = "True parameter values of the plant, NAME=VALUE[,...] (natural scale); others are the model's.", AllowMultipleArgumentsPerToken = true };
        var method = new Option<Simulator.Plant.PlantMethod>("--method") { Description = "Plant dynamics: cle (chemical Langevin) or ssa (exact Gillespie at the model's system size).", DefaultValueFactory = _ => Simulator.Plant.PlantMethod.Cle };
        var queue = new Option<string?>("--queue") { Description = "Directory of a durable outgoing queue: readings survive a broker outage and a restart of the simulator." };
        var user = new Option<string?>("--user") { Description = "MQTT user (the shipped broker has 'instruments')." };
        var password = new Option<string?>("--password") { Description = "MQTT password." };
        var bounds = new Option<string[]>("--bounds") { Description = "The actuator's safety bounds, NAME=MIN:MAX[,...]: setpoints outside are refused and reported.", AllowMultipleArgumentsPerToken = true };
        var record = new Option<string?>("--record") { Description = "CSV file recording every reading produced (batch,component,ts,value)." };
        var drain = new Option<double>("--drain-seconds") { Description = "After the last batch, how long to wait for queued readings to reach the broker.", DefaultValueFactory = _ => 60.0 };
        var cmd = new Command("simulator", "Run the simulated reactor on an MQTT broker: sensor readings, batch announcements, setpoint commands.")
        {
            model, broker, reactor, speed, batches, faults, seed, parameters, method, queue, user, password, bounds, record, drain,
        };
        cmd.SetAction((p, ct) => SimulatorRunner.RunAsync(
            new SimulatorSettings(p.GetValue(model)!, p.GetValue(broker)!, p.GetValue(reactor)!, p.GetValue(speed), p.GetValue(batches), p.GetValue(faults), p.GetValue(seed), p.GetValue(parameters) ?? [], p.GetValue(method),
                p.GetValue(queue), p.GetValue(user), p.GetValue(password), p.GetValue(bounds) ?? [], p.GetValue(record), p.GetValue(drain)),
            stdout, stderr, time, ct));
        return cmd;
    }

    private static Command ModelsCommand(TextWriter stdout)
    {
        var cmd = new Command("models", "List the built-in models.");
        cmd.SetAction(_ =>
        {
            foreach (string name in BuiltInModels.Names)
            {
                var m = BuiltInModels.Load(name);
                stdout.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{name,-18} species: {string.Join(" ", m.Species.Select(s => s.Name))}; cell phases: {(m.CellPhases.Count == 0 ? "none" : string.Join(" ", m.CellPhases.Select(c => c.Name)))}; {m.Parameters.Count} parameters; {m.Reactions.Count} reactions; Ω = {m.SystemSize:G6}"));
            }

            return 0;
        });
        return cmd;
    }
}
