using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ReactorTwin.Adapters.Hardware.Interop;

namespace ReactorTwin.Adapters.Hardware.Gpio;

/// <summary>
/// The GPIO character device v2 ABI of include/uapi/linux/gpio.h. Every struct uses explicit offsets: the kernel
/// declares its 64-bit members <c>__aligned_u64</c>, so the layout is the same on 32- and 64-bit ARM; tests compare
/// each size and offset with what gcc computes from the installed kernel headers.
/// </summary>
internal static unsafe class GpioAbi
{
    public const int MaxNameSize = 32;
    public const int LinesMax = 64;
    public const int LineNumAttrsMax = 10;
    private const uint GpioIoctlType = 0xB4;

    public const ulong FlagUsed = 1UL << 0;
    public const ulong FlagActiveLow = 1UL << 1;
    public const ulong FlagInput = 1UL << 2;
    public const ulong FlagOutput = 1UL << 3;
    public const ulong FlagEdgeRising = 1UL << 4;
    public const ulong FlagEdgeFalling = 1UL << 5;
    public const ulong FlagOpenDrain = 1UL << 6;
    public const ulong FlagOpenSource = 1UL << 7;
    public const ulong FlagBiasPullUp = 1UL << 8;
    public const ulong FlagBiasPullDown = 1UL << 9;
    public const ulong FlagBiasDisabled = 1UL << 10;
    public const ulong FlagEventClockRealtime = 1UL << 11;

    public const uint AttrIdFlags = 1;
    public const uint AttrIdOutputValues = 2;
    public const uint AttrIdDebounce = 3;

    public const uint EventRisingEdge = 1;
    public const uint EventFallingEdge = 2;

    /// <summary>GPIO_GET_CHIPINFO_IOCTL = _IOR(0xB4, 0x01, struct gpiochip_info).</summary>
    public static uint GetChipInfoIoctl => IoctlNumber.Ior(GpioIoctlType, 0x01, sizeof(GpioChipInfoNative));

    /// <summary>GPIO_V2_GET_LINEINFO_IOCTL = _IOWR(0xB4, 0x05, struct gpio_v2_line_info).</summary>
    public static uint GetLineInfoIoctl => IoctlNumber.Iowr(GpioIoctlType, 0x05, sizeof(GpioV2LineInfo));

    /// <summary>GPIO_V2_GET_LINE_IOCTL = _IOWR(0xB4, 0x07, struct gpio_v2_line_request).</summary>
    public static uint GetLineIoctl => IoctlNumber.Iowr(GpioIoctlType, 0x07, sizeof(GpioV2LineRequest));

    /// <summary>GPIO_V2_LINE_SET_CONFIG_IOCTL = _IOWR(0xB4, 0x0D, struct gpio_v2_line_config).</summary>
    public static uint LineSetConfigIoctl => IoctlNumber.Iowr(GpioIoctlType, 0x0D, sizeof(GpioV2LineConfig));

    /// <summary>GPIO_V2_LINE_GET_VALUES_IOCTL = _IOWR(0xB4, 0x0E, struct gpio_v2_line_values).</summary>
    public static uint LineGetValuesIoctl => IoctlNumber.Iowr(GpioIoctlType, 0x0E, sizeof(GpioV2LineValues));

    /// <summary>GPIO_V2_LINE_SET_VALUES_IOCTL = _IOWR(0xB4, 0x0F, struct gpio_v2_line_values).</summary>
    public static uint LineSetValuesIoctl => IoctlNumber.Iowr(GpioIoctlType, 0x0F, sizeof(GpioV2LineValues));

    /// <summary>Reads a NUL-terminated ASCII name from a fixed kernel buffer.</summary>
    public static string ReadName(byte* buffer, int capacity)
    {
        var span = new ReadOnlySpan<byte>(buffer, capacity);
        int end = span.IndexOf((byte)0);
        return System.Text.Encoding.ASCII.GetString(end < 0 ? span : span[..end]);
    }

    /// <summary>Writes <paramref name="text"/> NUL-terminated (truncated to fit) into a fixed kernel buffer.</summary>
    public static void WriteName(byte* buffer, int capacity, string text)
    {
        var span = new Span<byte>(buffer, capacity);
        span.Clear();
        int n = System.Text.Encoding.ASCII.GetBytes(text.AsSpan(0, Math.Min(text.Length, capacity - 1)), span);
        span[n] = 0;
    }
}

