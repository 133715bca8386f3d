using ReactorTwin.Adapters.Hardware.Interop;

namespace ReactorTwin.Adapters.Hardware.OneWire;

/// <summary>
/// The kernel's 1-Wire bus as exposed by the w1 subsystem (w1-gpio + w1_therm on a Pi): one directory per slave
/// named <c>FF-SSSSSSSSSSSS</c> (family code, serial) under <see cref="DevicesDirectory"/>.
/// </summary>
/// <param name="devicesDirectory">Default <c>/sys/bus/w1/devices</c>; tests and the simulator point it elsewhere.</param>
public sealed class OneWireBus(string devicesDirectory = OneWireBus.DefaultDevicesDirectory)
{
    /// <summary>Where the kernel lists 1-Wire slaves.</summary>
    public const string DefaultDevicesDirectory = "/sys/bus/w1/devices";

    /// <summary>Maximum bytes read from one slave file (w1_slave is about 75 bytes).</summary>
    private const int MaxFileBytes = 4096;

    /// <summary>The directory listing the slaves.</summary>
    public string DevicesDirectory { get; } = devicesDirectory;

    /// <summary>Ids of the slaves with family code <paramref name="familyCode"/> (two hex digits, e.g. <c>28</c>), sorted.</summary>
    public IReadOnlyList<string> EnumerateDeviceIds(string familyCode)
    {
        ArgumentException.ThrowIfNullOrEmpty(familyCode);
        if (!Directory.Exists(DevicesDirectory))
        {
            return [];
        }

        return Directory.EnumerateFileSystemEntries(DevicesDirectory, familyCode + "-*")
            .Select(Path.GetFileName)
            .OfType<string>()
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Reads the text of <paramref name="fileName"/> in the slave's directory (e.g. <c>w1_slave</c>).</summary>
    /// <exception cref="HardwareIoException">The file cannot be opened or read (ENOENT when the slave is absent).</exception>
    public string ReadDeviceFile(string deviceId, string fileName)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        string path = Path.Combine(DevicesDirectory, deviceId, fileName);
        using var fd = NativeFile.Open(path, Libc.O_RDONLY);
        byte[] buffer = new byte[MaxFileBytes];
        int total = 0;
        while (total < buffer.Length)
        {
            int n = NativeFile.Read(fd, buffer.AsSpan(total), path);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return System.Text.Encoding.ASCII.GetString(buffer, 0, total);
    }
}
