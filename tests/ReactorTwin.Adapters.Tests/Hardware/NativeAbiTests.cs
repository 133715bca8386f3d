using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ReactorTwin.Adapters.Hardware.Gpio;
using ReactorTwin.Adapters.Hardware.I2c;
using ReactorTwin.Adapters.Hardware.Interop;

namespace ReactorTwin.Adapters.Tests.Hardware;

/// <summary>Every struct size, field offset, ioctl number and constant of the interop layer against gcc + kernel headers.</summary>
public sealed class NativeAbiTests
{
    public static TheoryData<string, ulong> GpioLayout() => new()
    {
        { "gpiochip_info.size", (ulong)Unsafe.SizeOf<GpioChipInfoNative>() },
        { "gpiochip_info.name", Off<GpioChipInfoNative>("Name") },
        { "gpiochip_info.label", Off<GpioChipInfoNative>("Label") },
        { "gpiochip_info.lines", Off<GpioChipInfoNative>("Lines") },
        { "gpio_v2_line_values.size", (ulong)Unsafe.SizeOf<GpioV2LineValues>() },
        { "gpio_v2_line_values.bits", Off<GpioV2LineValues>("Bits") },
        { "gpio_v2_line_values.mask", Off<GpioV2LineValues>("Mask") },
        { "gpio_v2_line_attribute.size", (ulong)Unsafe.SizeOf<GpioV2LineAttribute>() },
        { "gpio_v2_line_attribute.id", Off<GpioV2LineAttribute>("Id") },
        { "gpio_v2_line_attribute.padding", Off<GpioV2LineAttribute>("Padding") },
        { "gpio_v2_line_attribute.flags", Off<GpioV2LineAttribute>("Flags") },
        { "gpio_v2_line_attribute.values", Off<GpioV2LineAttribute>("Values") },
        { "gpio_v2_line_attribute.debounce_period_us", Off<GpioV2LineAttribute>("DebouncePeriodMicroseconds") },
        { "gpio_v2_line_config_attribute.size", (ulong)Unsafe.SizeOf<GpioV2LineConfigAttribute>() },
        { "gpio_v2_line_config_attribute.attr", Off<GpioV2LineConfigAttribute>("Attr") },
        { "gpio_v2_line_config_attribute.mask", Off<GpioV2LineConfigAttribute>("Mask") },
        { "gpio_v2_line_config.size", (ulong)Unsafe.SizeOf<GpioV2LineConfig>() },
        { "gpio_v2_line_config.flags", Off<GpioV2LineConfig>("Flags") },
        { "gpio_v2_line_config.num_attrs", Off<GpioV2LineConfig>("NumAttrs") },
        { "gpio_v2_line_config.padding", Off<GpioV2LineConfig>("Padding") },
        { "gpio_v2_line_config.attrs", Off<GpioV2LineConfig>("Attrs") },
        { "gpio_v2_line_request.size", (ulong)Unsafe.SizeOf<GpioV2LineRequest>() },
        { "gpio_v2_line_request.offsets", Off<GpioV2LineRequest>("Offsets") },
        { "gpio_v2_line_request.consumer", Off<GpioV2LineRequest>("Consumer") },
        { "gpio_v2_line_request.config", Off<GpioV2LineRequest>("Config") },
        { "gpio_v2_line_request.num_lines", Off<GpioV2LineRequest>("NumLines") },
        { "gpio_v2_line_request.event_buffer_size", Off<GpioV2LineRequest>("EventBufferSize") },
        { "gpio_v2_line_request.padding", Off<GpioV2LineRequest>("Padding") },
        { "gpio_v2_line_request.fd", Off<GpioV2LineRequest>("Fd") },
        { "gpio_v2_line_info.size", (ulong)Unsafe.SizeOf<GpioV2LineInfo>() },
        { "gpio_v2_line_info.name", Off<GpioV2LineInfo>("Name") },
        { "gpio_v2_line_info.consumer", Off<GpioV2LineInfo>("Consumer") },
        { "gpio_v2_line_info.offset", Off<GpioV2LineInfo>("Offset") },
        { "gpio_v2_line_info.num_attrs", Off<GpioV2LineInfo>("NumAttrs") },
        { "gpio_v2_line_info.flags", Off<GpioV2LineInfo>("Flags") },
        { "gpio_v2_line_info.attrs", Off<GpioV2LineInfo>("Attrs") },
        { "gpio_v2_line_info.padding", Off<GpioV2LineInfo>("Padding") },
        { "gpio_v2_line_event.size", (ulong)Unsafe.SizeOf<GpioV2LineEvent>() },
        { "gpio_v2_line_event.timestamp_ns", Off<GpioV2LineEvent>("TimestampNs") },
        { "gpio_v2_line_event.id", Off<GpioV2LineEvent>("Id") },
        { "gpio_v2_line_event.offset", Off<GpioV2LineEvent>("Offset") },
        { "gpio_v2_line_event.seqno", Off<GpioV2LineEvent>("Seqno") },
        { "gpio_v2_line_event.line_seqno", Off<GpioV2LineEvent>("LineSeqno") },
        { "gpio_v2_line_event.padding", Off<GpioV2LineEvent>("Padding") },
    };

