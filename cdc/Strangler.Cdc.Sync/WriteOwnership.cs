using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Strangler.Cdc.Sync;

/// <summary>
/// Who writes this service's resource (design.md, "The cutover model": one writer per resource). While the forward
/// sync runs, the monolith owns the writes and this store is its replica: a write reaching the service is refused
/// with 409, since applying it would fork the data (the next synced change of that row would overwrite it, and an id
/// the service picked could be taken by the monolith too) — unless the strangler proxy forwards it as the route's
/// owner's write (<c>X-Strangler-Owner: service</c>, set only by the proxy once the handoff has fenced the sync;
/// the proxy drops the header from clients). With <c>Sync:Enabled=false</c> the service owns its data and takes
/// every write.
/// </summary>
public sealed class WriteOwnership(IOptions<SyncOptions> options, IHttpContextAccessor http)
{
    /// <summary>The header the proxy puts on a write it forwards to the service as the route's owner.</summary>
    public const string OwnerHeader = "X-Strangler-Owner";

    /// <summary>True when the service owns its data outright (no sync).</summary>
    public bool ServiceOwnsWrites => !options.Value.Enabled;

    /// <summary>Null when the service takes this write; otherwise the 409 to answer.</summary>
    public ProblemHttpResult? RefuseWrite(string resources) => ServiceOwnsWrites || ForwardedAsOwner()
        ? null
        : TypedResults.Problem(
            $"{resources} are written through the monolith until their ownership is handed over: this service is a read replica kept in sync from it. Send writes through the proxy.",
            statusCode: StatusCodes.Status409Conflict, title: "Conflict");

    private bool ForwardedAsOwner() =>
        http.HttpContext?.Request.Headers[OwnerHeader] is { Count: 1 } value && string.Equals(value[0], "service", StringComparison.Ordinal);
}
