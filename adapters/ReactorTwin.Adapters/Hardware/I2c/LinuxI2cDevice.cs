using ReactorTwin.Adapters.Hardware.Interop;

namespace ReactorTwin.Adapters.Hardware.I2c;

/// <summary>An I2C device reached through /dev/i2c-N: I2C_SLAVE + read/write, I2C_RDWR for combined transfers.</summary>
internal sealed unsafe class LinuxI2cDevice : I2cDevice
{
    private static readonly I2cLayout HostLayout = I2cAbi.Layout(IntPtr.Size);
    private readonly SafeFileDescriptorHandle _fd;
    private readonly string _path;

    /// <summary>Wraps an already-open descriptor (tests use pipes).</summary>
    internal LinuxI2cDevice(SafeFileDescriptorHandle fd, string path, I2cConnectionSettings settings, ulong functionality)
    {
        _fd = fd;
        _path = path;
        ConnectionSettings = settings;
        Functionality = functionality;
    }

    public override I2cConnectionSettings ConnectionSettings { get; }

    /// <summary>The adapter's I2C_FUNCS mask.</summary>
    public ulong Functionality { get; }

    /// <summary>True when combined transfers go through I2C_RDWR.</summary>
    public bool SupportsCombinedTransfers => (Functionality & I2cAbi.FuncI2c) != 0;

    public static LinuxI2cDevice Open(I2cConnectionSettings settings, string path)
    {
        var fd = NativeFile.Open(path, Libc.O_RDWR);
        try
        {
            nuint funcs = 0;
            NativeFile.Ioctl(fd, I2cAbi.I2cFuncs, &funcs, path, "I2C_FUNCS");
            NativeFile.Ioctl(fd, I2cAbi.I2cSlave, (nuint)settings.DeviceAddress, path, $"I2C_SLAVE 0x{settings.DeviceAddress:x2}");
            return new LinuxI2cDevice(fd, path, settings, funcs);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    public override void Read(Span<byte> buffer)
    {
        int n = NativeFile.Read(_fd, buffer, _path);
        if (n != buffer.Length)
        {
            throw new HardwareIoException(_path, $"read from 0x{ConnectionSettings.DeviceAddress:x2}", 0, $"short read: {n} of {buffer.Length} bytes");
        }
    }

    public override void Write(ReadOnlySpan<byte> buffer) => NativeFile.Write(_fd, buffer, _path);

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        if (!SupportsCombinedTransfers || writeBuffer.IsEmpty || readBuffer.IsEmpty)
        {
            base.WriteRead(writeBuffer, readBuffer);
            return;
        }

        if (writeBuffer.Length > ushort.MaxValue || readBuffer.Length > ushort.MaxValue)
        {
            throw new ArgumentException("an i2c_msg carries at most 65535 bytes");
        }

        var layout = HostLayout;
        Span<byte> messages = stackalloc byte[2 * layout.MessageSize];
        Span<byte> data = stackalloc byte[layout.RdwrDataSize];
        ushort address = (ushort)ConnectionSettings.DeviceAddress;
        fixed (byte* w = writeBuffer)
        fixed (byte* r = readBuffer)
        fixed (byte* m = messages)
        fixed (byte* d = data)
        {
            I2cAbi.WriteMessage(messages, layout, address, 0, (ushort)writeBuffer.Length, (ulong)w);
            I2cAbi.WriteMessage(messages[layout.MessageSize..], layout, address, I2cAbi.MessageRead, (ushort)readBuffer.Length, (ulong)r);
            I2cAbi.WriteRdwrData(data, layout, (ulong)m, 2);
            NativeFile.Ioctl(_fd, I2cAbi.I2cRdwr, d, _path, $"I2C_RDWR 0x{address:x2}");
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _fd.Dispose();
        }

        base.Dispose(disposing);
    }
}
