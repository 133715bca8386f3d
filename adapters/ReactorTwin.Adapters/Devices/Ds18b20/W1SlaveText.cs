using System.Globalization;

namespace ReactorTwin.Adapters.Devices.Ds18b20;

/// <summary>
/// Parses and formats the two-line <c>w1_slave</c> text of the kernel's w1_therm driver:
/// <code>
/// 72 01 4b 46 7f ff 0e 10 57 : crc=57 YES
/// 72 01 4b 46 7f ff 0e 10 57 t=23125
/// </code>
/// (the nine scratchpad bytes, the CRC verdict, then the temperature in m°C).
/// </summary>
internal static class W1SlaveText
{
    public const int ScratchpadLength = 9;

    /// <summary>The 85 °C power-on reset value in m°C.</summary>
    public const int PowerOnMillidegrees = 85000;

    /// <summary>Parses <paramref name="text"/>; on failure returns false with the reason.</summary>
    public static bool TryParse(string text, out int millidegrees, out byte[] scratchpad, out string? failure)
    {
        millidegrees = 0;
        scratchpad = [];
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length < 2)
        {
            failure = $"w1_slave has {lines.Length} line(s), expected 2";
            return false;
        }

        int crcAt = lines[0].IndexOf("crc=", StringComparison.Ordinal);
        if (crcAt < 0)
        {
            failure = "w1_slave first line has no crc= field";
            return false;
        }

        if (!lines[0].EndsWith(" YES", StringComparison.Ordinal))
        {
            failure = $"kernel CRC check failed: '{lines[0][crcAt..]}'";
            return false;
        }

        if (!TryParseBytes(lines[0][..crcAt].TrimEnd(' ', ':'), out scratchpad))
        {
            failure = $"w1_slave scratchpad is not {ScratchpadLength} hex bytes: '{lines[0]}'";
            return false;
        }

        if (scratchpad.All(b => b == 0))
        {
            failure = "scratchpad reads all zero (device disconnected during the read)";
            return false;
        }

        if (Crc8(scratchpad.AsSpan(0, ScratchpadLength - 1)) != scratchpad[ScratchpadLength - 1])
        {
            failure = "scratchpad CRC-8 does not match although the kernel reported YES";
            return false;
        }

        int tAt = lines[1].IndexOf("t=", StringComparison.Ordinal);
        if (tAt < 0 || !int.TryParse(lines[1].AsSpan(tAt + 2), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out millidegrees))
        {
            failure = $"w1_slave second line has no integer t= field: '{lines[1]}'";
            return false;
        }

        failure = null;
        return true;
    }

    /// <summary>Formats the w1_slave text the kernel would print for <paramref name="scratchpad"/>.</summary>
    /// <param name="scratchpad">Nine bytes including the CRC byte as the device sent it.</param>
    /// <param name="millidegrees">The t= value.</param>
    public static string Format(ReadOnlySpan<byte> scratchpad, int millidegrees)
    {
        string hex = string.Join(' ', scratchpad.ToArray().Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
        bool ok = Crc8(scratchpad[..(ScratchpadLength - 1)]) == scratchpad[ScratchpadLength - 1];
        return string.Create(CultureInfo.InvariantCulture, $"{hex} : crc={scratchpad[ScratchpadLength - 1]:x2} {(ok ? "YES" : "NO")}\n{hex} t={millidegrees}\n");
    }

    /// <summary>Dallas/Maxim 1-Wire CRC-8 (polynomial x⁸ + x⁵ + x⁴ + 1, reflected 0x8C, initial 0).</summary>
    public static byte Crc8(ReadOnlySpan<byte> data)
    {
        byte crc = 0;
        foreach (byte value in data)
        {
            byte b = value;
            for (int i = 0; i < 8; i++)
            {
                bool mix = ((crc ^ b) & 1) != 0;
                crc >>= 1;
                if (mix)
                {
                    crc ^= 0x8C;
                }

                b >>= 1;
            }
        }

        return crc;
    }

    private static bool TryParseBytes(string text, out byte[] bytes)
    {
        string[] parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        bytes = new byte[ScratchpadLength];
        if (parts.Length != ScratchpadLength)
        {
            return false;
        }

        for (int i = 0; i < parts.Length; i++)
        {
            if (!byte.TryParse(parts[i], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out bytes[i]))
            {
                return false;
            }
        }

        return true;
    }
}
