using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace RideShare.Monolith.Http;

/// <summary>Recognises the PostgreSQL constraint violations the API turns into 409s.</summary>
internal static class DatabaseErrors
{
    public static string? UniqueViolation(DbUpdateException e) =>
        e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } pg ? pg.ConstraintName : null;

    public static string? ForeignKeyViolation(DbUpdateException e) =>
        e.InnerException is PostgresException { SqlState: PostgresErrorCodes.ForeignKeyViolation } pg ? pg.ConstraintName : null;
}
