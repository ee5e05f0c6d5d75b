using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using RideShare.Contracts.Drivers;
using RideShare.Contracts.Http;
using RideShare.Contracts.Values;
using RideShare.Monolith.Data;
using RideShare.Monolith.Http;

namespace RideShare.Monolith.Drivers;

/// <summary>/api/drivers: the driver registry and drivers' availability and position.</summary>
public static class DriversApi
{
    private const string Resource = "driver";

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
        DriverRequest request, RideShareDbContext db, TimeProvider time, HttpResponse response, CancellationToken cancellationToken)
    {
        var now = Clock.Now(time);
        var errors = new ValidationErrors();
        var fields = DriverFields.Validate(request, DateOnly.FromDateTime(now.UtcDateTime), errors);
        if (fields is null)
        {
            return errors.ToProblem();
        }

        var driver = new Driver
        {
            FullName = fields.FullName,
            Email = fields.Email,
            Phone = fields.Phone,
            LicenceNumber = fields.LicenceNumber,
            LicenceExpiresOn = fields.LicenceExpiresOn,
            VehicleMake = fields.VehicleMake,
            VehicleModel = fields.VehicleModel,
            VehiclePlate = fields.VehiclePlate,
            Status = DriverStatus.Offline,
            CreatedAt = now,
            UpdatedAt = now,
            Version = 1,
        };
        db.Drivers.Add(driver);
        if (await TrySaveAsync(db, cancellationToken) is { } conflict)
        {
            return conflict;
        }

        ETags.Set(response, driver.Version);
        return TypedResults.Created($"/api/drivers/{driver.Id}", DriverMapping.ToResponse(driver));
    }

    public static async Task<Results<Ok<PageResponse<DriverResponse>>, ValidationProblem>> ListDrivers(
        RideShareDbContext db, string? status, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var paging = Paging.From(page, pageSize, errors);
        var statusFilter = errors.Status<DriverStatus>("status", status);

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var query = db.Drivers.AsNoTracking();
        if (statusFilter is { } wanted)
        {
            query = query.Where(d => d.Status == wanted);
        }

        var total = await query.LongCountAsync(cancellationToken);
        var items = await query.OrderBy(d => d.Id).Skip(paging.Skip).Take(paging.PageSize).ToListAsync(cancellationToken);
        return TypedResults.Ok(new PageResponse<DriverResponse>(items.Select(DriverMapping.ToResponse).ToList(), paging.Page, paging.PageSize, total));
    }

    public static async Task<Results<Ok<DriverResponse>, ProblemHttpResult>> GetDriver(
        long id, RideShareDbContext db, HttpResponse response, CancellationToken cancellationToken)
    {
        var driver = await db.Drivers.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, cancellationToken);
        if (driver is null)
        {
            return ApiProblems.NotFound(Resource, id);
        }

        ETags.Set(response, driver.Version);
        return TypedResults.Ok(DriverMapping.ToResponse(driver));
    }

    public static async Task<Results<Ok<DriverResponse>, ValidationProblem, ProblemHttpResult>> ReplaceDriver(
        long id, DriverRequest request, RideShareDbContext db, TimeProvider time, HttpRequest http, CancellationToken cancellationToken)
    {
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

        var (driver, problem) = await VersionedWrites.LoadAsync(db.Drivers, id, Resource, http, cancellationToken);
        if (driver is null)
        {
            return problem!;
        }

        driver.FullName = fields.FullName;
        driver.Email = fields.Email;
        driver.Phone = fields.Phone;
        driver.LicenceNumber = fields.LicenceNumber;
        driver.LicenceExpiresOn = fields.LicenceExpiresOn;
        driver.VehicleMake = fields.VehicleMake;
        driver.VehicleModel = fields.VehicleModel;
        driver.VehiclePlate = fields.VehiclePlate;
        driver.UpdatedAt = now;
        driver.Version++;
        if (await TrySaveAsync(db, cancellationToken, id) is { } conflict)
        {
            return conflict;
        }

        ETags.Set(http.HttpContext.Response, driver.Version);
        return TypedResults.Ok(DriverMapping.ToResponse(driver));
    }

    public static async Task<Results<Ok<DriverResponse>, ValidationProblem, ProblemHttpResult>> ChangeStatus(
        long id, DriverStatusRequest request, RideShareDbContext db, TimeProvider time, HttpRequest http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (DriverStatusChange.Validate(request, errors) is not { } change)
        {
            return errors.ToProblem();
        }

        var (driver, problem) = await VersionedWrites.LoadAsync(db.Drivers, id, Resource, http, cancellationToken);
        if (driver is null)
        {
            return problem!;
        }

        if (change.RefuseFor(id, driver.Status) is { } onTrip)
        {
            return onTrip;
        }

        var now = Clock.Now(time);
        if (change.Location is { } location)
        {
            driver.Latitude = location.Latitude;
            driver.Longitude = location.Longitude;
            driver.LocationUpdatedAt = now;
        }

        if (change.Status is { } status)
        {
            if (status == DriverStatus.Available && driver.Latitude is null)
            {
                errors.Add("location", DriverStatusChange.AvailableNeedsLocation);
                return errors.ToProblem();
            }

            driver.Status = status;
        }

        driver.UpdatedAt = now;
        driver.Version++;
        if (await TrySaveAsync(db, cancellationToken, id) is { } conflict)
        {
            return conflict;
        }

        ETags.Set(http.HttpContext.Response, driver.Version);
        return TypedResults.Ok(DriverMapping.ToResponse(driver));
    }

    public static Task<Results<NoContent, ProblemHttpResult>> DeleteDriver(
        long id, RideShareDbContext db, HttpRequest http, CancellationToken cancellationToken) =>
        VersionedWrites.DeleteAsync<Driver>(
            db, id, Resource, $"driver {id} has trips on record and cannot be deleted; set it offline instead.", http, cancellationToken);

    private static async Task<ProblemHttpResult?> TrySaveAsync(RideShareDbContext db, CancellationToken cancellationToken, long? id = null)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return null;
        }
        catch (DbUpdateConcurrencyException)
        {
            return ApiProblems.ConcurrentChange(Resource, id ?? 0);
        }
        catch (DbUpdateException e) when (DatabaseErrors.UniqueViolation(e) is { } constraint)
        {
            return ApiProblems.Conflict(constraint switch
            {
                "drivers_email_key" => "A driver with this email already exists.",
                "drivers_licence_number_key" => "A driver with this licence number already exists.",
                _ => $"The driver conflicts with an existing one ({constraint}).",
            });
        }
    }
}
