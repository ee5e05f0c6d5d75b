using Microsoft.AspNetCore.Http.HttpResults;
using RideShare.Contracts.Drivers;
using RideShare.Contracts.Http;
using RideShare.Contracts.Values;
using RideShare.Drivers.Store;
using Strangler.Cdc.Sync;

namespace RideShare.Drivers.Api;

/// <summary>
/// /api/drivers on the Drivers store: the monolith's contract (docs/api.md) — paths, shapes, status codes,
/// problems, paging, ETags — so the proxy can move the route here and no client notices. Reads always; writes
/// only when this service owns them (<see cref="WriteOwnership"/>). Each write is decided on the version read
/// and stored only if the driver is still at that version (the script checks), as the monolith's optimistic
/// concurrency does.
/// </summary>
public static class DriversApi
{
    private const string Resource = "driver";
    private const string Resources = "drivers";

    public static IEndpointRouteBuilder MapDriversApi(this IEndpointRouteBuilder app)
    {
        var drivers = app.MapGroup("/api/drivers").WithTags("Drivers");
        drivers.MapPost("/", CreateDriver);
        drivers.MapGet("/", ListDrivers);
        drivers.MapGet("/{id:long}", GetDriver);
        drivers.MapPut("/{id:long}", ReplaceDriver);
        drivers.MapPut("/{id:long}/status", ChangeStatus);
        drivers.MapDelete("/{id:long}", DeleteDriver);
        return app;
    }

    public static async Task<Results<Created<DriverResponse>, ValidationProblem, ProblemHttpResult>> CreateDriver(
        DriverRequest request, DriverStore store, WriteOwnership ownership, TimeProvider time, HttpResponse response)
    {
        if (ownership.RefuseWrite(Resources) is { } refused)
        {
            return refused;
        }

        var now = Clock.Now(time);
        var errors = new ValidationErrors();
        var fields = DriverFields.Validate(request, DateOnly.FromDateTime(now.UtcDateTime), errors);
        if (fields is null)
        {
            return errors.ToProblem();
        }

        var record = new DriverRecord(
            0, fields.FullName, fields.Email, fields.Phone, fields.LicenceNumber, fields.LicenceExpiresOn, fields.VehicleMake, fields.VehicleModel,
            fields.VehiclePlate, DriverStatus.Offline, null, null, null, null, 0, now, now, 1);
        var (outcome, id) = await store.WriteAsync(new DriverCommand('C', 0, null, null, true, record));
        if (Refusal(outcome, id) is { } problem)
        {
            return problem;
        }

        ETags.Set(response, record.Version);
        return TypedResults.Created($"/api/drivers/{id}", (record with { Id = id }).ToResponse());
    }

    public static async Task<Results<Ok<PageResponse<DriverResponse>>, ValidationProblem>> ListDrivers(
        DriverStore store, string? status, int? page, int? pageSize)
    {
        var errors = new ValidationErrors();
        var paging = Paging.From(page, pageSize, errors);
        var statusFilter = errors.Status<DriverStatus>("status", status);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var (items, total) = await store.PageAsync(statusFilter, paging.Skip, paging.PageSize);
        return TypedResults.Ok(new PageResponse<DriverResponse>(items.Select(d => d.ToResponse()).ToList(), paging.Page, paging.PageSize, total));
    }

    public static async Task<Results<Ok<DriverResponse>, ProblemHttpResult>> GetDriver(long id, DriverStore store, HttpResponse response)
    {
        var driver = await store.GetAsync(id);
        if (driver is null)
        {
            return ApiProblems.NotFound(Resource, id);
        }

        ETags.Set(response, driver.Version);
        return TypedResults.Ok(driver.ToResponse());
    }

    public static async Task<Results<Ok<DriverResponse>, ValidationProblem, ProblemHttpResult>> ReplaceDriver(
        long id, DriverRequest request, DriverStore store, WriteOwnership ownership, TimeProvider time, HttpRequest http)
    {
        if (ownership.RefuseWrite(Resources) is { } refused)
        {
            return refused;
        }

        if (!ETags.HasIfMatch(http))
        {
            return ApiProblems.PreconditionRequired(Resource);
        }

        var now = Clock.Now(time);
        var errors = new ValidationErrors();
        var fields = DriverFields.Validate(request, DateOnly.FromDateTime(now.UtcDateTime), errors);
        if (fields is null)
        {
            return errors.ToProblem();
        }

        var (driver, problem) = await LoadAsync(store, id, http);
        if (driver is null)
        {
            return problem!;
        }

        var updated = driver with
        {
            FullName = fields.FullName, Email = fields.Email, Phone = fields.Phone, LicenceNumber = fields.LicenceNumber,
            LicenceExpiresOn = fields.LicenceExpiresOn, VehicleMake = fields.VehicleMake, VehicleModel = fields.VehicleModel,
            VehiclePlate = fields.VehiclePlate, UpdatedAt = now, Version = driver.Version + 1,
        };
        return await SaveAsync(store, driver, updated, http.HttpContext.Response);
    }

