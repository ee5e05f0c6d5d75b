using Microsoft.AspNetCore.Http.HttpResults;
using RideShare.Contracts.Http;
using RideShare.Contracts.Passengers;
using RideShare.Passengers.Store;
using Strangler.Cdc.Sync;

namespace RideShare.Passengers.Api;

/// <summary>
/// /api/passengers on the Passengers store: the monolith's contract (docs/api.md), reads always, writes only when
/// this service owns them (<see cref="WriteOwnership"/>).
/// </summary>
public static class PassengersApi
{
    private const string Resource = "passenger";
    private const string Resources = "passengers";

    public static IEndpointRouteBuilder MapPassengersApi(this IEndpointRouteBuilder app)
    {
        var passengers = app.MapGroup("/api/passengers").WithTags("Passengers");
        passengers.MapPost("/", CreatePassenger);
        passengers.MapGet("/", ListPassengers);
        passengers.MapGet("/{id:long}", GetPassenger);
        passengers.MapPut("/{id:long}", ReplacePassenger);
        passengers.MapDelete("/{id:long}", DeletePassenger);
        return app;
    }

    public static async Task<Results<Created<PassengerResponse>, ValidationProblem, ProblemHttpResult>> CreatePassenger(
        PassengerRequest request, PassengerStore store, WriteOwnership ownership, TimeProvider time, HttpResponse response, CancellationToken cancellationToken)
    {
        if (ownership.RefuseWrite(Resources) is { } refused)
        {
            return refused;
        }

        var errors = new ValidationErrors();
        var fields = PassengerFields.Validate(request, errors);
        if (fields is null)
        {
            return errors.ToProblem();
        }

        var (outcome, passenger) = await store.CreateAsync(fields, Clock.Now(time), cancellationToken);
        if (Refusal(outcome, 0) is { } problem)
        {
            return problem;
        }

        ETags.Set(response, passenger!.Version);
        return TypedResults.Created($"/api/passengers/{passenger.Id}", passenger.ToResponse());
    }

    public static async Task<Results<Ok<PageResponse<PassengerResponse>>, ValidationProblem>> ListPassengers(
        PassengerStore store, string? email, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var paging = Paging.From(page, pageSize, errors);
        var emailFilter = errors.OptionalText("email", email, 254)?.ToLowerInvariant();
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var (items, total) = await store.PageAsync(emailFilter, paging.Skip, paging.PageSize, cancellationToken);
        return TypedResults.Ok(new PageResponse<PassengerResponse>(items.Select(p => p.ToResponse()).ToList(), paging.Page, paging.PageSize, total));
    }

    public static async Task<Results<Ok<PassengerResponse>, ProblemHttpResult>> GetPassenger(
        long id, PassengerStore store, HttpResponse response, CancellationToken cancellationToken)
    {
        var passenger = await store.GetAsync(id, cancellationToken);
        if (passenger is null)
        {
            return ApiProblems.NotFound(Resource, id);
        }

        ETags.Set(response, passenger.Version);
        return TypedResults.Ok(passenger.ToResponse());
    }

    public static async Task<Results<Ok<PassengerResponse>, ValidationProblem, ProblemHttpResult>> ReplacePassenger(
        long id, PassengerRequest request, PassengerStore store, WriteOwnership ownership, TimeProvider time, HttpRequest http, CancellationToken cancellationToken)
    {
        if (ownership.RefuseWrite(Resources) is { } refused)
        {
            return refused;
        }

        if (!ETags.HasIfMatch(http))
        {
            return ApiProblems.PreconditionRequired(Resource);
        }

        var errors = new ValidationErrors();
        var fields = PassengerFields.Validate(request, errors);
        if (fields is null)
        {
            return errors.ToProblem();
        }

        var (current, problem) = await LoadAsync(store, id, http, cancellationToken);
        if (current is null)
        {
            return problem!;
        }

        var (outcome, passenger) = await store.ReplaceAsync(id, current.Version, fields, Clock.Now(time), cancellationToken);
        if (Refusal(outcome, id) is { } refusal)
        {
            return refusal;
        }

        ETags.Set(http.HttpContext.Response, passenger!.Version);
        return TypedResults.Ok(passenger.ToResponse());
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeletePassenger(
        long id, PassengerStore store, WriteOwnership ownership, HttpRequest http, CancellationToken cancellationToken)
    {
        if (ownership.RefuseWrite(Resources) is { } refused)
        {
            return refused;
        }

        var (current, problem) = await LoadAsync(store, id, http, cancellationToken);
        if (current is null)
        {
            return problem!;
        }

        return Refusal(await store.DeleteAsync(id, current.Version, cancellationToken), id) ?? (Results<NoContent, ProblemHttpResult>)TypedResults.NoContent();
    }

    /// <summary>The passenger to change, or the problem to answer: 404, or 412 when If-Match names another version.</summary>
    private static async Task<(PassengerDocument? Passenger, ProblemHttpResult? Problem)> LoadAsync(
        PassengerStore store, long id, HttpRequest http, CancellationToken cancellationToken)
    {
        var passenger = await store.GetAsync(id, cancellationToken);
        if (passenger is null)
        {
            return (null, ApiProblems.NotFound(Resource, id));
        }

        return ETags.Matches(http, passenger.Version) ? (passenger, null) : (null, ApiProblems.PreconditionFailed(Resource, id, passenger.Version));
    }

    /// <summary>The monolith's answers to what its database would have refused.</summary>
    private static ProblemHttpResult? Refusal(PassengerWriteOutcome outcome, long id) => outcome switch
    {
        PassengerWriteOutcome.Applied => null,
        PassengerWriteOutcome.NotFound or PassengerWriteOutcome.VersionChanged => ApiProblems.ConcurrentChange(Resource, id),
        PassengerWriteOutcome.EmailTaken => ApiProblems.Conflict("A passenger with this email already exists."),
        _ => throw new InvalidOperationException($"Unexpected outcome {outcome} of a write of passenger {id}."),
    };
}
