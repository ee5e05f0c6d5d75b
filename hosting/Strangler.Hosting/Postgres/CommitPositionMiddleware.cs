using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Npgsql;
using NpgsqlTypes;

namespace Strangler.Hosting.Postgres;

/// <summary>
/// Read-your-writes support (docs/proxy.md): a successful write's response carries <c>X-Strangler-Lsn</c>, the
/// database's WAL insert position once the write committed — every change of this request lies before it. The
/// strangler proxy remembers it for the user and serves their next reads from a replica only once the replica has
/// applied that position.
/// </summary>
public static class CommitPositionMiddleware
{
    public const string HeaderName = "X-Strangler-Lsn";

    public static IApplicationBuilder UseCommitPosition(this IApplicationBuilder app, NpgsqlDataSource dataSource) => app.Use(async (context, next) =>
    {
        var method = context.Request.Method;
        if (!HttpMethods.IsGet(method) && !HttpMethods.IsHead(method) && !HttpMethods.IsOptions(method))
        {
            context.Response.OnStarting(async () =>
            {
                if (context.Response.StatusCode is >= 200 and < 300)
                {
                    await using var command = dataSource.CreateCommand("SELECT pg_current_wal_insert_lsn()");
                    var lsn = (NpgsqlLogSequenceNumber)(await command.ExecuteScalarAsync(context.RequestAborted))!;
                    context.Response.Headers[HeaderName] = ((ulong)lsn).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
            });
        }

        await next(context);
    });
}
