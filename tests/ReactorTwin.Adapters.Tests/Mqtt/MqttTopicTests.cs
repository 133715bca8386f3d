using ReactorTwin.Adapters.Mqtt;

namespace ReactorTwin.Adapters.Tests.Mqtt;

public sealed class MqttTopicTests
{
    [Theory]
    [InlineData("sport/tennis/player1/#", "sport/tennis/player1", true)]
    [InlineData("sport/tennis/player1/#", "sport/tennis/player1/ranking", true)]
    [InlineData("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true)]
    [InlineData("sport/#", "sport", true)]
    [InlineData("#", "sport/tennis", true)]
    [InlineData("sport/tennis/+", "sport/tennis/player1", true)]
    [InlineData("sport/tennis/+", "sport/tennis/player1/ranking", false)]
    [InlineData("sport/+", "sport", false)]
    [InlineData("sport/+", "sport/", true)]
    [InlineData("+/+", "/finance", true)]
    [InlineData("/+", "/finance", true)]
    [InlineData("+", "/finance", false)]
    [InlineData("#", "$SYS/broker", false)]
    [InlineData("+/monitor/Clients", "$SYS/monitor/Clients", false)]
    [InlineData("$SYS/#", "$SYS/broker", true)]
    [InlineData("$SYS/monitor/+", "$SYS/monitor/Clients", true)]
    [InlineData("a/b", "a/b", true)]
    [InlineData("a/b", "a/B", false)]
    [InlineData("$share/group/a/+", "a/b", true)]
    public void Matches_SpecExamples_AsSpecified(string filter, string topic, bool expected) =>
        Assert.Equal(expected, MqttTopic.Matches(filter, topic));

    [Theory]
    [InlineData("a/b", true)]
    [InlineData("", false)]
    [InlineData("a/+", false)]
    [InlineData("a/#", false)]
    [InlineData("a\0b", false)]
    [InlineData("/", true)]
    public void ValidateTopicName_Cases_AsSpecified(string topic, bool valid) =>
        Assert.Equal(valid, MqttTopic.ValidateTopicName(topic) is null);

    [Theory]
    [InlineData("a/+/c", true)]
    [InlineData("#", true)]
    [InlineData("+", true)]
    [InlineData("a/#", true)]
    [InlineData("a#", false)]
    [InlineData("a/#/b", false)]
    [InlineData("a+/b", false)]
    [InlineData("", false)]
    [InlineData("a\0", false)]
    public void ValidateTopicFilter_Cases_AsSpecified(string filter, bool valid) =>
        Assert.Equal(valid, MqttTopic.ValidateTopicFilter(filter) is null);

    [Fact]
    public void ValidateTopicName_UnpairedSurrogate_Rejected() =>
        Assert.NotNull(MqttTopic.ValidateTopicName("a/" + '\uD800'));

    [Fact]
    public void ValidateTopicName_LongerThan65535Bytes_Rejected() =>
        Assert.NotNull(MqttTopic.ValidateTopicName(new string('é', 40_000)));
}