/// <summary>struct gpiochip_info.</summary>
[StructLayout(LayoutKind.Explicit, Size = 68)]
internal unsafe struct GpioChipInfoNative
{
    [FieldOffset(0)] public fixed byte Name[GpioAbi.MaxNameSize];
    [FieldOffset(32)] public fixed byte Label[GpioAbi.MaxNameSize];
    [FieldOffset(64)] public uint Lines;
}

/// <summary>struct gpio_v2_line_values.</summary>
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal struct GpioV2LineValues
{
    [FieldOffset(0)] public ulong Bits;
    [FieldOffset(8)] public ulong Mask;
}

/// <summary>struct gpio_v2_line_attribute (the union of flags / values / debounce_period_us at offset 8).</summary>
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal struct GpioV2LineAttribute
{
    [FieldOffset(0)] public uint Id;
    [FieldOffset(4)] public uint Padding;
    [FieldOffset(8)] public ulong Flags;
    [FieldOffset(8)] public ulong Values;
    [FieldOffset(8)] public uint DebouncePeriodMicroseconds;
}

/// <summary>struct gpio_v2_line_config_attribute.</summary>
[StructLayout(LayoutKind.Explicit, Size = 24)]
internal struct GpioV2LineConfigAttribute
{
    [FieldOffset(0)] public GpioV2LineAttribute Attr;
    [FieldOffset(16)] public ulong Mask;
}

/// <summary>GPIO_V2_LINE_NUM_ATTRS_MAX config attributes.</summary>
[InlineArray(GpioAbi.LineNumAttrsMax)]
internal struct GpioV2LineConfigAttributes
{
    private GpioV2LineConfigAttribute _element;
}

/// <summary>GPIO_V2_LINE_NUM_ATTRS_MAX line attributes.</summary>
[InlineArray(GpioAbi.LineNumAttrsMax)]
internal struct GpioV2LineAttributes
{
    private GpioV2LineAttribute _element;
}

/// <summary>struct gpio_v2_line_config.</summary>
[StructLayout(LayoutKind.Explicit, Size = 272)]
internal unsafe struct GpioV2LineConfig
{
    [FieldOffset(0)] public ulong Flags;
    [FieldOffset(8)] public uint NumAttrs;
    [FieldOffset(12)] public fixed uint Padding[5];
    [FieldOffset(32)] public GpioV2LineConfigAttributes Attrs;
}

/// <summary>struct gpio_v2_line_request.</summary>
[StructLayout(LayoutKind.Explicit, Size = 592)]
internal unsafe struct GpioV2LineRequest
{
    [FieldOffset(0)] public fixed uint Offsets[GpioAbi.LinesMax];
    [FieldOffset(256)] public fixed byte Consumer[GpioAbi.MaxNameSize];
    [FieldOffset(288)] public GpioV2LineConfig Config;
    [FieldOffset(560)] public uint NumLines;
    [FieldOffset(564)] public uint EventBufferSize;
    [FieldOffset(568)] public fixed uint Padding[5];
    [FieldOffset(588)] public int Fd;
}

/// <summary>struct gpio_v2_line_info.</summary>
[StructLayout(LayoutKind.Explicit, Size = 256)]
internal unsafe struct GpioV2LineInfo
{
    [FieldOffset(0)] public fixed byte Name[GpioAbi.MaxNameSize];
    [FieldOffset(32)] public fixed byte Consumer[GpioAbi.MaxNameSize];
    [FieldOffset(64)] public uint Offset;
    [FieldOffset(68)] public uint NumAttrs;
    [FieldOffset(72)] public ulong Flags;
    [FieldOffset(80)] public GpioV2LineAttributes Attrs;
    [FieldOffset(240)] public fixed uint Padding[4];
}

/// <summary>struct gpio_v2_line_event, as read(2) from a line request fd.</summary>
[StructLayout(LayoutKind.Explicit, Size = 48)]
internal unsafe struct GpioV2LineEvent
{
    [FieldOffset(0)] public ulong TimestampNs;
    [FieldOffset(8)] public uint Id;
    [FieldOffset(12)] public uint Offset;
    [FieldOffset(16)] public uint Seqno;
    [FieldOffset(20)] public uint LineSeqno;
    [FieldOffset(24)] public fixed uint Padding[6];
}
