namespace ReactorTwin.Adapters.Devices.AtlasEzo;

/// <summary>The first byte of every EZO I2C response (Atlas Scientific EZO datasheets, "I2C mode").</summary>
public enum AtlasEzoStatus : byte
{
    /// <summary>The command succeeded; ASCII data follows, NUL-terminated.</summary>
    Success = 1,

    /// <summary>The circuit did not understand the command.</summary>
    SyntaxError = 2,

    /// <summary>The command is still being processed: read again later.</summary>
    StillProcessing = 254,

    /// <summary>There is no pending response (nothing was asked, or it was already read).</summary>
    NoData = 255,
}

/// <summary>Kinds of EZO circuit this library drives.</summary>
public enum AtlasEzoCircuit
{
    /// <summary>EZO-pH (default address 0x63).</summary>
    Ph,

    /// <summary>EZO-DO dissolved oxygen (default address 0x61).</summary>
    DissolvedOxygen,

    /// <summary>EZO-ORP oxidation–reduction potential (default address 0x62).</summary>
    Orp,
}

/// <summary>An EZO circuit answered a command with an error status, or with text the driver cannot parse.</summary>
public sealed class AtlasEzoException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AtlasEzoException(int address, string command, AtlasEzoStatus? status, string message)
        : base($"EZO 0x{address:x2} command '{command}': {message}")
    {
        Address = address;
        Command = command;
        Status = status;
    }

    /// <summary>I2C address of the circuit.</summary>
    public int Address { get; }

    /// <summary>The command sent.</summary>
    public string Command { get; }

    /// <summary>The status byte received, if any.</summary>
    public AtlasEzoStatus? Status { get; }
}

/// <summary>
/// Processing times and retry policy of an EZO circuit. The defaults are the datasheet processing times; a response
/// read before the time elapses returns <see cref="AtlasEzoStatus.StillProcessing"/>, which the driver retries.
/// </summary>
public sealed class AtlasEzoSettings
{
    /// <summary>Wait after <c>R</c> and <c>RT</c>; pH 900 ms, DO 600 ms, ORP 900 ms.</summary>
    public required TimeSpan ReadingTime { get; init; }

    /// <summary>Wait after a calibration point (<c>Cal,…</c>); pH 900 ms, DO 1300 ms, ORP 900 ms.</summary>
    public required TimeSpan CalibrationTime { get; init; }

    /// <summary>Wait after every other command (<c>T</c>, <c>Cal,?</c>, <c>Cal,clear</c>, <c>i</c>); 300 ms.</summary>
    public TimeSpan CommandTime { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Wait between reads that return <see cref="AtlasEzoStatus.StillProcessing"/>; default 100 ms.</summary>
    public TimeSpan StillProcessingRetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Extra reads allowed after <see cref="AtlasEzoStatus.StillProcessing"/>; default 5.</summary>
    public int StillProcessingRetries { get; init; } = 5;

    /// <summary>Bytes read for a response, status byte included; default 41 (the longest EZO answer plus status).</summary>
    public int ResponseLength { get; init; } = 41;

    /// <summary>Datasheet defaults for <paramref name="circuit"/>.</summary>
    public static AtlasEzoSettings For(AtlasEzoCircuit circuit) => circuit switch
    {
        AtlasEzoCircuit.Ph => new AtlasEzoSettings { ReadingTime = TimeSpan.FromMilliseconds(900), CalibrationTime = TimeSpan.FromMilliseconds(900) },
        AtlasEzoCircuit.DissolvedOxygen => new AtlasEzoSettings { ReadingTime = TimeSpan.FromMilliseconds(600), CalibrationTime = TimeSpan.FromMilliseconds(1300) },
        AtlasEzoCircuit.Orp => new AtlasEzoSettings { ReadingTime = TimeSpan.FromMilliseconds(900), CalibrationTime = TimeSpan.FromMilliseconds(900) },
        _ => throw new ArgumentOutOfRangeException(nameof(circuit), circuit, null),
    };

    /// <summary>The default I2C address of <paramref name="circuit"/>.</summary>
    public static int DefaultAddress(AtlasEzoCircuit circuit) => circuit switch
    {
        AtlasEzoCircuit.Ph => 0x63,
        AtlasEzoCircuit.DissolvedOxygen => 0x61,
        AtlasEzoCircuit.Orp => 0x62,
        _ => throw new ArgumentOutOfRangeException(nameof(circuit), circuit, null),
    };
}
