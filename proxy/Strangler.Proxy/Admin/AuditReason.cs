using System.Text.Json;
using Strangler.Hosting.Http;

namespace Strangler.Proxy.Admin;

/// <summary>The free-text reason recorded in the audit log with a change (body field or query parameter).</summary>
internal static class AuditReason
{
    public const int MaxLength = 1000;

    public static string? Read(JsonFields json, FieldErrors errors) =>
        Check(json.String("reason", "a short text saying why (kept in the audit log)", nullMeansAbsent: true), errors);

    /// <summary>The body of POST …/rollback: nothing, or <c>{"reason":"…"}</c>.</summary>
    public static string? ReadBody(JsonElement? body, FieldErrors errors)
    {
        if (body is not { } json)
        {
            return null;
        }

        var fields = new JsonFields(json, errors);
        var reason = Read(fields, errors);
        fields.RejectUnknown("this request", ["reason"]);
        return reason;
    }

    public static string? Check(string? reason, FieldErrors errors)
    {
        if (reason is { Length: > MaxLength })
        {
            errors.Add("reason", $"reason must be at most {MaxLength} characters; got {reason.Length}.");
        }

        return reason;
    }
}
