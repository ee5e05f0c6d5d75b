using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using RideShare.Contracts.Http;
using RideShare.Monolith.Data;

namespace RideShare.Monolith.Http;

/// <summary>The load-check-write steps every versioned resource shares: 404, If-Match (412), delete in use (409).</summary>
internal static class VersionedWrites
{
    /// <summary>Loads <paramref name="id"/> for update; the problem to return instead when it is missing or If-Match is stale.</summary>
    public static async Task<(T? Entity, ProblemHttpResult? Problem)> LoadAsync<T>(
        IQueryable<T> set, long id, string resource, HttpRequest http, CancellationToken cancellationToken)
        where T : class, IVersioned
    {
        var entity = await set.FirstOrDefaultAsync(e => e.Id == id, cancellationToken);
        if (entity is null)
        {
            return (null, ApiProblems.NotFound(resource, id));
        }

        return ETags.Matches(http, entity.Version)
            ? (entity, null)
            : (null, ApiProblems.PreconditionFailed(resource, id, entity.Version));
    }

    /// <summary>Deletes <paramref name="id"/>; a row still referenced (foreign key) is a 409 with <paramref name="inUse"/>.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync<T>(
        RideShareDbContext db, long id, string resource, string inUse, HttpRequest http, CancellationToken cancellationToken)
        where T : class, IVersioned
    {
        var (entity, problem) = await LoadAsync(db.Set<T>(), id, resource, http, cancellationToken);
        if (entity is null)
        {
            return problem!;
        }

        db.Remove(entity);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return ApiProblems.ConcurrentChange(resource, id);
        }
        catch (DbUpdateException e) when (DatabaseErrors.ForeignKeyViolation(e) is not null)
        {
            return ApiProblems.Conflict(inUse);
        }

        return TypedResults.NoContent();
    }
}
