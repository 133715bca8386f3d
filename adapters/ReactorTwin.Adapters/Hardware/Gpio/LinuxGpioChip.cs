using System.Globalization;
using System.Reactive.Linq;
using ReactorTwin.Adapters.Hardware.Interop;

namespace ReactorTwin.Adapters.Hardware.Gpio;

/// <summary>A /dev/gpiochipN opened through the GPIO character device v2 ioctl ABI.</summary>
internal sealed unsafe class LinuxGpioChip : GpioChip
{
    private readonly SafeFileDescriptorHandle _fd;

    private LinuxGpioChip(SafeFileDescriptorHandle fd, GpioChipInfo info)
    {
        _fd = fd;
        Info = info;
    }

    public override GpioChipInfo Info { get; }

    public static LinuxGpioChip Open(string path)
    {
        var fd = NativeFile.Open(path, Libc.O_RDWR);
        try
        {
            return new LinuxGpioChip(fd, QueryInfo(fd, path));
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    public static LinuxGpioChip OpenByLabel(IReadOnlyList<string> labels, string deviceDirectory)
    {
        var chips = Enumerate(deviceDirectory, out var failures);
        foreach (string label in labels)
        {
            var match = chips.FirstOrDefault(c => string.Equals(c.Label, label, StringComparison.Ordinal));
            if (match is not null)
            {
                return Open(match.Path);
            }
        }

        string found = chips.Count == 0 ? "no GPIO chips" : string.Join(", ", chips.Select(c => $"{c.Name} '{c.Label}'"));
        string failed = failures.Count == 0 ? string.Empty : $"; unreadable: {string.Join("; ", failures)}";
        throw new HardwareIoException(deviceDirectory, $"find GPIO chip labelled {string.Join(" or ", labels.Select(l => $"'{l}'"))}", Errno.ENODEV, $"found {found}{failed}");
    }

    public static List<GpioChipInfo> Enumerate(string deviceDirectory, out List<string> failures)
    {
        failures = [];
        var chips = new List<GpioChipInfo>();
        if (!Directory.Exists(deviceDirectory))
        {
            return chips;
        }

        var paths = Directory.EnumerateFileSystemEntries(deviceDirectory, "gpiochip*")
            .Select(p => (Path: p, Number: int.TryParse(Path.GetFileName(p).AsSpan("gpiochip".Length), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : -1))
            .Where(p => p.Number >= 0)
            .OrderBy(p => p.Number);
        foreach (var (path, _) in paths)
        {
            try
            {
                using var fd = NativeFile.Open(path, Libc.O_RDWR);
                chips.Add(QueryInfo(fd, path));
            }
            catch (HardwareIoException e)
            {
                failures.Add(e.Message);
            }
        }

        return chips;
    }

    public override GpioInputLine RequestInput(int line, GpioInputSettings? settings = null)
    {
        settings ??= new GpioInputSettings();
        CheckLine(line);
        var request = BuildInputRequest(line, settings);
        var fd = Request(ref request, line);
        return new LinuxGpioInputLine(fd, $"{Info.Path} line {line}", line, settings.Edge, settings.EventClock);
    }

    public override GpioOutputLine RequestOutput(int line, bool initialValue, GpioOutputSettings? settings = null)
    {
        settings ??= new GpioOutputSettings();
        CheckLine(line);
        var request = BuildOutputRequest(line, initialValue, settings);
        var fd = Request(ref request, line);
        return new LinuxGpioOutputLine(fd, $"{Info.Path} line {line}", line);
    }

    /// <summary>The gpio_v2_line_request for one input line (flags: INPUT, bias, edges, clock; debounce attribute).</summary>
    internal static GpioV2LineRequest BuildInputRequest(int line, GpioInputSettings settings)
    {
        ulong flags = GpioAbi.FlagInput | ActiveLow(settings.ActiveLow) | settings.Bias switch
        {
            GpioBias.PullUp => GpioAbi.FlagBiasPullUp,
            GpioBias.PullDown => GpioAbi.FlagBiasPullDown,
            GpioBias.Disabled => GpioAbi.FlagBiasDisabled,
            _ => 0UL,
        };
        if ((settings.Edge & GpioEdge.Rising) != 0)
        {
            flags |= GpioAbi.FlagEdgeRising;
        }

        if ((settings.Edge & GpioEdge.Falling) != 0)
        {
            flags |= GpioAbi.FlagEdgeFalling;
        }

        if (settings.EventClock == GpioEventClock.Realtime)
        {
            flags |= GpioAbi.FlagEventClockRealtime;
        }

        var request = NewRequest(line, settings.Consumer, flags);
        if (settings.DebouncePeriod > TimeSpan.Zero)
        {
            long us = (long)Math.Ceiling(settings.DebouncePeriod.TotalMicroseconds);
            if (us > uint.MaxValue)
            {
                throw new ArgumentOutOfRangeException(nameof(settings), settings.DebouncePeriod, "the kernel takes the debounce period in µs as a 32-bit value");
            }

            ref var attr = ref request.Config.Attrs[(int)request.Config.NumAttrs++];
            attr.Attr.Id = GpioAbi.AttrIdDebounce;
            attr.Attr.DebouncePeriodMicroseconds = (uint)us;
            attr.Mask = 1; // bit 0: the first (only) line of the request
        }

        return request;
    }

    /// <summary>The gpio_v2_line_request for one output line (flags: OUTPUT, drive; output-values attribute).</summary>
    internal static GpioV2LineRequest BuildOutputRequest(int line, bool initialValue, GpioOutputSettings settings)
    {
        ulong flags = GpioAbi.FlagOutput | ActiveLow(settings.ActiveLow) | settings.Drive switch
        {
            GpioDrive.OpenDrain => GpioAbi.FlagOpenDrain,
            GpioDrive.OpenSource => GpioAbi.FlagOpenSource,
            _ => 0UL,
        };
        var request = NewRequest(line, settings.Consumer, flags);
        ref var attr = ref request.Config.Attrs[(int)request.Config.NumAttrs++];
        attr.Attr.Id = GpioAbi.AttrIdOutputValues;
        attr.Attr.Values = initialValue ? 1UL : 0UL;
        attr.Mask = 1;
        return request;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _fd.Dispose();
        }

        base.Dispose(disposing);
    }

    private static ulong ActiveLow(bool activeLow) => activeLow ? GpioAbi.FlagActiveLow : 0UL;

    private static GpioChipInfo QueryInfo(SafeFileDescriptorHandle fd, string path)
    {
        GpioChipInfoNative info = default;
        NativeFile.Ioctl(fd, GpioAbi.GetChipInfoIoctl, &info, path, "GPIO_GET_CHIPINFO_IOCTL");
        return new GpioChipInfo(path, GpioAbi.ReadName(info.Name, GpioAbi.MaxNameSize), GpioAbi.ReadName(info.Label, GpioAbi.MaxNameSize), (int)info.Lines);
    }

    private static GpioV2LineRequest NewRequest(int line, string consumer, ulong flags)
    {
        GpioV2LineRequest request = default;
        request.Offsets[0] = (uint)line;
        request.NumLines = 1;
        GpioAbi.WriteName(request.Consumer, GpioAbi.MaxNameSize, consumer);
        request.Config.Flags = flags;
        return request;
    }

    private void CheckLine(int line)
    {
        if (line < 0 || line >= Info.LineCount)
        {
            throw new ArgumentOutOfRangeException(nameof(line), line, $"{Info.Path} ('{Info.Label}') has lines 0..{Info.LineCount - 1}");
        }

        ObjectDisposedException.ThrowIf(_fd.IsClosed, this);
    }

    private SafeFileDescriptorHandle Request(ref GpioV2LineRequest request, int line)
    {
        fixed (GpioV2LineRequest* p = &request)
        {
            NativeFile.Ioctl(_fd, GpioAbi.GetLineIoctl, p, Info.Path, $"GPIO_V2_GET_LINE_IOCTL line {line}");
        }

        return new SafeFileDescriptorHandle(request.Fd);
    }
}

/// <summary>Common part of a single-line request fd: reading values.</summary>
internal static unsafe class LinuxGpioLineValues
{
    public static bool Get(SafeFileDescriptorHandle fd, string path)
    {
        var values = new GpioV2LineValues { Mask = 1 };
        NativeFile.Ioctl(fd, GpioAbi.LineGetValuesIoctl, &values, path, "GPIO_V2_LINE_GET_VALUES_IOCTL");
        return (values.Bits & 1) != 0;
    }

    public static void Set(SafeFileDescriptorHandle fd, string path, bool value)
    {
        var values = new GpioV2LineValues { Mask = 1, Bits = value ? 1UL : 0UL };
        NativeFile.Ioctl(fd, GpioAbi.LineSetValuesIoctl, &values, path, "GPIO_V2_LINE_SET_VALUES_IOCTL");
    }
}

/// <summary>A single-line input request.</summary>
internal sealed class LinuxGpioInputLine : GpioInputLine
{
    private readonly SafeFileDescriptorHandle _fd;
    private readonly string _path;

    public LinuxGpioInputLine(SafeFileDescriptorHandle fd, string path, int offset, GpioEdge edges, GpioEventClock clock)
    {
        _fd = fd;
        _path = path;
        Offset = offset;
        Edges = edges == GpioEdge.None
            ? Observable.Empty<GpioEdgeEvent>()
            : GpioEventReader.Observe(fd, path, clock).Publish().RefCount();
    }

    public override int Offset { get; }

    public override IObservable<GpioEdgeEvent> Edges { get; }

    public override bool Read() => LinuxGpioLineValues.Get(_fd, _path);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _fd.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>A single-line output request.</summary>
internal sealed class LinuxGpioOutputLine(SafeFileDescriptorHandle fd, string path, int offset) : GpioOutputLine
{
    public override int Offset { get; } = offset;

    public override bool Read() => LinuxGpioLineValues.Get(fd, path);

    public override void Write(bool value) => LinuxGpioLineValues.Set(fd, path, value);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            fd.Dispose();
        }

        base.Dispose(disposing);
    }
}