    public static async Task<Results<Ok<DriverResponse>, ValidationProblem, ProblemHttpResult>> ChangeStatus(
        long id, DriverStatusRequest request, DriverStore store, WriteOwnership ownership, TimeProvider time, HttpRequest http)
    {
        if (ownership.RefuseWrite(Resources) is { } refused)
        {
            return refused;
        }

        var errors = new ValidationErrors();
        if (DriverStatusChange.Validate(request, errors) is not { } change)
        {
            return errors.ToProblem();
        }

        var (driver, problem) = await LoadAsync(store, id, http);
        if (driver is null)
        {
            return problem!;
        }

        if (change.RefuseFor(id, driver.Status) is { } onTrip)
        {
            return onTrip;
        }

        var now = Clock.Now(time);
        var updated = driver;
        if (change.Location is { } location)
        {
            updated = updated with { Latitude = location.Latitude, Longitude = location.Longitude, LocationUpdatedAt = now };
        }

        if (change.Status is { } status)
        {
            if (status == DriverStatus.Available && updated.Latitude is null)
            {
                errors.Add("location", DriverStatusChange.AvailableNeedsLocation);
                return errors.ToProblem();
            }

            updated = updated with { Status = status };
        }

        return await SaveAsync(store, driver, updated with { UpdatedAt = now, Version = driver.Version + 1 }, http.HttpContext.Response);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteDriver(long id, DriverStore store, WriteOwnership ownership, HttpRequest http)
    {
        if (ownership.RefuseWrite(Resources) is { } refused)
        {
            return refused;
        }

        var (driver, problem) = await LoadAsync(store, id, http);
        if (driver is null)
        {
            return problem!;
        }

        var (outcome, _) = await store.WriteAsync(new DriverCommand('D', id, null, driver.Version, false, null));
        return Refusal(outcome, id) ?? (Results<NoContent, ProblemHttpResult>)TypedResults.NoContent();
    }

    /// <summary>The driver to change, or the problem to answer: 404, or 412 when If-Match names another version.</summary>
    private static async Task<(DriverRecord? Driver, ProblemHttpResult? Problem)> LoadAsync(DriverStore store, long id, HttpRequest http)
    {
        var driver = await store.GetAsync(id);
        if (driver is null)
        {
            return (null, ApiProblems.NotFound(Resource, id));
        }

        return ETags.Matches(http, driver.Version) ? (driver, null) : (null, ApiProblems.PreconditionFailed(Resource, id, driver.Version));
    }

    private static async Task<Results<Ok<DriverResponse>, ValidationProblem, ProblemHttpResult>> SaveAsync(
        DriverStore store, DriverRecord read, DriverRecord updated, HttpResponse response)
    {
        var uniqueChanged = read.Email != updated.Email || read.LicenceNumber != updated.LicenceNumber;
        var (outcome, _) = await store.WriteAsync(new DriverCommand('P', read.Id, null, read.Version, uniqueChanged, updated));
        if (Refusal(outcome, read.Id) is { } problem)
        {
            return problem;
        }

        ETags.Set(response, updated.Version);
        return TypedResults.Ok(updated.ToResponse());
    }

    /// <summary>The monolith's answers to what its database would have refused.</summary>
    private static ProblemHttpResult? Refusal(DriverWriteOutcome outcome, long id) => outcome switch
    {
        DriverWriteOutcome.Applied => null,
        DriverWriteOutcome.NotFound or DriverWriteOutcome.VersionChanged => ApiProblems.ConcurrentChange(Resource, id),
        DriverWriteOutcome.EmailTaken => ApiProblems.Conflict("A driver with this email already exists."),
        DriverWriteOutcome.LicenceTaken => ApiProblems.Conflict("A driver with this licence number already exists."),
        _ => throw new InvalidOperationException($"The driver store answered {outcome} to an API write of driver {id}."),
    };
}
