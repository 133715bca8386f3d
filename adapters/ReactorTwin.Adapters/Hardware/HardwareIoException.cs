namespace ReactorTwin.Adapters.Hardware;

/// <summary>
/// A native hardware operation failed: a system call on a GPIO, I2C or 1-Wire device returned an error, or the device
/// answered in a way the driver cannot accept. Every native failure in the hardware layer surfaces as this one type.
/// </summary>
public sealed class HardwareIoException : IOException
{
    /// <summary>Creates the exception for a failed system call.</summary>
    /// <param name="devicePath">The device or file the operation was applied to, e.g. <c>/dev/i2c-1</c>.</param>
    /// <param name="operation">What was attempted, e.g. <c>open</c> or <c>ioctl(I2C_SLAVE)</c>.</param>
    /// <param name="errno">The errno value (0 when the failure is not a system-call error).</param>
    /// <param name="detail">An optional explanation appended to the message.</param>
    public HardwareIoException(string devicePath, string operation, int errno, string? detail = null)
        : base(FormatMessage(devicePath, operation, errno, detail))
    {
        DevicePath = devicePath;
        Operation = operation;
        Errno = errno;
        HResult = errno;
    }

    /// <summary>The device or file the failed operation was applied to.</summary>
    public string DevicePath { get; }

    /// <summary>The failed operation, e.g. <c>open</c> or <c>ioctl(GPIO_V2_GET_LINE_IOCTL)</c>.</summary>
    public string Operation { get; }

    /// <summary>The errno value reported by the kernel; 0 when the failure was detected by the driver itself.</summary>
    public int Errno { get; }

    /// <summary>The symbolic errno name (e.g. <c>ENOENT</c>), or <c>errno N</c> for values without a known name.</summary>
    public string ErrnoName => Interop.Errno.Name(Errno);

    private static string FormatMessage(string devicePath, string operation, int errno, string? detail)
    {
        string core = errno == 0
            ? $"{operation} on {devicePath} failed"
            : $"{operation} on {devicePath} failed: {Interop.Errno.Name(errno)} ({Interop.Errno.Message(errno)})";
        return detail is null ? core : $"{core}: {detail}";
    }
}
