using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Strangler.Hosting.ServiceDefaults;

/// <summary>
/// Turns request-binding failures (malformed JSON, wrong JSON types, bad route/query values) into a
/// 400 problem+json that names the offending field instead of an empty 400.
/// </summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }

        var problem = new ValidationProblemDetails
        {
            Status = badRequest.StatusCode,
            Title = "The request is invalid.",
            Detail = badRequest.Message,
        };
        if (badRequest.InnerException is JsonException json)
        {
            // Name the field the way validation errors do ("pickup.latitude"), not as a JSON path.
            var field = string.IsNullOrEmpty(json.Path) || json.Path == "$" ? "$" : json.Path.TrimStart('$', '.');
            var reason = json.Message.Contains("could not be converted", StringComparison.Ordinal)
                ? $"{field} has the wrong JSON type or format."
                : json.Message.Split(" Path:", 2)[0];
            problem.Detail = $"The request body is not valid JSON for this endpoint at '{field}'.";
            problem.Errors[field] = [reason];
        }

        httpContext.Response.StatusCode = badRequest.StatusCode;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }
}
