namespace ReactorTwin.Adapters.Devices.Ds18b20;

/// <summary>Bytes of the DS18B20's 9-byte scratchpad (datasheet, "Memory"), as w1_therm prints them in w1_slave.</summary>
public enum Ds18b20Register : byte
{
    /// <summary>Temperature, low byte (two's complement, 1/16 °C per bit at 12-bit resolution).</summary>
    TemperatureLsb = 0,

    /// <summary>Temperature, high byte (sign-extended).</summary>
    TemperatureMsb = 1,

    /// <summary>T_H alarm register / user byte 1.</summary>
    AlarmHigh = 2,

    /// <summary>T_L alarm register / user byte 2.</summary>
    AlarmLow = 3,

    /// <summary>Configuration register: bits 6–5 select 9–12-bit resolution.</summary>
    Configuration = 4,

    /// <summary>Reserved (reads 0xFF).</summary>
    Reserved5 = 5,

    /// <summary>Reserved.</summary>
    Reserved6 = 6,

    /// <summary>Reserved (reads 0x10).</summary>
    Reserved7 = 7,

    /// <summary>Dallas/Maxim CRC-8 of bytes 0–7.</summary>
    Crc = 8,
}
