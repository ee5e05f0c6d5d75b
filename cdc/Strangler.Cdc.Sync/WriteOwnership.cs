using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Strangler.Cdc.Sync;

/// <summary>
/// Who writes this service's resource (design.md, "The cutover model": one writer per resource). While the forward
/// sync runs, the monolith owns the writes and this store is its replica: a write reaching the service is refused
/// with 409, since applying it would fork the data (the next synced change of that row would overwrite it, and an id
/// the service picked could be taken by the monolith too). With <c>Sync:Enabled=false</c> the service owns its data
/// and takes writes.
/// </summary>
public sealed class WriteOwnership(IOptions<SyncOptions> options)
{
    public bool ServiceOwnsWrites => !options.Value.Enabled;

    /// <summary>Null when the service takes writes; otherwise the 409 to answer.</summary>
    public ProblemHttpResult? RefuseWrite(string resources) => ServiceOwnsWrites
        ? null
        : TypedResults.Problem(
            $"{resources} are written through the monolith until their ownership is handed over: this service is a read replica kept in sync from it. Send writes through the proxy.",
            statusCode: StatusCodes.Status409Conflict, title: "Conflict");
}
