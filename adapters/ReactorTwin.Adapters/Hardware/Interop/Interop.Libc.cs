using System.Runtime.InteropServices;

namespace ReactorTwin.Adapters.Hardware.Interop;

/// <summary>
/// Raw P/Invoke declarations for the libc calls the hardware layer uses. Nothing here checks results: callers go
/// through <see cref="NativeFile"/>, which maps every failure to <see cref="HardwareIoException"/>.
/// </summary>
internal static unsafe partial class Libc
{
    private const string Library = "libc";

    public const int O_RDONLY = 0x0;
    public const int O_WRONLY = 0x1;
    public const int O_RDWR = 0x2;

    /// <summary>O_CLOEXEC: 02000000 octal on every Linux architecture the Pi uses (arm, arm64) and on x86.</summary>
    public const int O_CLOEXEC = 0x80000;

    /// <summary>O_NONBLOCK: 04000 octal on arm, arm64 and x86.</summary>
    public const int O_NONBLOCK = 0x800;

    public const short POLLIN = 0x0001;
    public const short POLLERR = 0x0008;
    public const short POLLHUP = 0x0010;
    public const short POLLNVAL = 0x0020;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short REvents;
    }

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Library, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(SafeFileDescriptorHandle fd, nuint request, void* argument);

    [LibraryImport(Library, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(SafeFileDescriptorHandle fd, nuint request, nuint argument);

    [LibraryImport(Library, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(SafeFileDescriptorHandle fd, void* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(SafeFileDescriptorHandle fd, void* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    [LibraryImport(Library, EntryPoint = "pipe2", SetLastError = true)]
    public static partial int Pipe2(int* fds, int flags);
}
