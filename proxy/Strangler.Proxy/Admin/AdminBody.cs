using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Strangler.Hosting.Http;

namespace Strangler.Proxy.Admin;

/// <summary>
/// Reads an admin request's JSON body itself instead of leaving it to parameter binding, so every way a body
/// can be wrong (missing, not JSON, too large, too deep, wrong content type) is a problem+json that says what
/// to send — never a framework message or a 500.
/// </summary>
internal static class AdminBody
{
    /// <summary>Largest admin body accepted. A route with every field at its limit is far below it.</summary>
    public const int MaxBytes = 256 * 1024;

    private static readonly JsonDocumentOptions Options = new()
    {
        MaxDepth = 16,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowDuplicateProperties = false,
    };

    /// <summary>
    /// The body as a JSON object, or the problem to answer instead. An absent or empty body is
    /// <c>(null, null)</c> when <paramref name="optional"/>, else a 400 showing <paramref name="example"/>.
    /// </summary>
    public static async Task<(JsonDocument? Document, IResult? Problem)> ReadObjectAsync(
        HttpRequest request, bool optional, string example, CancellationToken cancellationToken)
    {
        if (request.ContentType is { Length: > 0 } contentType && !IsJson(contentType))
        {
            return (null, TypedResults.Problem(
                $"The body must be JSON: send Content-Type: application/json (got '{contentType}').",
                statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported Media Type"));
        }

        if (request.ContentLength > MaxBytes)
        {
            return (null, TooLarge());
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                return (null, TooLarge());
            }

            buffer.Write(chunk, 0, read);
        }

        if (buffer.Length == 0 || buffer.ToArray().All(b => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
        {
            return optional ? (null, null) : (null, Invalid("body", $"The request body is empty: send a JSON object, e.g. {example}"));
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(buffer.ToArray(), Options);
        }
        catch (JsonException e)
        {
            // The reader's message names the line and byte; drop the trailing ".NET path" noise.
            return (null, Invalid("body", $"The request body is not valid JSON: {e.Message.Split(" Path:", 2)[0]}"));
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            var kind = document.RootElement.ValueKind.ToString().ToLowerInvariant();
            document.Dispose();
            return (null, Invalid("body", $"The request body must be a JSON object, not {kind}: e.g. {example}"));
        }

        return (document, null);
    }

    public static IResult Invalid(string field, string message)
    {
        var errors = new FieldErrors();
        errors.Add(field, message);
        return errors.ToProblem(AdminProblems.InvalidTitle);
    }

    private static ProblemHttpResult TooLarge() => TypedResults.Problem(
        $"The request body is larger than {MaxBytes / 1024} KB; an admin request is a few hundred bytes.",
        statusCode: StatusCodes.Status413PayloadTooLarge, title: "Payload Too Large");

    private static bool IsJson(string contentType)
    {
        var mediaType = contentType.Split(';', 2)[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }
}
