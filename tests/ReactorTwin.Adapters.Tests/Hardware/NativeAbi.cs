using System.Diagnostics;
using System.Globalization;

namespace ReactorTwin.Adapters.Tests.Hardware;

/// <summary>
/// Compiles a small C program against the installed kernel headers (linux-libc-dev) with gcc and runs it: it prints
/// sizeof / offsetof / ioctl numbers / flag values that the C# declarations must match. Compiled once per test run.
/// Also tries a 32-bit (-m32) compile-only build and reads the sizes from the object file's symbol table with nm,
/// which works on x86-64 Debian without 32-bit libraries.
/// </summary>
internal static class NativeAbi
{
    private const string Program = """
        #define _GNU_SOURCE
        #include <stdio.h>
        #include <stddef.h>
        #include <errno.h>
        #include <fcntl.h>
        #include <poll.h>
        #include <linux/gpio.h>
        #include <linux/i2c.h>
        #include <linux/i2c-dev.h>
        #define SZ(s) printf("%s.size %zu\n", #s, sizeof(struct s))
        #define OFF(s, f) printf("%s.%s %zu\n", #s, #f, offsetof(struct s, f))
        #define NUM(x) printf("%s %llu\n", #x, (unsigned long long)(x))
        int main(void) {
          SZ(gpiochip_info); OFF(gpiochip_info, name); OFF(gpiochip_info, label); OFF(gpiochip_info, lines);
          SZ(gpio_v2_line_values); OFF(gpio_v2_line_values, bits); OFF(gpio_v2_line_values, mask);
          SZ(gpio_v2_line_attribute); OFF(gpio_v2_line_attribute, id); OFF(gpio_v2_line_attribute, padding);
          OFF(gpio_v2_line_attribute, flags); OFF(gpio_v2_line_attribute, values); OFF(gpio_v2_line_attribute, debounce_period_us);
          SZ(gpio_v2_line_config_attribute); OFF(gpio_v2_line_config_attribute, attr); OFF(gpio_v2_line_config_attribute, mask);
          SZ(gpio_v2_line_config); OFF(gpio_v2_line_config, flags); OFF(gpio_v2_line_config, num_attrs);
          OFF(gpio_v2_line_config, padding); OFF(gpio_v2_line_config, attrs);
          SZ(gpio_v2_line_request); OFF(gpio_v2_line_request, offsets); OFF(gpio_v2_line_request, consumer);
          OFF(gpio_v2_line_request, config); OFF(gpio_v2_line_request, num_lines); OFF(gpio_v2_line_request, event_buffer_size);
          OFF(gpio_v2_line_request, padding); OFF(gpio_v2_line_request, fd);
          SZ(gpio_v2_line_info); OFF(gpio_v2_line_info, name); OFF(gpio_v2_line_info, consumer); OFF(gpio_v2_line_info, offset);
          OFF(gpio_v2_line_info, num_attrs); OFF(gpio_v2_line_info, flags); OFF(gpio_v2_line_info, attrs); OFF(gpio_v2_line_info, padding);
          SZ(gpio_v2_line_event); OFF(gpio_v2_line_event, timestamp_ns); OFF(gpio_v2_line_event, id); OFF(gpio_v2_line_event, offset);
          OFF(gpio_v2_line_event, seqno); OFF(gpio_v2_line_event, line_seqno); OFF(gpio_v2_line_event, padding);
          SZ(i2c_msg); OFF(i2c_msg, addr); OFF(i2c_msg, flags); OFF(i2c_msg, len); OFF(i2c_msg, buf);
          SZ(i2c_rdwr_ioctl_data); OFF(i2c_rdwr_ioctl_data, msgs); OFF(i2c_rdwr_ioctl_data, nmsgs);
          NUM(GPIO_GET_CHIPINFO_IOCTL); NUM(GPIO_V2_GET_LINEINFO_IOCTL); NUM(GPIO_V2_GET_LINE_IOCTL);
          NUM(GPIO_V2_LINE_SET_CONFIG_IOCTL); NUM(GPIO_V2_LINE_GET_VALUES_IOCTL); NUM(GPIO_V2_LINE_SET_VALUES_IOCTL);
          NUM(GPIO_MAX_NAME_SIZE); NUM(GPIO_V2_LINES_MAX); NUM(GPIO_V2_LINE_NUM_ATTRS_MAX);
          NUM(GPIO_V2_LINE_FLAG_USED); NUM(GPIO_V2_LINE_FLAG_ACTIVE_LOW); NUM(GPIO_V2_LINE_FLAG_INPUT); NUM(GPIO_V2_LINE_FLAG_OUTPUT);
          NUM(GPIO_V2_LINE_FLAG_EDGE_RISING); NUM(GPIO_V2_LINE_FLAG_EDGE_FALLING); NUM(GPIO_V2_LINE_FLAG_OPEN_DRAIN);
          NUM(GPIO_V2_LINE_FLAG_OPEN_SOURCE); NUM(GPIO_V2_LINE_FLAG_BIAS_PULL_UP); NUM(GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN);
          NUM(GPIO_V2_LINE_FLAG_BIAS_DISABLED); NUM(GPIO_V2_LINE_FLAG_EVENT_CLOCK_REALTIME);
          NUM(GPIO_V2_LINE_ATTR_ID_FLAGS); NUM(GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES); NUM(GPIO_V2_LINE_ATTR_ID_DEBOUNCE);
          NUM(GPIO_V2_LINE_EVENT_RISING_EDGE); NUM(GPIO_V2_LINE_EVENT_FALLING_EDGE);
          NUM(I2C_SLAVE); NUM(I2C_FUNCS); NUM(I2C_RDWR); NUM(I2C_M_RD); NUM(I2C_FUNC_I2C); NUM(I2C_RDWR_IOCTL_MAX_MSGS);
          NUM(O_CLOEXEC); NUM(O_NONBLOCK); NUM(O_TMPFILE); NUM(O_RDWR); NUM(O_WRONLY); NUM(POLLIN); NUM(POLLERR); NUM(POLLHUP); NUM(POLLNVAL);
          NUM(EPERM); NUM(ENOENT); NUM(EINTR); NUM(EIO); NUM(ENXIO); NUM(EBADF); NUM(EAGAIN); NUM(ENOMEM); NUM(EACCES);
          NUM(EFAULT); NUM(EBUSY); NUM(ENODEV); NUM(ENOTDIR); NUM(EISDIR); NUM(EINVAL); NUM(ENOTTY); NUM(ENOSYS);
          NUM(EOPNOTSUPP); NUM(ETIMEDOUT); NUM(EREMOTEIO);
          return 0;
        }
        """;

