using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using RideShare.Contracts.Http;
using RideShare.Contracts.Passengers;
using RideShare.Monolith.Data;
using RideShare.Monolith.Http;

namespace RideShare.Monolith.Passengers;

/// <summary>/api/passengers: rider accounts.</summary>
public static class PassengersApi
{
    private const string Resource = "passenger";

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
        PassengerRequest request, RideShareDbContext db, TimeProvider time, HttpResponse response, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var fields = PassengerFields.Validate(request, errors);
        if (fields is null)
        {
            return errors.ToProblem();
        }

        var now = Clock.Now(time);
        var passenger = new Passenger
        {
            FullName = fields.FullName,
            Email = fields.Email,
            Phone = fields.Phone,
            MarketingOptIn = fields.MarketingOptIn,
            CreatedAt = now,
            UpdatedAt = now,
            Version = 1,
        };
        db.Passengers.Add(passenger);
        if (await TrySaveAsync(db, 0, cancellationToken) is { } conflict)
        {
            return conflict;
        }

        ETags.Set(response, passenger.Version);
        return TypedResults.Created($"/api/passengers/{passenger.Id}", PassengerMapping.ToResponse(passenger));
    }

    public static async Task<Results<Ok<PageResponse<PassengerResponse>>, ValidationProblem>> ListPassengers(
        RideShareDbContext db, string? email, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var paging = Paging.From(page, pageSize, errors);
        var emailFilter = errors.OptionalText("email", email, 254)?.ToLowerInvariant();
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var query = db.Passengers.AsNoTracking();
        if (emailFilter is not null)
        {
            query = query.Where(p => p.Email == emailFilter);
        }

        var total = await query.LongCountAsync(cancellationToken);
        var items = await query.OrderBy(p => p.Id).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(cancellationToken);
        return TypedResults.Ok(new PageResponse<PassengerResponse>(items.Select(PassengerMapping.ToResponse).ToList(), paging.Page, paging.PageSize, total));
    }

    public static async Task<Results<Ok<PassengerResponse>, ProblemHttpResult>> GetPassenger(
        long id, RideShareDbContext db, HttpResponse response, CancellationToken cancellationToken)
    {
        var passenger = await db.Passengers.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (passenger is null)
        {
            return ApiProblems.NotFound(Resource, id);
        }

        ETags.Set(response, passenger.Version);
        return TypedResults.Ok(PassengerMapping.ToResponse(passenger));
    }

    public static async Task<Results<Ok<PassengerResponse>, ValidationProblem, ProblemHttpResult>> ReplacePassenger(
        long id, PassengerRequest request, RideShareDbContext db, TimeProvider time, HttpRequest http, CancellationToken cancellationToken)
    {
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

        var (passenger, problem) = await VersionedWrites.LoadAsync(db.Passengers, id, Resource, http, cancellationToken);
        if (passenger is null)
        {
            return problem!;
        }

        passenger.FullName = fields.FullName;
        passenger.Email = fields.Email;
        passenger.Phone = fields.Phone;
        passenger.MarketingOptIn = fields.MarketingOptIn;
        passenger.UpdatedAt = Clock.Now(time);
        passenger.Version++;
        if (await TrySaveAsync(db, id, cancellationToken) is { } conflict)
        {
            return conflict;
        }

        ETags.Set(http.HttpContext.Response, passenger.Version);
        return TypedResults.Ok(PassengerMapping.ToResponse(passenger));
    }

    public static Task<Results<NoContent, ProblemHttpResult>> DeletePassenger(
        long id, RideShareDbContext db, HttpRequest http, CancellationToken cancellationToken) =>
        VersionedWrites.DeleteAsync<Passenger>(
            db, id, Resource, $"passenger {id} has trips on record and cannot be deleted.", http, cancellationToken);

    private static async Task<ProblemHttpResult?> TrySaveAsync(RideShareDbContext db, long id, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return null;
        }
        catch (DbUpdateConcurrencyException)
        {
            return ApiProblems.ConcurrentChange(Resource, id);
        }
        catch (DbUpdateException e) when (DatabaseErrors.UniqueViolation(e) == "passengers_email_key")
        {
            return ApiProblems.Conflict("A passenger with this email already exists.");
        }
    }
}
