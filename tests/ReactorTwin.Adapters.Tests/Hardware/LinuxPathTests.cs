using System.Runtime.InteropServices;
using System.Text;
using ReactorTwin.Adapters.Hardware;
using ReactorTwin.Adapters.Hardware.Gpio;
using ReactorTwin.Adapters.Hardware.I2c;
using ReactorTwin.Adapters.Hardware.Interop;

namespace ReactorTwin.Adapters.Tests.Hardware;

/// <summary>
/// The Linux GPIO and I2C code paths as far as they run without the kernel drivers: the exact line requests handed
/// to GPIO_V2_GET_LINE_IOCTL (read back at gcc's offsets), and the I2C / line-value calls on pipe descriptors.
/// </summary>
public sealed class LinuxPathTests
{
    [Fact]
    public void BuildInputRequest_AllOptions_SetsFlagsDebounceAndConsumer()
    {
        var request = LinuxGpioChip.BuildInputRequest(17, new GpioInputSettings
        {
            Bias = GpioBias.PullUp,
            Edge = GpioEdge.Both,
            DebouncePeriod = TimeSpan.FromMilliseconds(5),
            EventClock = GpioEventClock.Realtime,
            ActiveLow = true,
            Consumer = "reactortwin-level-switch-of-vessel-one",
        });
        byte[] bytes = Bytes(request);

        Assert.Equal(17u, U32(bytes, "gpio_v2_line_request.offsets"));
        Assert.Equal(1u, U32(bytes, "gpio_v2_line_request.num_lines"));
        Assert.Equal(0u, U32(bytes, "gpio_v2_line_request.event_buffer_size"));
        ulong expectedFlags = GpioAbi.FlagInput | GpioAbi.FlagBiasPullUp | GpioAbi.FlagEdgeRising | GpioAbi.FlagEdgeFalling
            | GpioAbi.FlagEventClockRealtime | GpioAbi.FlagActiveLow;
        int config = At("gpio_v2_line_request.config");
        Assert.Equal(expectedFlags, BitConverter.ToUInt64(bytes, config + At("gpio_v2_line_config.flags")));
        Assert.Equal(1u, BitConverter.ToUInt32(bytes, config + At("gpio_v2_line_config.num_attrs")));
        int attr0 = config + At("gpio_v2_line_config.attrs");
        Assert.Equal(GpioAbi.AttrIdDebounce, BitConverter.ToUInt32(bytes, attr0 + At("gpio_v2_line_attribute.id")));
        Assert.Equal(5000u, BitConverter.ToUInt32(bytes, attr0 + At("gpio_v2_line_attribute.debounce_period_us")));
        Assert.Equal(1ul, BitConverter.ToUInt64(bytes, attr0 + At("gpio_v2_line_config_attribute.mask")));

        int consumer = At("gpio_v2_line_request.consumer");
        Assert.Equal("reactortwin-level-switch-of-ves", Encoding.ASCII.GetString(bytes, consumer, 31)); // 31 chars + NUL
        Assert.Equal(0, bytes[consumer + 31]);
        Assert.All(bytes.AsSpan(At("gpio_v2_line_request.padding"), 20).ToArray(), b => Assert.Equal(0, b)); // kernel rejects non-zero padding
    }

    [Fact]
    public void BuildInputRequest_Defaults_IsPlainInputWithoutAttributes()
    {
        var request = LinuxGpioChip.BuildInputRequest(4, new GpioInputSettings());
        Assert.Equal(GpioAbi.FlagInput, request.Config.Flags);
        Assert.Equal(0u, request.Config.NumAttrs);
    }

    [Fact]
    public void BuildOutputRequest_OpenDrainHigh_SetsOutputValuesAttribute()
    {
        var request = LinuxGpioChip.BuildOutputRequest(27, true, new GpioOutputSettings { Drive = GpioDrive.OpenDrain });
        byte[] bytes = Bytes(request);
        int config = At("gpio_v2_line_request.config");
        Assert.Equal(GpioAbi.FlagOutput | GpioAbi.FlagOpenDrain, BitConverter.ToUInt64(bytes, config + At("gpio_v2_line_config.flags")));
        int attr0 = config + At("gpio_v2_line_config.attrs");
        Assert.Equal(GpioAbi.AttrIdOutputValues, BitConverter.ToUInt32(bytes, attr0 + At("gpio_v2_line_attribute.id")));
        Assert.Equal(1ul, BitConverter.ToUInt64(bytes, attr0 + At("gpio_v2_line_attribute.values")));
        Assert.Equal(1ul, BitConverter.ToUInt64(bytes, attr0 + At("gpio_v2_line_config_attribute.mask")));
    }