    public static TheoryData<string, ulong> Constants() => new()
    {
        { "GPIO_GET_CHIPINFO_IOCTL", GpioAbi.GetChipInfoIoctl },
        { "GPIO_V2_GET_LINEINFO_IOCTL", GpioAbi.GetLineInfoIoctl },
        { "GPIO_V2_GET_LINE_IOCTL", GpioAbi.GetLineIoctl },
        { "GPIO_V2_LINE_SET_CONFIG_IOCTL", GpioAbi.LineSetConfigIoctl },
        { "GPIO_V2_LINE_GET_VALUES_IOCTL", GpioAbi.LineGetValuesIoctl },
        { "GPIO_V2_LINE_SET_VALUES_IOCTL", GpioAbi.LineSetValuesIoctl },
        { "GPIO_MAX_NAME_SIZE", GpioAbi.MaxNameSize },
        { "GPIO_V2_LINES_MAX", GpioAbi.LinesMax },
        { "GPIO_V2_LINE_NUM_ATTRS_MAX", GpioAbi.LineNumAttrsMax },
        { "GPIO_V2_LINE_FLAG_USED", GpioAbi.FlagUsed },
        { "GPIO_V2_LINE_FLAG_ACTIVE_LOW", GpioAbi.FlagActiveLow },
        { "GPIO_V2_LINE_FLAG_INPUT", GpioAbi.FlagInput },
        { "GPIO_V2_LINE_FLAG_OUTPUT", GpioAbi.FlagOutput },
        { "GPIO_V2_LINE_FLAG_EDGE_RISING", GpioAbi.FlagEdgeRising },
        { "GPIO_V2_LINE_FLAG_EDGE_FALLING", GpioAbi.FlagEdgeFalling },
        { "GPIO_V2_LINE_FLAG_OPEN_DRAIN", GpioAbi.FlagOpenDrain },
        { "GPIO_V2_LINE_FLAG_OPEN_SOURCE", GpioAbi.FlagOpenSource },
        { "GPIO_V2_LINE_FLAG_BIAS_PULL_UP", GpioAbi.FlagBiasPullUp },
        { "GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN", GpioAbi.FlagBiasPullDown },
        { "GPIO_V2_LINE_FLAG_BIAS_DISABLED", GpioAbi.FlagBiasDisabled },
        { "GPIO_V2_LINE_FLAG_EVENT_CLOCK_REALTIME", GpioAbi.FlagEventClockRealtime },
        { "GPIO_V2_LINE_ATTR_ID_FLAGS", GpioAbi.AttrIdFlags },
        { "GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES", GpioAbi.AttrIdOutputValues },
        { "GPIO_V2_LINE_ATTR_ID_DEBOUNCE", GpioAbi.AttrIdDebounce },
        { "GPIO_V2_LINE_EVENT_RISING_EDGE", GpioAbi.EventRisingEdge },
        { "GPIO_V2_LINE_EVENT_FALLING_EDGE", GpioAbi.EventFallingEdge },
        { "I2C_SLAVE", I2cAbi.I2cSlave },
        { "I2C_FUNCS", I2cAbi.I2cFuncs },
        { "I2C_RDWR", I2cAbi.I2cRdwr },
        { "I2C_M_RD", I2cAbi.MessageRead },
        { "I2C_FUNC_I2C", I2cAbi.FuncI2c },
        { "I2C_RDWR_IOCTL_MAX_MSGS", I2cAbi.RdwrMaxMessages },
        { "O_CLOEXEC", Libc.O_CLOEXEC },
        { "O_NONBLOCK", Libc.O_NONBLOCK },
        { "O_RDWR", Libc.O_RDWR },
        { "O_WRONLY", Libc.O_WRONLY },
        { "POLLIN", (ulong)Libc.POLLIN },
        { "POLLERR", (ulong)Libc.POLLERR },
        { "POLLHUP", (ulong)Libc.POLLHUP },
        { "POLLNVAL", (ulong)Libc.POLLNVAL },
        { "EPERM", Errno.EPERM },
        { "ENOENT", Errno.ENOENT },
        { "EINTR", Errno.EINTR },
        { "EIO", Errno.EIO },
        { "ENXIO", Errno.ENXIO },
        { "EBADF", Errno.EBADF },
        { "EAGAIN", Errno.EAGAIN },
        { "ENOMEM", Errno.ENOMEM },
        { "EACCES", Errno.EACCES },
        { "EFAULT", Errno.EFAULT },
        { "EBUSY", Errno.EBUSY },
        { "ENODEV", Errno.ENODEV },
        { "ENOTDIR", Errno.ENOTDIR },
        { "EISDIR", Errno.EISDIR },
        { "EINVAL", Errno.EINVAL },
        { "ENOTTY", Errno.ENOTTY },
        { "ENOSYS", Errno.ENOSYS },
        { "EOPNOTSUPP", Errno.EOPNOTSUPP },
        { "ETIMEDOUT", Errno.ETIMEDOUT },
        { "EREMOTEIO", Errno.EREMOTEIO },
    };

