using Microsoft.AspNetCore.Http.HttpResults;

namespace RideShare.Contracts.Http;

/// <summary>The API's error responses, all application/problem+json with a clear detail.</summary>
public static class ApiProblems
{
    public static ProblemHttpResult NotFound(string resource, long id) =>
        TypedResults.Problem($"{resource} {id} does not exist.", statusCode: StatusCodes.Status404NotFound, title: "Not Found");

    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict");

    public static ProblemHttpResult PreconditionFailed(string resource, long id, int current) =>
        TypedResults.Problem(
            $"{resource} {id} was modified: its current version is {current}. Fetch it again and retry with If-Match: \"{current}\".",
            statusCode: StatusCodes.Status412PreconditionFailed, title: "Precondition Failed");

    public static ProblemHttpResult PreconditionRequired(string resource) =>
        TypedResults.Problem(
            $"Replacing a {resource} requires an If-Match header with the version you read (its ETag), so concurrent changes are not lost.",
            statusCode: StatusCodes.Status428PreconditionRequired, title: "Precondition Required");

    public static ProblemHttpResult ConcurrentChange(string resource, long id) =>
        TypedResults.Problem(
            $"{resource} {id} was changed by another request at the same time; fetch it again and retry.",
            statusCode: StatusCodes.Status409Conflict, title: "Conflict");
}
