using System.Buffers.Binary;

namespace ReactorTwin.Adapters.Hardware.I2c;

/// <summary>
/// The i2c-dev ABI (include/uapi/linux/i2c-dev.h, i2c.h). struct i2c_msg holds a user pointer and struct
/// i2c_rdwr_ioctl_data a pointer to the messages, so both layouts depend on the pointer size: they are computed here
/// from C's alignment rules rather than declared, and the same code serves 32-bit (Pi OS armhf) and 64-bit hosts.
/// </summary>
internal static class I2cAbi
{
    /// <summary>I2C_SLAVE: set the target address for read/write.</summary>
    public const uint I2cSlave = 0x0703;

    /// <summary>I2C_FUNCS: get the adapter functionality mask (unsigned long).</summary>
    public const uint I2cFuncs = 0x0705;

    /// <summary>I2C_RDWR: combined transfer, one STOP.</summary>
    public const uint I2cRdwr = 0x0707;

    /// <summary>I2C_M_RD: the message is a read.</summary>
    public const ushort MessageRead = 0x0001;

    /// <summary>I2C_FUNC_I2C: plain I2C transfers (needed for I2C_RDWR).</summary>
    public const ulong FuncI2c = 0x00000001;

    /// <summary>I2C_RDWR_IOCTL_MAX_MSGS.</summary>
    public const int RdwrMaxMessages = 42;

    /// <summary>Layout of struct i2c_msg and struct i2c_rdwr_ioctl_data for <paramref name="pointerSize"/>-byte pointers.</summary>
    public static I2cLayout Layout(int pointerSize)
    {
        if (pointerSize is not (4 or 8))
        {
            throw new ArgumentOutOfRangeException(nameof(pointerSize), pointerSize, "pointers are 4 or 8 bytes");
        }

        // struct i2c_msg { __u16 addr; __u16 flags; __u16 len; __u8 *buf; }: three u16 at 0, 2, 4; the pointer is
        // aligned to its own size; the struct size is rounded up to its largest alignment (the pointer's).
        int bufOffset = AlignUp(6, pointerSize);
        int messageSize = AlignUp(bufOffset + pointerSize, pointerSize);

        // struct i2c_rdwr_ioctl_data { struct i2c_msg *msgs; __u32 nmsgs; }.
        int countOffset = pointerSize;
        int dataSize = AlignUp(countOffset + sizeof(uint), pointerSize);
        return new I2cLayout(pointerSize, 0, 2, 4, bufOffset, messageSize, 0, countOffset, dataSize);
    }

    /// <summary>Encodes one struct i2c_msg into <paramref name="destination"/> (host byte order).</summary>
    public static void WriteMessage(Span<byte> destination, I2cLayout layout, ushort address, ushort flags, ushort length, ulong buffer)
    {
        destination[..layout.MessageSize].Clear();
        BitConverterWrite16(destination[layout.AddressOffset..], address);
        BitConverterWrite16(destination[layout.FlagsOffset..], flags);
        BitConverterWrite16(destination[layout.LengthOffset..], length);
        WritePointer(destination[layout.BufferOffset..], layout.PointerSize, buffer);
    }

    /// <summary>Encodes struct i2c_rdwr_ioctl_data.</summary>
    public static void WriteRdwrData(Span<byte> destination, I2cLayout layout, ulong messages, uint count)
    {
        destination[..layout.RdwrDataSize].Clear();
        WritePointer(destination[layout.MessagesOffset..], layout.PointerSize, messages);
        if (BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(destination[layout.CountOffset..], count);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[layout.CountOffset..], count);
        }
    }

    private static int AlignUp(int value, int alignment) => (value + alignment - 1) / alignment * alignment;

    private static void BitConverterWrite16(Span<byte> destination, ushort value)
    {
        if (BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(destination, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination, value);
        }
    }

    private static void WritePointer(Span<byte> destination, int pointerSize, ulong value)
    {
        if (pointerSize == 4)
        {
            if (value > uint.MaxValue)
            {
                throw new ArgumentOutOfRangeException(nameof(value), "a 32-bit pointer cannot hold this address");
            }

            if (BitConverter.IsLittleEndian)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)value);
            }
            else
            {
                BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)value);
            }
        }
        else if (BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(destination, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt64BigEndian(destination, value);
        }
    }
}

/// <summary>Byte offsets and sizes of struct i2c_msg and struct i2c_rdwr_ioctl_data.</summary>
internal readonly record struct I2cLayout(
    int PointerSize,
    int AddressOffset,
    int FlagsOffset,
    int LengthOffset,
    int BufferOffset,
    int MessageSize,
    int MessagesOffset,
    int CountOffset,
    int RdwrDataSize);