    [Theory]
    [MemberData(nameof(GpioLayout))]
    public void GpioStruct_SizeAndOffsets_MatchKernelHeaders(string key, ulong csharp) =>
        Assert.Equal(NativeAbi.Get(key), csharp);

    [Theory]
    [MemberData(nameof(Constants))]
    public void IoctlNumbersFlagsAndErrno_MatchKernelHeaders(string key, ulong csharp) =>
        Assert.Equal(NativeAbi.Get(key), csharp);

    [Fact]
    public void I2cLayout_HostPointerSize_MatchesGcc()
    {
        var layout = I2cAbi.Layout(IntPtr.Size);
        Assert.Equal(NativeAbi.Get("i2c_msg.size"), (ulong)layout.MessageSize);
        Assert.Equal(NativeAbi.Get("i2c_msg.addr"), (ulong)layout.AddressOffset);
        Assert.Equal(NativeAbi.Get("i2c_msg.flags"), (ulong)layout.FlagsOffset);
        Assert.Equal(NativeAbi.Get("i2c_msg.len"), (ulong)layout.LengthOffset);
        Assert.Equal(NativeAbi.Get("i2c_msg.buf"), (ulong)layout.BufferOffset);
        Assert.Equal(NativeAbi.Get("i2c_rdwr_ioctl_data.size"), (ulong)layout.RdwrDataSize);
        Assert.Equal(NativeAbi.Get("i2c_rdwr_ioctl_data.msgs"), (ulong)layout.MessagesOffset);
        Assert.Equal(NativeAbi.Get("i2c_rdwr_ioctl_data.nmsgs"), (ulong)layout.CountOffset);
    }

