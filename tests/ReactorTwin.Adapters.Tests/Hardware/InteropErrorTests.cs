using ReactorTwin.Adapters.Hardware;
using ReactorTwin.Adapters.Hardware.Gpio;
using ReactorTwin.Adapters.Hardware.I2c;
using ReactorTwin.Adapters.Hardware.Interop;

namespace ReactorTwin.Adapters.Tests.Hardware;

/// <summary>errno mapping against the real system calls of this machine (no GPIO or I2C drivers needed).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed unsafe class InteropErrorTests
{
    [Fact]
    public void OpenGpioChip_MissingDevice_ThrowsEnoentNamingPathAndOperation()
    {
        var e = Assert.Throws<HardwareIoException>(() => GpioChip.OpenLinux(99));
        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Equal("ENOENT", e.ErrnoName);
        Assert.Equal("/dev/gpiochip99", e.DevicePath);
        Assert.Equal("open", e.Operation);
        Assert.Contains("open on /dev/gpiochip99 failed: ENOENT (", e.Message, StringComparison.Ordinal);
        Assert.Contains("No such file or directory", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenI2cDevice_MissingBus_ThrowsEnoent()
    {
        var e = Assert.Throws<HardwareIoException>(() => I2cDevice.CreateLinux(new I2cConnectionSettings(99, 0x48)));
        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Equal("/dev/i2c-99", e.DevicePath);
    }

    [Fact]
    public void GpioIoctl_OnPipe_ThrowsEnotty()
    {
        var (read, write) = NativeFile.Pipe();
        using (read)
        using (write)
        {
            var e = Assert.Throws<HardwareIoException>(() => ChipInfo(read));
            Assert.Equal(Errno.ENOTTY, e.Errno);
            Assert.Equal("ioctl(GPIO_GET_CHIPINFO_IOCTL)", e.Operation);
            Assert.Contains("ENOTTY", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void I2cSlaveIoctl_OnPipe_ThrowsEnotty()
    {
        var (read, write) = NativeFile.Pipe();
        using (read)
        using (write)
        {
            var e = Assert.Throws<HardwareIoException>(() => NativeFile.Ioctl(read, I2cAbi.I2cSlave, (nuint)0x48, "pipe", "I2C_SLAVE"));
            Assert.Equal(Errno.ENOTTY, e.Errno);
        }
    }

    [Fact]
    public void OpenGpioChip_OnNonGpioCharacterDevice_ThrowsEnottyFromChipInfo()
    {
        string dir = Directory.CreateTempSubdirectory("gpio-fake-").FullName;
        try
        {
            // /dev/null is a character device but not a GPIO chip: open succeeds, GPIO_GET_CHIPINFO_IOCTL fails.
            File.CreateSymbolicLink(Path.Combine(dir, "gpiochip0"), "/dev/null");
            var e = Assert.Throws<HardwareIoException>(() => GpioChip.OpenLinux(0, dir));
            Assert.Equal(Errno.ENOTTY, e.Errno);
            Assert.Equal("ioctl(GPIO_GET_CHIPINFO_IOCTL)", e.Operation);
            Assert.EndsWith("gpiochip0", e.DevicePath, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void OpenI2cDevice_OnNonI2cCharacterDevice_ThrowsEnottyFromFuncs()
    {
        string dir = Directory.CreateTempSubdirectory("i2c-fake-").FullName;
        try
        {
            File.CreateSymbolicLink(Path.Combine(dir, "i2c-1"), "/dev/null");
            var e = Assert.Throws<HardwareIoException>(() => I2cDevice.CreateLinux(new I2cConnectionSettings(1, 0x48), dir));
            Assert.Equal(Errno.ENOTTY, e.Errno);
            Assert.Equal("ioctl(I2C_FUNCS)", e.Operation);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Open_TmpfileWithoutWriteAccess_ThrowsEinval()
    {
        int oTmpfile = (int)NativeAbi.Get("O_TMPFILE"); // __O_TMPFILE | O_DIRECTORY: differs between x86 and arm
        var e = Assert.Throws<HardwareIoException>(() => NativeFile.Open(Path.GetTempPath(), oTmpfile | Libc.O_RDONLY));
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Equal("EINVAL", e.ErrnoName);
    }

    [Fact]
    public void Open_ReadOnlyFileForWrite_ThrowsEacces()
    {
        // Root bypasses file modes, but read-only sysctls (0444, checked by procfs itself) and sysfs attributes
        // without a store method refuse write opens with EACCES even for root; as non-root a mode-000 file does it.
        string path;
        string? cleanup = null;
        if (Environment.UserName == "root")
        {
            path = new[] { "/proc/sys/kernel/ostype", "/sys/devices/system/cpu/online" }.First(File.Exists);
        }
        else
        {
            path = cleanup = Path.GetTempFileName();
            File.SetUnixFileMode(path, UnixFileMode.None);
        }

        try
        {
            var e = Assert.Throws<HardwareIoException>(() => NativeFile.Open(path, Libc.O_WRONLY));
            int expected = IsOnReadOnlyMount(path) ? 30 /* EROFS: containers mount /proc/sys read-only */ : Errno.EACCES;
            Assert.Equal(expected, e.Errno);
            Assert.Equal(path, e.DevicePath);
        }
        finally
        {
            if (cleanup is not null)
            {
                File.Delete(cleanup);
            }
        }
    }

    [Fact]
    public void ErrnoName_UnknownValue_FallsBackToNumber() =>
        Assert.Equal("errno 4095", new HardwareIoException("/dev/x", "read", 4095).ErrnoName);

    [Fact]
    public void PipeReadWrite_RoundTripsThroughCheckedWrappers()
    {
        var (read, write) = NativeFile.Pipe();
        using (read)
        using (write)
        {
            Assert.False(NativeFile.PollReadable(read, 0, "pipe"));
            NativeFile.Write(write, [1, 2, 3], "pipe");
            Assert.True(NativeFile.PollReadable(read, 1000, "pipe"));
            byte[] buffer = new byte[8];
            Assert.Equal(3, NativeFile.Read(read, buffer, "pipe"));
            Assert.Equal(new byte[] { 1, 2, 3 }, buffer[..3]);
        }
    }

    private static void ChipInfo(SafeFileDescriptorHandle fd)
    {
        GpioChipInfoNative info = default;
        NativeFile.Ioctl(fd, GpioAbi.GetChipInfoIoctl, &info, "pipe", "GPIO_GET_CHIPINFO_IOCTL");
    }

    private static bool IsOnReadOnlyMount(string path)
    {
        // The longest mount point containing the path decides (fields: device, mount point, type, options, ...).
        var mount = File.ReadAllLines("/proc/mounts")
            .Select(l => l.Split(' '))
            .Where(f => f.Length >= 4 && (path.StartsWith(f[1].TrimEnd('/') + "/", StringComparison.Ordinal) || f[1] == "/"))
            .OrderByDescending(f => f[1].Length)
            .FirstOrDefault();
        return mount is not null && mount[3].Split(',').Contains("ro");
    }
}