    private const string Program32 = """
        #include <stddef.h>
        #include <linux/i2c.h>
        #include <linux/i2c-dev.h>
        char size_i2c_msg[sizeof(struct i2c_msg)];
        char off_i2c_msg_buf[offsetof(struct i2c_msg, buf)];
        char size_i2c_rdwr_ioctl_data[sizeof(struct i2c_rdwr_ioctl_data)];
        char off_i2c_rdwr_ioctl_data_nmsgs[offsetof(struct i2c_rdwr_ioctl_data, nmsgs)];
        """;

    private static readonly Lazy<Dictionary<string, ulong>> HostValues = new(CompileAndRun);
    private static readonly Lazy<Dictionary<string, ulong>?> Values32 = new(CompileForI386);

    /// <summary>Values for the host ABI, by name (<c>struct.field</c>, <c>struct.size</c> or macro name).</summary>
    public static IReadOnlyDictionary<string, ulong> Host => HostValues.Value;

    /// <summary>Sizes for the i386 ABI from <c>gcc -m32 -c</c> + <c>nm -S</c>; null where the toolchain cannot do it.</summary>
    public static IReadOnlyDictionary<string, ulong>? I386 => Values32.Value;

    public static ulong Get(string key) =>
        Host.TryGetValue(key, out ulong value) ? value : throw new KeyNotFoundException($"the C program printed no '{key}'");

    private static Dictionary<string, ulong> CompileAndRun()
    {
        string dir = Directory.CreateTempSubdirectory("reactortwin-abi-").FullName;
        try
        {
            string source = Path.Combine(dir, "abi.c");
            string binary = Path.Combine(dir, "abi");
            File.WriteAllText(source, Program);
            var (code, _, err) = Run("gcc", ["-std=gnu11", "-Wall", "-o", binary, source]);
            if (code != 0)
            {
                throw new InvalidOperationException($"gcc failed (install gcc and linux-libc-dev): {err}");
            }

            var (runCode, output, runErr) = Run(binary, []);
            if (runCode != 0)
            {
                throw new InvalidOperationException($"abi program failed: {runErr}");
            }

            var values = new Dictionary<string, ulong>(StringComparer.Ordinal);
            foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                string[] parts = line.Split(' ');
                values[parts[0]] = ulong.Parse(parts[1], CultureInfo.InvariantCulture);
            }

            return values;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static Dictionary<string, ulong>? CompileForI386()
    {
        string dir = Directory.CreateTempSubdirectory("reactortwin-abi32-").FullName;
        try
        {
            string source = Path.Combine(dir, "abi32.c");
            string obj = Path.Combine(dir, "abi32.o");
            File.WriteAllText(source, Program32);
            var (code, _, _) = Run("gcc", ["-m32", "-I/usr/include/x86_64-linux-gnu", "-c", "-o", obj, source]);
            if (code != 0)
            {
                return null;
            }

            var (nmCode, output, _) = Run("nm", ["-S", obj]);
            if (nmCode != 0)
            {
                return null;
            }

            // "00000000 0000000c B size_i2c_msg": the second column is the symbol (array) size.
            var values = new Dictionary<string, ulong>(StringComparer.Ordinal);
            foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 4)
                {
                    values[parts[3]] = ulong.Parse(parts[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                }
            }

            return values;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static (int Code, string Output, string Error) Run(string file, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stderr.Result);
    }
}
