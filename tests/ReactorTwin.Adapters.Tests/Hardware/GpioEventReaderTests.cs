using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Runtime.InteropServices;
using ReactorTwin.Adapters.Hardware;
using ReactorTwin.Adapters.Hardware.Gpio;
using ReactorTwin.Adapters.Hardware.Interop;

namespace ReactorTwin.Adapters.Tests.Hardware;

/// <summary>
/// The edge-event reader runs its real poll/read loop on a pipe into which the test writes gpio_v2_line_event
/// records exactly as the kernel lays them out.
/// </summary>
public sealed class GpioEventReaderTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Observe_KernelRecordsOnPipe_DecodesEdgesWithTimestamps()
    {
        var (read, write) = NativeFile.Pipe();
        using (read)
        using (write)
        {
            var events = GpioEventReader.Observe(read, "pipe", GpioEventClock.Monotonic).Take(3).ToList().ToTask();
            byte[] batch = [.. Record(1_000_000_123, GpioAbi.EventRisingEdge, 17, 1, 1), .. Record(1_000_500_000, GpioAbi.EventFallingEdge, 17, 2, 2)];
            NativeFile.Write(write, batch, "pipe");
            NativeFile.Write(write, Record(2_000_000_000, GpioAbi.EventRisingEdge, 27, 3, 1), "pipe");

            var list = await events.WaitAsync(Timeout);
            Assert.Equal(
                [
                    new GpioEdgeEvent(17, GpioEdge.Rising, 1_000_000_123, GpioEventClock.Monotonic, 1, 1),
                    new GpioEdgeEvent(17, GpioEdge.Falling, 1_000_500_000, GpioEventClock.Monotonic, 2, 2),
                    new GpioEdgeEvent(27, GpioEdge.Rising, 2_000_000_000, GpioEventClock.Monotonic, 3, 1),
                ],
                list);
        }
    }

    [Fact]
    public async Task Observe_WriterClosed_Completes()
    {
        var (read, write) = NativeFile.Pipe();
        using (read)
        {
            var done = GpioEventReader.Observe(read, "pipe", GpioEventClock.Monotonic).ToList().ToTask();
            write.Dispose();
            Assert.Empty(await done.WaitAsync(Timeout)); // POLLHUP, then read(2) returns 0: end of stream
        }
    }

    [Fact]
    public async Task Observe_PartialRecord_ErrorsWithHardwareIoException()
    {
        var (read, write) = NativeFile.Pipe();
        using (read)
        using (write)
        {
            var done = GpioEventReader.Observe(read, "pipe", GpioEventClock.Monotonic).ToList().ToTask();
            NativeFile.Write(write, new byte[20], "pipe");
            var e = await Assert.ThrowsAsync<HardwareIoException>(() => done.WaitAsync(Timeout));
            Assert.Contains("not a whole number", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Decode_UnknownEventId_Throws()
    {
        byte[] record = Record(5, 9, 1, 1, 1);
        Assert.Throws<HardwareIoException>(() => GpioEventReader.Decode(record, GpioEventClock.Monotonic, "x"));
    }

    [Fact]
    public void RealtimeTimestamp_ConvertsNanosecondsSinceEpoch()
    {
        var e = new GpioEdgeEvent(4, GpioEdge.Rising, 1_700_000_000_123_456_700, GpioEventClock.Realtime, 1, 1);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000).AddTicks(1_234_567), e.RealtimeTimestamp);
    }

    private static byte[] Record(ulong timestampNs, uint id, uint offset, uint seqno, uint lineSeqno)
    {
        var raw = new GpioV2LineEvent { TimestampNs = timestampNs, Id = id, Offset = offset, Seqno = seqno, LineSeqno = lineSeqno };
        byte[] bytes = new byte[Marshal.SizeOf<GpioV2LineEvent>()];
        MemoryMarshal.Write(bytes, in raw);
        return bytes;
    }
}
