using System.Text;
using System.Text.Json;
using Strangler.Cdc.Events;

namespace Strangler.Cdc.Tests.Events;

/// <summary>JSON strings escaped exactly as Jackson escapes them (what Debezium's JSON holds).</summary>
public sealed class EscapingTests
{
    private static string Write(string value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = DebeziumJsonEscaping.Instance }))
        {
            writer.WriteStringValue(value);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("Zoë a+b <x> & 'q' / 😀 \u2028 \u007f", "\"Zoë a+b <x> & 'q' / 😀 \u2028 \u007f\"")]
    [InlineData("q\"uote", "\"q\\\"uote\"")]
    [InlineData("back\\slash", "\"back\\\\slash\"")]
    [InlineData("\b\t\n\f\r", "\"\\b\\t\\n\\f\\r\"")]
    [InlineData("\u0000\u0001\u001f", "\"\\u0000\\u0001\\u001F\"")]
    [InlineData("\u000b", "\"\\u000B\"")]
    public void String_AsJackson(string value, string json) => Assert.Equal(json, Write(value));

    [Fact]
    public void PropertyNames_AreEscapedTheSameWay()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = DebeziumJsonEscaping.Instance }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("naïve\"col", 1);
            writer.WriteEndObject();
        }

        Assert.Equal("{\"naïve\\\"col\":1}", Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Theory]
    [InlineData('a', false)]
    [InlineData('é', false)]
    [InlineData('"', true)]
    [InlineData('\\', true)]
    [InlineData('\u001f', true)]
    [InlineData(' ', false)]
    public void WillEncode_OnlyQuoteBackslashAndControls(char c, bool encoded) => Assert.Equal(encoded, DebeziumJsonEscaping.Instance.WillEncode(c));

    [Theory]
    [InlineData('"', 6, "\\\"", true)]
    [InlineData('\u0001', 6, "\\u0001", true)]
    [InlineData('\u0001', 5, "", false)]   // no room: nothing written
    [InlineData('\n', 1, "", false)]
    [InlineData('a', 6, "a", true)]        // a character it was not asked to escape is written as is
    [InlineData('a', 0, "", false)]
    public unsafe void TryEncodeUnicodeScalar_WritesTheEscapeOrReportsNoRoom(char c, int room, string written, bool ok)
    {
        var buffer = stackalloc char[8];
        var result = DebeziumJsonEscaping.Instance.TryEncodeUnicodeScalar(c, buffer, room, out var count);

        Assert.Equal(ok, result);
        Assert.Equal(written, new string(buffer, 0, count));
    }

    [Fact]
    public unsafe void TryEncodeUnicodeScalar_ASupplementaryCharacter_AsItsSurrogatePair()
    {
        var buffer = stackalloc char[8];
        Assert.True(DebeziumJsonEscaping.Instance.TryEncodeUnicodeScalar(0x1F600, buffer, 8, out var count));
        Assert.Equal("😀", new string(buffer, 0, count));
        Assert.Equal(6, DebeziumJsonEscaping.Instance.MaxOutputCharactersPerInputCharacter);
    }

    [Fact]
    public void Encode_OfUtf16Text_EscapesTheSameCharacters()
    {
        Assert.Equal("é+<>😀", DebeziumJsonEscaping.Instance.Encode("é+<>😀"));
        Assert.Equal("ab\\\"c\\n\\u0001", DebeziumJsonEscaping.Instance.Encode("ab\"c\n\u0001"));
    }
}
