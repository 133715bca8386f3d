using System.Buffers;
using ReactorTwin.Adapters.Mqtt;
using ReactorTwin.Adapters.Mqtt.Packets;

namespace ReactorTwin.Adapters.Tests.Mqtt;

/// <summary>Round trips of generated packets and fuzzing of the decoder with random and mutated bytes.</summary>
public sealed class MqttCodecPropertyTests
{
    public static TheoryData<MqttProtocolVersion, int> AllTypes()
    {
        var data = new TheoryData<MqttProtocolVersion, int>();
        foreach (var v in new[] { MqttProtocolVersion.V311, MqttProtocolVersion.V500 })
        {
            for (var t = 1; t <= 15; t++)
            {
                if (t == 15 && v == MqttProtocolVersion.V311)
                {
                    continue;
                }

                data.Add(v, t);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllTypes))]
    public void EncodeDecode_GeneratedPackets_RoundTripExactly(MqttProtocolVersion version, int type)
    {
        var generator = new PacketGenerator(seed: 1000 * (int)version + type, version);
        for (var i = 0; i < 500; i++)
        {
            var packet = generator.Next((MqttPacketType)type);
            var bytes = Codec.Encode(version, packet);
            var decoded = Codec.Decode(version, bytes);
            DeepEqual.AssertEqual(packet, decoded);
            Assert.Equal(bytes, Codec.Encode(version, decoded));
        }
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public void Decode_GeneratedPacketsSplitAcrossSegments_DecodesTheSame(MqttProtocolVersion version)
    {
        var generator = new PacketGenerator(seed: 7, version);
        var random = new Random(8);
        for (var i = 0; i < 300; i++)
        {
            var packet = generator.Next(MqttPacketType.Publish);
            var bytes = Codec.Encode(version, packet);
            var split = random.Next(1, bytes.Length);
            var first = new Segment(bytes.AsMemory(0, split));
            var last = first.Append(bytes.AsMemory(split));
            var seq = new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
            var decoded = Codec.NewAdapter(version).TryReadPacket(ref seq);
            DeepEqual.AssertEqual(packet, decoded);
        }
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311, 11)]
    [InlineData(MqttProtocolVersion.V500, 12)]
    public void Decode_RandomAndMutatedBytes_OnlyThrowsProtocolException(MqttProtocolVersion version, int seed)
    {
        // 2 × 60 000 inputs: random bytes with a plausible first byte, and valid packets with flipped, inserted,
        // deleted or truncated bytes. Every outcome must be a packet, "need more bytes", or MqttProtocolException.
        var random = new Random(seed);
        var generator = new PacketGenerator(seed, version);
        var adapter = Codec.NewAdapter(version, max: 4096);
        var outcomes = new int[3];
        for (var i = 0; i < 60_000; i++)
        {
            byte[] input;
            if (i % 3 == 0)
            {
                input = new byte[random.Next(0, 48)];
                random.NextBytes(input);
                if (input.Length > 1)
                {
                    input[1] = (byte)Math.Min(input[1], input.Length - 2 + (random.Next(4) == 0 ? 3 : 0));
                }
            }
            else
            {
                var type = (MqttPacketType)random.Next(1, version == MqttProtocolVersion.V500 ? 16 : 15);
                var valid = Codec.Encode(version, generator.Next(type));
                input = Mutate(valid, random);
            }

            outcomes[Feed(adapter, input)]++;
        }

        Assert.True(outcomes[0] > 1000, $"decoded {outcomes[0]}");
        Assert.True(outcomes[2] > 1000, $"rejected {outcomes[2]}");
    }

    /// <returns>0 decoded at least one packet, 1 incomplete, 2 protocol error.</returns>
    private static int Feed(ReactorTwin.Adapters.Mqtt.Channel.MqttChannelAdapter adapter, byte[] input)
    {
        var seq = new ReadOnlySequence<byte>(input);
        var decodedAny = false;
        try
        {
            for (var guard = 0; guard < input.Length + 1; guard++)
            {
                var before = seq.Length;
                if (adapter.TryReadPacket(ref seq) is null)
                {
                    return decodedAny ? 0 : 1;
                }

                Assert.True(seq.Length < before, "decoder consumed nothing");
                decodedAny = true;
            }

            Assert.Fail("decoder did not terminate");
            return -1;
        }
        catch (MqttProtocolException e)
        {
            Assert.False(string.IsNullOrEmpty(e.Message));
            return 2;
        }
    }

    private static byte[] Mutate(byte[] valid, Random random)
    {
        var list = new List<byte>(valid);
        var edits = random.Next(1, 4);
        for (var e = 0; e < edits && list.Count > 0; e++)
        {
            var at = random.Next(list.Count);
            switch (random.Next(5))
            {
                case 0:
                    list[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    list[at] = (byte)random.Next(256);
                    break;
                case 2:
                    list.Insert(at, (byte)random.Next(256));
                    break;
                case 3:
                    list.RemoveAt(at);
                    break;
                default:
                    list.RemoveRange(at, list.Count - at);
                    break;
            }
        }

        return [.. list];
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