    [Fact]
    public void BuildInputRequest_DebounceBeyond32BitMicroseconds_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => LinuxGpioChip.BuildInputRequest(1, new GpioInputSettings { DebouncePeriod = TimeSpan.FromHours(2) }));

    [Fact]
    public void LineValues_OnPipe_FailWithEnottyNamingTheIoctl()
    {
        var (read, write) = NativeFile.Pipe();
        using var output = new LinuxGpioOutputLine(write, "/dev/gpiochip0 line 17", 17);
        using var input = new LinuxGpioInputLine(read, "/dev/gpiochip0 line 27", 27, GpioEdge.None, GpioEventClock.Monotonic);
        var set = Assert.Throws<HardwareIoException>(() => output.Write(true));
        Assert.Equal(("ioctl(GPIO_V2_LINE_SET_VALUES_IOCTL)", "ENOTTY", "/dev/gpiochip0 line 17"), (set.Operation, set.ErrnoName, set.DevicePath));
        var get = Assert.Throws<HardwareIoException>(() => input.Read());
        Assert.Equal("ioctl(GPIO_V2_LINE_GET_VALUES_IOCTL)", get.Operation);
    }

    [Fact]
    public void I2cReadWrite_OverPipe_PassBytesAndDetectShortReads()
    {
        var (read, write) = NativeFile.Pipe();
        var settings = new I2cConnectionSettings(1, 0x48);
        using var writer = new LinuxI2cDevice(write, "/dev/i2c-1", settings, 0);
        using var reader = new LinuxI2cDevice(read, "/dev/i2c-1", settings, 0);
        writer.Write([0x01, 0xC3, 0x83]);
        byte[] buffer = new byte[3];
        reader.Read(buffer);
        Assert.Equal(new byte[] { 0x01, 0xC3, 0x83 }, buffer);

        writer.WriteByte(0x7F);
        var e = Assert.Throws<HardwareIoException>(() => reader.Read(new byte[2]));
        Assert.Contains("short read: 1 of 2 bytes", e.Message, StringComparison.Ordinal);
        Assert.Contains("read from 0x48", e.Operation, StringComparison.Ordinal);
    }

    [Fact]
    public void I2cWriteRead_WithFuncI2c_UsesRdwrIoctl()
    {
        var (read, write) = NativeFile.Pipe();
        using var _ = new LinuxI2cDevice(write, "/dev/i2c-1", new I2cConnectionSettings(1, 0x48), 0);
        using var device = new LinuxI2cDevice(read, "/dev/i2c-1", new I2cConnectionSettings(1, 0x48), I2cAbi.FuncI2c);
        Assert.True(device.SupportsCombinedTransfers);
        var e = Assert.Throws<HardwareIoException>(() => device.WriteRead([0x00], new byte[2]));
        Assert.Equal(("ioctl(I2C_RDWR 0x48)", "ENOTTY"), (e.Operation, e.ErrnoName));
    }

    [Fact]
    public void I2cWriteRead_WithoutFuncI2c_FallsBackToWriteThenRead()
    {
        var (read, write) = NativeFile.Pipe();
        using var _ = new LinuxI2cDevice(read, "/dev/i2c-1", new I2cConnectionSettings(1, 0x48), 0);
        using var device = new LinuxI2cDevice(write, "/dev/i2c-1", new I2cConnectionSettings(1, 0x48), 0);
        Assert.False(device.SupportsCombinedTransfers);
        // The write succeeds on the pipe's write end; the separate read(2) on it fails with EBADF.
        var e = Assert.Throws<HardwareIoException>(() => device.WriteRead([0x00], new byte[2]));
        Assert.Equal(("read", "EBADF"), (e.Operation, e.ErrnoName));
    }

    [Fact]
    public void I2cConnectionSettings_AddressOutside7BitRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => I2cDevice.CreateLinux(new I2cConnectionSettings(1, 0x78)));
        Assert.Throws<ArgumentOutOfRangeException>(() => I2cDevice.CreateLinux(new I2cConnectionSettings(1, 0x02)));
        Assert.Throws<ArgumentOutOfRangeException>(() => I2cDevice.CreateLinux(new I2cConnectionSettings(-1, 0x48)));
    }

    private static int At(string key) => (int)NativeAbi.Get(key);

    private static uint U32(byte[] bytes, string key) => BitConverter.ToUInt32(bytes, At(key));

    private static byte[] Bytes(GpioV2LineRequest request)
    {
        byte[] bytes = new byte[Marshal.SizeOf<GpioV2LineRequest>()];
        MemoryMarshal.Write(bytes, in request);
        return bytes;
    }
}
