namespace ReactorTwin.Adapters.Hardware.Interop;

/// <summary>
/// The generic Linux ioctl request encoding (include/uapi/asm-generic/ioctl.h), used by arm, arm64 and x86:
/// bits 0–7 number, 8–15 type, 16–29 argument size, 30–31 direction (1 = write, 2 = read).
/// </summary>
internal static class IoctlNumber
{
    private const int NrShift = 0;
    private const int TypeShift = 8;
    private const int SizeShift = 16;
    private const int DirShift = 30;
    private const uint IocWrite = 1;
    private const uint IocRead = 2;
    private const int SizeBits = 14;

    /// <summary>_IOC(dir, type, nr, size).</summary>
    public static uint Ioc(uint direction, uint type, uint number, int size)
    {
        if (size < 0 || size >= 1 << SizeBits)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "an ioctl argument size must fit in 14 bits");
        }

        return (direction << DirShift) | (type << TypeShift) | (number << NrShift) | ((uint)size << SizeShift);
    }

    /// <summary>_IOR(type, nr, size): the kernel writes the argument.</summary>
    public static uint Ior(uint type, uint number, int size) => Ioc(IocRead, type, number, size);

    /// <summary>_IOWR(type, nr, size): the argument goes both ways.</summary>
    public static uint Iowr(uint type, uint number, int size) => Ioc(IocRead | IocWrite, type, number, size);
}
