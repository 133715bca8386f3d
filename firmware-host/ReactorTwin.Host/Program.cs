using ReactorTwin.Host.Cli;

return CommandLineApp.Run(args, Console.Out, Console.Error, TimeProvider.System);
