using System.Device.Gpio;
using ReactorTwin.Simulator.Devices;

namespace ReactorTwin.Adapters.Tests.Devices;

/// <summary>System.Device.Gpio's GpioController over the simulated driver: what relays, level switches and bit-banged
/// chips use.</summary>
public sealed class GpioControllerTests
{
    [Fact]
    public void Output_Written_LevelSeenByTheSimulationAndWiredParts()
    {
        var driver = new SimulatedGpioDriver();
        using var gpio = new GpioController(driver);
        var seen = new List<PinValue>();
        driver.OnOutput(17, seen.Add);
        gpio.OpenPin(17, PinMode.Output);
        gpio.Write(17, PinValue.High);
        gpio.Write(17, PinValue.Low);
        Assert.Equal([PinValue.High, PinValue.Low], seen);
        Assert.Equal(PinValue.Low, driver.Level(17));
        Assert.True(driver.IsOpen(17));
        gpio.ClosePin(17);
        Assert.False(driver.IsOpen(17));
    }

    [Fact]
    public void Input_LevelSwitch_CallbacksOnTheRequestedEdgesOnly()
    {
        var driver = new SimulatedGpioDriver();
        using var gpio = new GpioController(driver);
        gpio.OpenPin(27, PinMode.InputPullUp);
        Assert.Equal(PinValue.High, gpio.Read(27)); // the pull-up holds an open switch high
        var edges = new List<PinEventTypes>();
        gpio.RegisterCallbackForPinValueChangedEvent(27, PinEventTypes.Falling, (_, e) => edges.Add(e.ChangeType));
        driver.SetInputLevel(27, PinValue.Low);  // the float switch closes
        driver.SetInputLevel(27, PinValue.High); // opens again: not subscribed
        driver.SetInputLevel(27, PinValue.Low);
        Assert.Equal([PinEventTypes.Falling, PinEventTypes.Falling], edges);
    }

    [Fact]
    public async Task WaitForEvent_EdgeFromAnotherThread_ReturnsIt_NoEdge_TimesOut()
    {
        var driver = new SimulatedGpioDriver();
        using var gpio = new GpioController(driver);
        gpio.OpenPin(22, PinMode.Input);
        var waiting = Task.Run(() => gpio.WaitForEvent(22, PinEventTypes.Rising, TimeSpan.FromSeconds(30)));
        // The waiter registers within milliseconds; raise edges until it has seen one (a real thread, real time).
        while (!waiting.IsCompleted)
        {
            driver.SetInputLevel(22, PinValue.High);
            driver.SetInputLevel(22, PinValue.Low);
            await Task.WhenAny(waiting, Task.Delay(20));
        }

        var result = await waiting;
        Assert.False(result.TimedOut);
        Assert.Equal(PinEventTypes.Rising, result.EventTypes);
        Assert.True(gpio.WaitForEvent(22, PinEventTypes.Rising, TimeSpan.FromMilliseconds(50)).TimedOut);
    }
}
