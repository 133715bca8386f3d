using System.Globalization;
using System.Text;
using ReactorTwin.Adapters.Devices.AtlasEzo;
using System.Device.I2c;
using ReactorTwin.Adapters.Devices;

namespace ReactorTwin.Simulator.Devices;

/// <summary>
/// A simulated Atlas Scientific EZO circuit (pH, DO or ORP) as an I2C state machine: a written ASCII command is
/// processed for its datasheet time, during which reads return 254 (still processing); afterwards one read returns
/// status 1 and the ASCII answer (or 2 for a syntax error), and later reads return 255 (no data). The measured value
/// comes from a signal of time, distorted by a probe error (<see cref="ProbeGain"/>, <see cref="ProbeOffset"/>) that
/// the calibration commands correct, and, for pH, by a Nernst-slope error when the compensation temperature differs
/// from the liquid temperature.
/// </summary>
public sealed class SimulatedAtlasEzo : I2cDevice
{
    private readonly HardwareClock _clock;
    private readonly Func<DateTimeOffset, double> _signal;
    private readonly List<(double Raw, double Reference)> _calibration = [];
    private readonly object _gate = new();
    private Pending? _pending;

    /// <summary>Creates the circuit.</summary>
    /// <param name="circuit">pH, DO or ORP.</param>
    /// <param name="clock">Time source shared with the driver.</param>
    /// <param name="signal">True value over time: pH, mg/L or mV.</param>
    /// <param name="address">I2C address; default the circuit's factory address.</param>
    public SimulatedAtlasEzo(AtlasEzoCircuit circuit, HardwareClock clock, Func<DateTimeOffset, double> signal, int? address = null)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(signal);
        Circuit = circuit;
        _clock = clock;
        _signal = signal;
        ConnectionSettings = new I2cConnectionSettings(1, address ?? AtlasEzoSettings.DefaultAddress(circuit));
        var times = AtlasEzoSettings.For(circuit);
        ReadingTime = times.ReadingTime;
        CalibrationTime = times.CalibrationTime;
        CommandTime = times.CommandTime;
    }

    /// <summary>The kind of circuit.</summary>
    public AtlasEzoCircuit Circuit { get; }

    /// <inheritdoc/>
    public override I2cConnectionSettings ConnectionSettings { get; }

    /// <summary>Processing time of R / RT.</summary>
    public TimeSpan ReadingTime { get; set; }

    /// <summary>Processing time of a calibration point.</summary>
    public TimeSpan CalibrationTime { get; set; }

    /// <summary>Processing time of other commands.</summary>
    public TimeSpan CommandTime { get; set; }

    /// <summary>Uncalibrated probe gain (raw = offset + gain × true); default 1.</summary>
    public double ProbeGain { get; set; } = 1.0;

    /// <summary>Uncalibrated probe offset; default 0.</summary>
    public double ProbeOffset { get; set; }

    /// <summary>Actual liquid temperature, °C, for the pH Nernst slope; default 25 °C.</summary>
    public Func<DateTimeOffset, double> LiquidTemperatureCelsius { get; set; } = static _ => 25.0;

    /// <summary>The circuit's compensation temperature (set by T / RT); default 25 °C.</summary>
    public double CompensationCelsius { get; private set; } = 25.0;

    /// <summary>Stored calibration points.</summary>
    public int CalibrationPointCount
    {
        get
        {
            lock (_gate)
            {
                return _calibration.Count;
            }
        }
    }

    /// <summary>When true every transfer fails with an <see cref="IOException"/>, as when the circuit is absent or asleep.</summary>
    public bool NotAcknowledging { get; set; }

    /// <summary>Commands received, in order (for tests).</summary>
    public List<string> CommandLog { get; } = [];

    /// <summary>
    /// Dissolved-oxygen saturation of fresh water at 1 atm, mg/L (Benson and Krause 1984, as in Standard Methods
    /// 4500-O): ln C = −139.34411 + 1.575701e5/T − 6.642308e7/T² + 1.243800e10/T³ − 8.621949e11/T⁴, T in K, 0–40 °C.
    /// </summary>
    public static double OxygenSaturationMilligramsPerLitre(double celsius)
    {
        double t = celsius + 273.15;
        return Math.Exp(-139.34411 + (1.575701e5 / t) - (6.642308e7 / (t * t)) + (1.243800e10 / (t * t * t)) - (8.621949e11 / (t * t * t * t)));
    }

    /// <inheritdoc/>
    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Write(writeBuffer);
        Read(readBuffer);
    }

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        CheckAck();
        string command = Encoding.ASCII.GetString(buffer).TrimEnd('\0');
        lock (_gate)
        {
            CommandLog.Add(command);
            _pending = Process(command, _clock.GetUtcNow());
        }
    }

    /// <inheritdoc/>
    public override void Read(Span<byte> buffer)
    {
        CheckAck();
        buffer.Clear();
        if (buffer.IsEmpty)
        {
            return;
        }

        lock (_gate)
        {
            var now = _clock.GetUtcNow();
            if (_pending is null)
            {
                buffer[0] = (byte)AtlasEzoStatus.NoData;
                return;
            }

            if (now < _pending.ReadyAt)
            {
                buffer[0] = (byte)AtlasEzoStatus.StillProcessing;
                return;
            }

            var (status, text) = _pending.Complete();
            _pending = null;
            buffer[0] = (byte)status;
            int n = Math.Min(text.Length, buffer.Length - 1);
            Encoding.ASCII.GetBytes(text.AsSpan(0, n), buffer[1..]);
        }
    }

    private Pending Process(string command, DateTimeOffset now)
    {
        string[] parts = command.Split(',');
        string verb = parts[0].ToUpperInvariant();
        Pending Ok(TimeSpan time, Func<DateTimeOffset, string> answer) => new(now + time, at => (AtlasEzoStatus.Success, answer(at)));
        Pending Ack(TimeSpan time, Action apply) => Ok(time, _ =>
        {
            apply();
            return string.Empty;
        });
        var syntaxError = new Pending(now + CommandTime, _ => (AtlasEzoStatus.SyntaxError, string.Empty));

        switch (verb)
        {
            case "R" when parts.Length == 1:
                return Ok(ReadingTime, Reading);
            case "RT" when parts.Length == 2 && Circuit != AtlasEzoCircuit.Orp && TryNumber(parts[1], out double rt):
                return Ok(ReadingTime, at =>
                {
                    CompensationCelsius = rt;
                    return Reading(at);
                });
            case "T" when parts.Length == 2 && Circuit != AtlasEzoCircuit.Orp && parts[1] == "?":
                return Ok(CommandTime, _ => string.Create(CultureInfo.InvariantCulture, $"?T,{CompensationCelsius:0.0}"));
            case "T" when parts.Length == 2 && Circuit != AtlasEzoCircuit.Orp && TryNumber(parts[1], out double t):
                return Ack(CommandTime, () => CompensationCelsius = t);
            case "I" when parts.Length == 1:
                return Ok(CommandTime, _ => $"?I,{Circuit switch { AtlasEzoCircuit.Ph => "pH", AtlasEzoCircuit.DissolvedOxygen => "DO", _ => "OR" }},2.16");
            case "CAL":
                return Calibration(parts, now) ?? syntaxError;
            default:
                return syntaxError;
        }
    }

    private Pending? Calibration(string[] parts, DateTimeOffset now)
    {
        string arg = parts.Length > 1 ? parts[1].ToLowerInvariant() : string.Empty;
        if (parts.Length == 2 && arg == "?")
        {
            return new Pending(now + CommandTime, _ => (AtlasEzoStatus.Success, $"?CAL,{_calibration.Count.ToString(CultureInfo.InvariantCulture)}"));
        }

        if (parts.Length == 2 && arg == "clear")
        {
            return new Pending(now + CommandTime, _ =>
            {
                _calibration.Clear();
                return (AtlasEzoStatus.Success, string.Empty);
            });
        }

        double reference;
        bool clearFirst = false;
        switch (Circuit)
        {
            case AtlasEzoCircuit.Ph when parts.Length == 3 && arg is "mid" or "low" or "high" && TryNumber(parts[2], out reference):
                clearFirst = arg == "mid";
                break;
            case AtlasEzoCircuit.DissolvedOxygen when parts.Length == 1:
                reference = double.NaN; // atmospheric: saturation at the compensation temperature, fixed at completion
                break;
            case AtlasEzoCircuit.DissolvedOxygen when parts.Length == 2 && arg == "0":
                reference = 0.0;
                break;
            case AtlasEzoCircuit.Orp when parts.Length == 2 && TryNumber(parts[1], out reference):
                clearFirst = true;
                break;
            default:
                return null;
        }

        return new Pending(now + CalibrationTime, at =>
        {
            if (clearFirst)
            {
                _calibration.Clear();
            }

            double target = double.IsNaN(reference) ? OxygenSaturationMilligramsPerLitre(CompensationCelsius) : reference;
            double raw = Raw(at);
            _calibration.RemoveAll(p => Math.Abs(p.Reference - target) < 1e-9);
            _calibration.Add((raw, target));
            return (AtlasEzoStatus.Success, string.Empty);
        });
    }

    private string Reading(DateTimeOffset at)
    {
        double value = Corrected(Raw(at));
        return Circuit switch
        {
            AtlasEzoCircuit.Ph => Math.Clamp(value, 0.001, 14.0).ToString("0.000", CultureInfo.InvariantCulture),
            AtlasEzoCircuit.DissolvedOxygen => Math.Max(0.0, value).ToString("0.00", CultureInfo.InvariantCulture),
            _ => value.ToString("0.0", CultureInfo.InvariantCulture),
        };
    }

    private double Raw(DateTimeOffset at)
    {
        double truth = _signal(at);
        if (Circuit == AtlasEzoCircuit.Ph)
        {
            // The electrode's slope follows the liquid temperature; the circuit converts with the compensation one.
            truth = 7.0 + ((truth - 7.0) * (LiquidTemperatureCelsius(at) + 273.15) / (CompensationCelsius + 273.15));
        }

        return ProbeOffset + (ProbeGain * truth);
    }

    private double Corrected(double raw)
    {
        if (_calibration.Count == 0)
        {
            return raw;
        }

        if (_calibration.Count == 1)
        {
            return raw + (_calibration[0].Reference - _calibration[0].Raw);
        }

        var points = _calibration.OrderBy(p => p.Raw).ToArray();
        int upper = 1;
        while (upper < points.Length - 1 && raw > points[upper].Raw)
        {
            upper++;
        }

        var (r0, v0) = points[upper - 1];
        var (r1, v1) = points[upper];
        return v0 + ((raw - r0) * (v1 - v0) / (r1 - r0));
    }

    private static bool TryNumber(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    private void CheckAck()
    {
        if (NotAcknowledging)
        {
            throw SimulatedI2cBus.NotAcknowledged(ConnectionSettings);
        }
    }

    private sealed class Pending(DateTimeOffset readyAt, Func<DateTimeOffset, (AtlasEzoStatus Status, string Text)> complete)
    {
        public DateTimeOffset ReadyAt { get; } = readyAt;

        public (AtlasEzoStatus Status, string Text) Complete() => complete(ReadyAt);
    }
}
