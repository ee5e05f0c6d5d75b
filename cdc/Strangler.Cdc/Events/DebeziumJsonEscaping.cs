using System.Buffers;
using System.Text.Encodings.Web;

namespace Strangler.Cdc.Events;

/// <summary>
/// Escapes JSON strings exactly as Debezium's JSON (Kafka Connect's JsonConverter, i.e. Jackson) does: only '"',
/// '\' and control characters below U+0020 (as \" \\ \b \t \n \f \r, else \u00XX in upper-case hex); everything
/// else, non-ASCII included, is written as is. System.Text.Json's default escapes far more (ë as \u00EB, + as
/// \u002B): the values parse equal, but the key bytes would differ, and Kafka's murmur2 would put a text-keyed
/// row on another partition than a real Debezium connector does.
/// </summary>
internal sealed class DebeziumJsonEscaping : JavaScriptEncoder
{
    public static DebeziumJsonEscaping Instance { get; } = new();

    private static readonly SearchValues<byte> Escaped = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(b => (byte)b), (byte)'"', (byte)'\\']);

    private static readonly SearchValues<char> EscapedChars = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(c => (char)c), '"', '\\']);

    public override int MaxOutputCharactersPerInputCharacter => 6; // \u00XX

    public override bool WillEncode(int unicodeScalar) => unicodeScalar is < 0x20 or '"' or '\\';

    public override int FindFirstCharacterToEncodeUtf8(ReadOnlySpan<byte> utf8Text) => utf8Text.IndexOfAny(Escaped);

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength) =>
        new ReadOnlySpan<char>(text, textLength).IndexOfAny(EscapedChars);

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        var destination = new Span<char>(buffer, bufferLength);
        ReadOnlySpan<char> escape = unicodeScalar switch
        {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\b' => "\\b",
            '\t' => "\\t",
            '\n' => "\\n",
            '\f' => "\\f",
            '\r' => "\\r",
            < 0x20 => $"\\u{unicodeScalar:X4}",
            _ => null,
        };

        if (escape.IsEmpty)
        {
            // Not ours to escape: write the scalar itself.
            if (!new System.Text.Rune(unicodeScalar).TryEncodeToUtf16(destination, out numberOfCharactersWritten))
            {
                numberOfCharactersWritten = 0;
                return false;
            }

            return true;
        }

        if (!escape.TryCopyTo(destination))
        {
            numberOfCharactersWritten = 0;
            return false;
        }

        numberOfCharactersWritten = escape.Length;
        return true;
    }
}
