using System.Reactive.Linq;
using System.Runtime.InteropServices;
using ReactorTwin.Adapters.Hardware.Interop;

namespace ReactorTwin.Adapters.Hardware.Gpio;

/// <summary>
/// Reads struct gpio_v2_line_event records from a line request fd on a dedicated thread (poll with a short timeout
/// so that unsubscribing stops it promptly) and publishes them as <see cref="GpioEdgeEvent"/>.
/// </summary>
internal static class GpioEventReader
{
    /// <summary>Events read per read(2) call.</summary>
    public const int BatchSize = 16;

    /// <summary>poll timeout between cancellation checks.</summary>
    public const int PollTimeoutMilliseconds = 50;

    public static IObservable<GpioEdgeEvent> Observe(SafeFileDescriptorHandle fd, string path, GpioEventClock clock) =>
        Observable.Create<GpioEdgeEvent>(observer =>
        {
            var cts = new CancellationTokenSource();
            var thread = new Thread(() => Run(fd, path, clock, observer, cts.Token))
            {
                IsBackground = true,
                Name = $"gpio events {path}",
            };
            thread.Start();
            return () =>
            {
                cts.Cancel();
                if (Thread.CurrentThread != thread)
                {
                    thread.Join();
                }

                cts.Dispose();
            };
        });

    /// <summary>Decodes one kernel event record.</summary>
    public static GpioEdgeEvent Decode(ReadOnlySpan<byte> record, GpioEventClock clock, string path)
    {
        var raw = MemoryMarshal.Read<GpioV2LineEvent>(record);
        var edge = raw.Id switch
        {
            GpioAbi.EventRisingEdge => GpioEdge.Rising,
            GpioAbi.EventFallingEdge => GpioEdge.Falling,
            _ => throw new HardwareIoException(path, "read(gpio_v2_line_event)", 0, $"unknown event id {raw.Id}"),
        };
        return new GpioEdgeEvent((int)raw.Offset, edge, (long)raw.TimestampNs, clock, raw.Seqno, raw.LineSeqno);
    }

    private static void Run(SafeFileDescriptorHandle fd, string path, GpioEventClock clock, IObserver<GpioEdgeEvent> observer, CancellationToken token)
    {
        int recordSize = Marshal.SizeOf<GpioV2LineEvent>();
        byte[] buffer = new byte[recordSize * BatchSize];
        try
        {
            while (!token.IsCancellationRequested)
            {
                if (fd.IsClosed)
                {
                    observer.OnCompleted();
                    return;
                }

                if (!NativeFile.PollReadable(fd, PollTimeoutMilliseconds, path))
                {
                    continue;
                }

                int n = NativeFile.Read(fd, buffer, path);
                if (n == 0)
                {
                    observer.OnCompleted();
                    return;
                }

                if (n % recordSize != 0)
                {
                    throw new HardwareIoException(path, "read(gpio_v2_line_event)", 0, $"{n} bytes is not a whole number of {recordSize}-byte events");
                }

                for (int i = 0; i < n; i += recordSize)
                {
                    observer.OnNext(Decode(buffer.AsSpan(i, recordSize), clock, path));
                }
            }
        }
        catch (HardwareIoException e) when (!token.IsCancellationRequested)
        {
            observer.OnError(e);
        }
        catch (ObjectDisposedException)
        {
            observer.OnCompleted();
        }
    }
}
