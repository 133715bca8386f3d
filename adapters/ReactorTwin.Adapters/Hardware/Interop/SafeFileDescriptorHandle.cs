using Microsoft.Win32.SafeHandles;

namespace ReactorTwin.Adapters.Hardware.Interop;

/// <summary>Owns one Linux file descriptor and closes it exactly once.</summary>
internal sealed class SafeFileDescriptorHandle : SafeHandleMinusOneIsInvalid
{
    /// <summary>Used by the marshaller.</summary>
    public SafeFileDescriptorHandle()
        : base(ownsHandle: true)
    {
    }

    /// <summary>Takes ownership of <paramref name="fd"/>.</summary>
    public SafeFileDescriptorHandle(int fd)
        : base(ownsHandle: true)
    {
        SetHandle(fd);
    }

    /// <summary>The descriptor number (valid only while the handle is open).</summary>
    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
}
