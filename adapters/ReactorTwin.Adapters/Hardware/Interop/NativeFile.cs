using System.Runtime.InteropServices;

namespace ReactorTwin.Adapters.Hardware.Interop;

/// <summary>
/// Checked wrappers around <see cref="Libc"/>: each call retries on EINTR and turns any other failure into a
/// <see cref="HardwareIoException"/> naming the path, the operation and the errno.
/// </summary>
internal static unsafe class NativeFile
{
    /// <summary>Opens <paramref name="path"/> with O_CLOEXEC added to <paramref name="flags"/>.</summary>
    public static SafeFileDescriptorHandle Open(string path, int flags)
    {
        while (true)
        {
            int fd = Libc.Open(path, flags | Libc.O_CLOEXEC);
            if (fd >= 0)
            {
                return new SafeFileDescriptorHandle(fd);
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno != Errno.EINTR)
            {
                throw new HardwareIoException(path, "open", errno);
            }
        }
    }

    /// <summary>ioctl with a pointer argument; returns the (non-negative) result.</summary>
    public static int Ioctl(SafeFileDescriptorHandle fd, nuint request, void* argument, string path, string name)
    {
        while (true)
        {
            int result = Libc.Ioctl(fd, request, argument);
            if (result >= 0)
            {
                return result;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno != Errno.EINTR)
            {
                throw new HardwareIoException(path, $"ioctl({name})", errno);
            }
        }
    }

    /// <summary>ioctl with an integer argument (e.g. I2C_SLAVE's address).</summary>
    public static int Ioctl(SafeFileDescriptorHandle fd, nuint request, nuint argument, string path, string name)
    {
        while (true)
        {
            int result = Libc.Ioctl(fd, request, argument);
            if (result >= 0)
            {
                return result;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno != Errno.EINTR)
            {
                throw new HardwareIoException(path, $"ioctl({name})", errno);
            }
        }
    }

    /// <summary>read(2) into <paramref name="buffer"/>; returns the byte count (0 at end of file).</summary>
    public static int Read(SafeFileDescriptorHandle fd, Span<byte> buffer, string path)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint n = Libc.Read(fd, p, (nuint)buffer.Length);
                if (n >= 0)
                {
                    return (int)n;
                }

                int errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR)
                {
                    throw new HardwareIoException(path, "read", errno);
                }
            }
        }
    }

    /// <summary>write(2) of all of <paramref name="buffer"/>; a short write is an error for device files.</summary>
    public static void Write(SafeFileDescriptorHandle fd, ReadOnlySpan<byte> buffer, string path)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint n = Libc.Write(fd, p, (nuint)buffer.Length);
                if (n == buffer.Length)
                {
                    return;
                }

                if (n >= 0)
                {
                    throw new HardwareIoException(path, "write", 0, $"short write: {n} of {buffer.Length} bytes");
                }

                int errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR)
                {
                    throw new HardwareIoException(path, "write", errno);
                }
            }
        }
    }

    /// <summary>Waits until <paramref name="fd"/> is readable or hung up; false on timeout; POLLERR / POLLNVAL throw.</summary>
    public static bool PollReadable(SafeFileDescriptorHandle fd, int timeoutMilliseconds, string path)
    {
        bool added = false;
        fd.DangerousAddRef(ref added);
        try
        {
            var pfd = new Libc.PollFd { Fd = fd.Fd, Events = Libc.POLLIN };
            while (true)
            {
                int n = Libc.Poll(&pfd, 1, timeoutMilliseconds);
                if (n == 0)
                {
                    return false;
                }

                if (n > 0)
                {
                    // Data, or a hang-up that read(2) reports as end of file.
                    if ((pfd.REvents & (Libc.POLLIN | Libc.POLLHUP)) != 0)
                    {
                        return true;
                    }

                    throw new HardwareIoException(path, "poll", 0, $"revents 0x{pfd.REvents:x} (POLLERR or POLLNVAL)");
                }

                int errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR)
                {
                    throw new HardwareIoException(path, "poll", errno);
                }
            }
        }
        finally
        {
            if (added)
            {
                fd.DangerousRelease();
            }
        }
    }

    /// <summary>Creates a pipe (used by tests and by the event reader's tests); returns (read end, write end).</summary>
    public static (SafeFileDescriptorHandle Read, SafeFileDescriptorHandle Write) Pipe()
    {
        int* fds = stackalloc int[2];
        if (Libc.Pipe2(fds, Libc.O_CLOEXEC) != 0)
        {
            throw new HardwareIoException("pipe", "pipe2", Marshal.GetLastPInvokeError());
        }

        return (new SafeFileDescriptorHandle(fds[0]), new SafeFileDescriptorHandle(fds[1]));
    }
}