    [Fact]
    public void I2cLayout_64Bit_IsSixteenByteMessageWithPointerAtEight()
    {
        var layout = I2cAbi.Layout(8);
        Assert.Equal((8, 16, 4, 8, 16), (layout.BufferOffset, layout.MessageSize, layout.LengthOffset, layout.CountOffset, layout.RdwrDataSize));
    }

    [Fact]
    public void I2cLayout_32Bit_IsTwelveByteMessageWithPointerAtEight()
    {
        // ILP32 (armhf Pi OS, i386): three u16 end at 6, the 4-byte pointer aligns to 8, struct size 12;
        // i2c_rdwr_ioctl_data = { pointer at 0, u32 at 4 } = 8 bytes.
        var layout = I2cAbi.Layout(4);
        Assert.Equal((8, 12, 4, 8), (layout.BufferOffset, layout.MessageSize, layout.CountOffset, layout.RdwrDataSize));
    }

    [Fact]
    public void I2cLayout_32Bit_MatchesGccM32WhereAvailable()
    {
        var i386 = NativeAbi.I386;
        if (i386 is null)
        {
            return; // no multilib-capable gcc here (e.g. on an arm64 builder); the arithmetic test above still holds
        }

        var layout = I2cAbi.Layout(4);
        Assert.Equal(i386["size_i2c_msg"], (ulong)layout.MessageSize);
        Assert.Equal(i386["off_i2c_msg_buf"], (ulong)layout.BufferOffset);
        Assert.Equal(i386["size_i2c_rdwr_ioctl_data"], (ulong)layout.RdwrDataSize);
        Assert.Equal(i386["off_i2c_rdwr_ioctl_data_nmsgs"], (ulong)layout.CountOffset);
    }

    [Fact]
    public void I2cMessageEncoding_32And64Bit_PutsFieldsAtComputedOffsets()
    {
        foreach (int pointerSize in new[] { 4, 8 })
        {
            var layout = I2cAbi.Layout(pointerSize);
            byte[] bytes = new byte[layout.MessageSize];
            I2cAbi.WriteMessage(bytes, layout, 0x48, I2cAbi.MessageRead, 2, 0x11223344);
            Assert.Equal(0x48, BitConverter.ToUInt16(bytes, layout.AddressOffset));
            Assert.Equal(1, BitConverter.ToUInt16(bytes, layout.FlagsOffset));
            Assert.Equal(2, BitConverter.ToUInt16(bytes, layout.LengthOffset));
            Assert.Equal(0x11223344u, BitConverter.ToUInt32(bytes, layout.BufferOffset));
            byte[] data = new byte[layout.RdwrDataSize];
            I2cAbi.WriteRdwrData(data, layout, 0x55667788, 2);
            Assert.Equal(0x55667788u, BitConverter.ToUInt32(data, layout.MessagesOffset));
            Assert.Equal(2u, BitConverter.ToUInt32(data, layout.CountOffset));
        }
    }

    [Fact]
    public void I2cLayout_32BitPointerOverflow_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => I2cAbi.WriteMessage(new byte[12], I2cAbi.Layout(4), 0x48, 0, 1, 0x1_0000_0000UL));

    [Fact]
    public void IoctlNumber_GenericEncoding_MatchesHandComputedValue()
    {
        // _IOWR(0xB4, 0x07, 592) = (3 << 30) | (592 << 16) | (0xB4 << 8) | 7
        Assert.Equal(0xC250B407u, IoctlNumber.Iowr(0xB4, 0x07, 592));
        Assert.Throws<ArgumentOutOfRangeException>(() => IoctlNumber.Ior(0xB4, 1, 1 << 14));
    }

    private static ulong Off<T>(string field) => (ulong)Marshal.OffsetOf<T>(field);
}
