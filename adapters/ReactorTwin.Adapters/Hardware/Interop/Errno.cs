using System.Runtime.InteropServices;

namespace ReactorTwin.Adapters.Hardware.Interop;

/// <summary>Linux errno values the hardware layer meets, with their symbolic names (asm-generic/errno-base.h, errno.h).</summary>
internal static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int ENXIO = 6;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EACCES = 13;
    public const int EFAULT = 14;
    public const int EBUSY = 16;
    public const int ENODEV = 19;
    public const int ENOTDIR = 20;
    public const int EISDIR = 21;
    public const int EINVAL = 22;
    public const int ENOTTY = 25;
    public const int ENOSYS = 38;
    public const int EOPNOTSUPP = 95;
    public const int ETIMEDOUT = 110;
    public const int EREMOTEIO = 121;

    private static readonly Dictionary<int, string> Names = new()
    {
        [EPERM] = "EPERM",
        [ENOENT] = "ENOENT",
        [EINTR] = "EINTR",
        [EIO] = "EIO",
        [ENXIO] = "ENXIO",
        [EBADF] = "EBADF",
        [EAGAIN] = "EAGAIN",
        [ENOMEM] = "ENOMEM",
        [EACCES] = "EACCES",
        [EFAULT] = "EFAULT",
        [EBUSY] = "EBUSY",
        [ENODEV] = "ENODEV",
        [ENOTDIR] = "ENOTDIR",
        [EISDIR] = "EISDIR",
        [EINVAL] = "EINVAL",
        [ENOTTY] = "ENOTTY",
        [ENOSYS] = "ENOSYS",
        [EOPNOTSUPP] = "EOPNOTSUPP",
        [ETIMEDOUT] = "ETIMEDOUT",
        [EREMOTEIO] = "EREMOTEIO",
    };

    /// <summary>The symbolic name, e.g. <c>ENOENT</c>; <c>errno N</c> when unknown.</summary>
    public static string Name(int errno) => Names.TryGetValue(errno, out string? name) ? name : $"errno {errno}";

    /// <summary>The C library's message for the value (strerror).</summary>
    public static string Message(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
