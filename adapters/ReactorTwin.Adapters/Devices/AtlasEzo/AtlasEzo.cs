using System.Globalization;
using System.Text;
using System.Device.I2c;

namespace ReactorTwin.Adapters.Devices.AtlasEzo;

/// <summary>
/// The I2C command protocol shared by Atlas Scientific EZO circuits: write an ASCII command, wait the documented
/// processing time, read a status byte (<see cref="AtlasEzoStatus"/>) followed by a NUL-terminated ASCII answer.
/// Not thread-safe: a command and its answer must not interleave with another command to the same circuit.
/// </summary>
public abstract class AtlasEzo
{
    private readonly I2cDevice _device;
    private readonly HardwareClock _clock;

    /// <summary>Creates the driver.</summary>
    protected AtlasEzo(I2cDevice device, HardwareClock clock, AtlasEzoCircuit circuit, AtlasEzoSettings? settings)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(clock);
        _device = device;
        _clock = clock;
        Circuit = circuit;
        Settings = settings ?? AtlasEzoSettings.For(circuit);
        if (Settings.ResponseLength < 2 || Settings.StillProcessingRetries < 0)
        {
            throw new ArgumentException("ResponseLength must be at least 2 and StillProcessingRetries non-negative", nameof(settings));
        }
    }

    /// <summary>The kind of circuit.</summary>
    public AtlasEzoCircuit Circuit { get; }

    /// <summary>Timing settings in use.</summary>
    public AtlasEzoSettings Settings { get; }

    /// <summary>I2C address of the circuit.</summary>
    public int Address => _device.ConnectionSettings.DeviceAddress;

    /// <summary>
    /// Sends <paramref name="command"/>, waits <paramref name="processingTime"/>, and returns the ASCII answer
    /// (empty for commands that only acknowledge).
    /// </summary>
    /// <exception cref="AtlasEzoException">Syntax error, no data, still processing after all retries, or a bad status.</exception>
    /// <exception cref="IOException">The I2C transfer failed.</exception>
    public string SendCommand(string command, TimeSpan processingTime)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        foreach (char c in command)
        {
            if (c is < ' ' or > '~')
            {
                throw new ArgumentException($"EZO commands are printable ASCII; '{command}' is not", nameof(command));
            }
        }

        _device.Write(Encoding.ASCII.GetBytes(command));
        _clock.Wait(processingTime);
        byte[] response = new byte[Settings.ResponseLength];
        for (int attempt = 0; ; attempt++)
        {
            _device.Read(response);
            var status = (AtlasEzoStatus)response[0];
            switch (status)
            {
                case AtlasEzoStatus.Success:
                    int end = Array.IndexOf(response, (byte)0, 1);
                    return Encoding.ASCII.GetString(response, 1, (end < 0 ? response.Length : end) - 1).Trim();
                case AtlasEzoStatus.StillProcessing when attempt < Settings.StillProcessingRetries:
                    _clock.Wait(Settings.StillProcessingRetryDelay);
                    continue;
                case AtlasEzoStatus.StillProcessing:
                    throw new AtlasEzoException(Address, command, status, $"still processing after {processingTime.TotalMilliseconds:0} ms and {Settings.StillProcessingRetries} retries");
                case AtlasEzoStatus.SyntaxError:
                    throw new AtlasEzoException(Address, command, status, "syntax error (the circuit rejected the command)");
                case AtlasEzoStatus.NoData:
                    throw new AtlasEzoException(Address, command, status, "no data to send (the circuit has no pending answer)");
                default:
                    throw new AtlasEzoException(Address, command, null, $"unknown status byte {response[0]}");
            }
        }
    }

    /// <summary>Deletes all calibration points (<c>Cal,clear</c>).</summary>
    public void ClearCalibration() => SendCommand("Cal,clear", Settings.CommandTime);

    /// <summary>Number of stored calibration points (<c>Cal,?</c> → <c>?CAL,n</c>).</summary>
    public int GetCalibrationPointCount()
    {
        string answer = SendCommand("Cal,?", Settings.CommandTime);
        return (int)ParseTagged(answer, "?CAL,", "Cal,?");
    }

    /// <summary>Device type and firmware (<c>i</c> → e.g. <c>?I,pH,2.16</c>).</summary>
    public string GetDeviceInfo() => SendCommand("i", Settings.CommandTime);

    /// <summary>Sends a reading command and parses the first comma-separated field as a number.</summary>
    protected bool TryReadNumber(string command, out double value, out string? failure)
    {
        value = double.NaN;
        try
        {
            string answer = SendCommand(command, Settings.ReadingTime);
            string first = answer.Split(',')[0];
            if (!double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
            {
                failure = $"EZO 0x{Address:x2} command '{command}': answer '{answer}' is not a number";
                value = double.NaN;
                return false;
            }

            failure = null;
            return true;
        }
        catch (Exception e) when (e is AtlasEzoException or IOException)
        {
            failure = e.Message;
            return false;
        }
    }

    /// <summary>Sends a calibration point command with the calibration processing time.</summary>
    protected void Calibrate(string command) => SendCommand(command, Settings.CalibrationTime);

    /// <summary>Sets the temperature used for compensation (<c>T,xx.x</c>).</summary>
    protected void SetTemperature(double celsius)
    {
        CheckTemperature(celsius);
        SendCommand(string.Create(CultureInfo.InvariantCulture, $"T,{celsius:0.0}"), Settings.CommandTime);
    }

    /// <summary>Reads the compensation temperature (<c>T,?</c> → <c>?T,xx.x</c>).</summary>
    protected double GetTemperature() => ParseTagged(SendCommand("T,?", Settings.CommandTime), "?T,", "T,?");

    /// <summary>Formats the read-with-temperature command <c>RT,xx.x</c>.</summary>
    protected static string ReadWithTemperatureCommand(double celsius)
    {
        CheckTemperature(celsius);
        return string.Create(CultureInfo.InvariantCulture, $"RT,{celsius:0.0}");
    }

    /// <summary>Formats a number for a command with up to two decimals.</summary>
    protected static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static void CheckTemperature(double celsius)
    {
        if (!double.IsFinite(celsius) || celsius is < -5 or > 120)
        {
            throw new ArgumentOutOfRangeException(nameof(celsius), celsius, "compensation temperature must be a finite value in [−5, 120] °C");
        }
    }

    private double ParseTagged(string answer, string tag, string command)
    {
        if (!answer.StartsWith(tag, StringComparison.OrdinalIgnoreCase)
            || !double.TryParse(answer.AsSpan(tag.Length), NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
        {
            throw new AtlasEzoException(Address, command, AtlasEzoStatus.Success, $"unexpected answer '{answer}', expected '{tag}<number>'");
        }

        return value;
    }
}
