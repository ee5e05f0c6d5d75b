using System.Diagnostics;
using Microsoft.Extensions.Options;
using Strangler.Hosting.ServiceDefaults;
using Strangler.Proxy.Handoff;
using Strangler.Proxy.Health;
using Strangler.Proxy.Routing;
using Strangler.Proxy.Safety;
using Strangler.Proxy.Shadowing;
using Strangler.Proxy.Stats;
using Yarp.ReverseProxy.Forwarder;

namespace Strangler.Proxy.Forwarding;

/// <summary>
/// The request path: match a route on the live table, decide the backend, forward with YARP, record the
/// outcome (stats, passive health, canary guard) and hand a shadow copy to the background dispatcher.
/// </summary>
internal sealed partial class StranglerProxyMiddleware
{
    private const string BackendHeaderName = "X-Strangler-Backend";
    private static readonly string[] HopByHop = ["Host", "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "TE", "Trailer", "Proxy-Connection", "Content-Length", "Accept-Encoding"];

    private readonly IHttpForwarder _forwarder;
    private readonly RouteTableHolder _table;
    private readonly BackendSelector _selector;
    private readonly ProxyStats _stats;
    private readonly ShadowDispatcher _shadow;
    private readonly CanaryGuard _guard;
    private readonly ServiceHealth _health;
    private readonly ILogger<StranglerProxyMiddleware> _logger;
    private readonly HttpMessageInvoker _invoker;
    private readonly string _legacy;
    private readonly ForwarderRequestConfig _legacyConfig;
    private readonly bool _backendHeader;
    private readonly LoopGuard _loops;
    private readonly StranglerTransformer _transformer;
    private readonly WriteGates _gates;
    private readonly ReadYourWrites _readYourWrites;
    private readonly Cohorts.CohortKeys _cohorts;
    private readonly TimeSpan _maxHold;

    public StranglerProxyMiddleware(
        RequestDelegate next, IHttpForwarder forwarder, RouteTableHolder table, BackendSelector selector, ProxyStats stats,
        ShadowDispatcher shadow, CanaryGuard guard, ServiceHealth health, ILogger<StranglerProxyMiddleware> logger, ForwarderClient client,
        LoopGuard loops, StranglerTransformer transformer, WriteGates gates, ReadYourWrites readYourWrites, Cohorts.CohortKeys cohorts,
        IOptions<ProxyOptions> options, IOptions<HandoffOptions> handoff)
    {
        _ = next; // terminal middleware
        _forwarder = forwarder;
        _table = table;
        _selector = selector;
        _stats = stats;
        _shadow = shadow;
        _guard = guard;
        _health = health;
        _logger = logger;
        _legacy = options.Value.LegacyUrl.TrimEnd('/');
        _legacyConfig = new ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromSeconds(options.Value.LegacyTimeoutSeconds) };
        _backendHeader = options.Value.BackendHeader;
        _invoker = client.Invoker;
        _loops = loops;
        _transformer = transformer;
        _gates = gates;
        _readYourWrites = readYourWrites;
        _cohorts = cohorts;
        _maxHold = TimeSpan.FromMilliseconds(handoff.Value.MaxHoldMilliseconds);
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        CorrelationId.Assign(context);
        if (context.Request.Headers.Via.Count > 0 && _loops.AlreadyPassed(context.Request.Headers.Via))
        {
            await RefuseLoopAsync(context, started);
            return;
        }

        var route = _table.Current.Match(context.Request);
        if (route is null || BackendSelector.IsSafe(context.Request.Method))
        {
            await ForwardAsync(context, route, started);
            return;
        }

        // A write: through the route's gate, which holds it while the route's owner is being handed over.
        var lease = await _gates.For(route.Id).EnterAsync(_maxHold, context.RequestAborted);
        if (lease is null)
        {
            await RefuseHeldAsync(context, route, started);
            return;
        }

        using (lease)
        {
            // Held through a handoff: decide on the table as it is now (the owner may have changed).
            await ForwardAsync(context, lease.HeldMilliseconds > 0 ? _table.Current.Match(context.Request) : route, started);
        }
    }

    private async Task ForwardAsync(HttpContext context, CompiledRoute? route, long started)
    {
        var decision = _selector.Decide(route, context);
        if (route is not null && decision.ServiceDestination is { } reader && _readYourWrites.HasPending && BackendSelector.IsSafe(context.Request.Method)
            && await _readYourWrites.MustReadFromLegacyAsync(route.Id, _cohorts.KeyFor(context), reader, context.RequestAborted))
        {
            decision = BackendDecision.Legacy; // this user wrote something the service has not applied yet
        }

        // A write on a route whose reads may go to the service: its user is remembered with the write's commit position.
        var writer = route is not null && route.Stage is Stage.Canary or Stage.Service && !BackendSelector.IsSafe(context.Request.Method)
            ? _cohorts.KeyFor(context)
            : null;

        if (route is not null && decision.ServiceDestination is not null && route.Definition.Owner == WriteOwner.Service
            && !BackendSelector.IsSafe(context.Request.Method))
        {
            context.Items[StranglerTransformer.OwnerWriteItem] = true; // the service takes it as the owner's write
        }

        var routeId = route?.Id ?? ProxyStats.Unmatched;
        var backend = decision.Backend == Backend.Legacy ? "legacy" : "service";

        if (decision.Reject)
        {
            context.Response.Headers[CorrelationId.HeaderName] = context.TraceIdentifier;
            await TypedResults.Problem(
                $"Route '{routeId}' is served by a service that is unhealthy, and {context.Request.Method} cannot fall back to the monolith.",
                statusCode: StatusCodes.Status503ServiceUnavailable, title: "Service Unavailable").ExecuteAsync(context);
            _stats.For(routeId, Backend.Service).Record(StatusCodes.Status503ServiceUnavailable, false, Stopwatch.GetElapsedTime(started));
            Log(context, routeId, route, backend, Stopwatch.GetElapsedTime(started));
            return;
        }

        if (_backendHeader)
        {
            context.Response.Headers[BackendHeaderName] = backend;
        }

        var destination = decision.ServiceDestination ?? _legacy;
        ResponseTee? tee = null;
        var clientBody = context.Response.Body;
        if (decision.ShadowDestination is not null)
        {
            tee = new ResponseTee(clientBody, _shadow.MaxBodyBytes);
            context.Response.Body = tee;
        }

        ForwarderError error;
        try
        {
            error = await _forwarder.SendAsync(context, destination, _invoker, route?.RequestConfig ?? _legacyConfig, _transformer);
        }
        finally
        {
            context.Response.Body = clientBody;
        }

        // The client went away (or sent a broken body): not the backend's failure. Counted as 499 (nginx's "client
        // closed request"), never as a service error — a burst of disconnects must not eject a healthy service or
        // roll its canary back — and nothing is written to a client that is gone.
        var clientSide = IsClientSide(error);
        if (clientSide && !context.Response.HasStarted)
        {
            context.Response.StatusCode = ClientClosedRequest; // for the log line; the client is gone
        }
        else if (error != ForwarderError.None && !context.Response.HasStarted)
        {
            context.Response.Headers[CorrelationId.HeaderName] = context.TraceIdentifier;
            var timedOut = error == ForwarderError.RequestTimedOut;
            await TypedResults.Problem(
                timedOut ? $"The {backend} did not answer in time." : $"The {backend} could not be reached ({error}).",
                statusCode: timedOut ? StatusCodes.Status504GatewayTimeout : StatusCodes.Status502BadGateway,
                title: timedOut ? "Gateway Timeout" : "Bad Gateway").ExecuteAsync(context);
        }

        var status = context.Response.StatusCode;
        if (writer is not null && decision.Backend == Backend.Legacy && status is >= 200 and < 300
            && context.Response.Headers.TryGetValue(ReadYourWrites.HeaderName, out var position))
        {
            _readYourWrites.Remember(route!.Id, writer, position.ToString());
        }

        var failed = !clientSide && (error != ForwarderError.None || status >= 500);
        var elapsed = Stopwatch.GetElapsedTime(started);
        _stats.For(routeId, decision.Backend).Record(clientSide ? ClientClosedRequest : status, error != ForwarderError.None && !clientSide, elapsed);
        Log(context, routeId, route, backend, elapsed);
        if (decision.ServiceDestination is { } service && !clientSide)
        {
            var ejected = _health.ReportProxied(service, failed);
            _guard.Record(route!, failed, ejected);
        }

        if (tee is not null)
        {
            using (tee)
            {
                QueueShadow(context, route!, decision.ShadowDestination!, tee, error);
            }
        }
    }

    /// <summary>Status recorded for a request whose client went away before its answer was complete.</summary>
    internal const int ClientClosedRequest = 499;

    /// <summary>Errors caused by the client (cancelled, disconnected, a broken request body), not by the backend.</summary>
    internal static bool IsClientSide(ForwarderError error) => error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled
        or ForwarderError.RequestBodyClient or ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyClient
        or ForwarderError.UpgradeRequestCanceled or ForwarderError.UpgradeRequestClient or ForwarderError.UpgradeResponseCanceled
        or ForwarderError.UpgradeResponseClient;

    private async Task RefuseHeldAsync(HttpContext context, CompiledRoute route, long started)
    {
        context.Response.Headers[CorrelationId.HeaderName] = context.TraceIdentifier;
        context.Response.Headers.RetryAfter = "1";
        await TypedResults.Problem(
            $"Writes to route '{route.Id}' are held while its write owner is handed over, and this one waited {_maxHold.TotalMilliseconds:0} ms: nothing was sent. Retry.",
            statusCode: StatusCodes.Status503ServiceUnavailable, title: "Service Unavailable").ExecuteAsync(context);
        var elapsed = Stopwatch.GetElapsedTime(started);
        _stats.For(route.Id, route.Definition.Owner == WriteOwner.Service ? Backend.Service : Backend.Legacy).Record(StatusCodes.Status503ServiceUnavailable, false, elapsed);
        Log(context, route.Id, route, "held", elapsed);
    }

    private async Task RefuseLoopAsync(HttpContext context, long started)
    {
        context.Response.Headers[CorrelationId.HeaderName] = context.TraceIdentifier;
        await TypedResults.Problem(
            $"This request already passed through this proxy (Via: {context.Request.Headers.Via}): a route destination or the legacy URL " +
            "leads back to the proxy. Point it at the service or the monolith itself.",
            statusCode: StatusCodes.Status508LoopDetected, title: "Loop Detected").ExecuteAsync(context);
        var elapsed = Stopwatch.GetElapsedTime(started);
        _stats.For(ProxyStats.Unmatched, Backend.Legacy).Record(StatusCodes.Status508LoopDetected, false, elapsed);
        Log(context, ProxyStats.Unmatched, null, "none", elapsed);
    }

    private void Log(HttpContext context, string routeId, CompiledRoute? route, string backend, TimeSpan elapsed)
    {
        if (_logger.IsEnabled(LogLevel.Information))
        {
            LogRequest(_logger, context.Request.Method, context.Request.Path, context.Response.StatusCode, elapsed.TotalMilliseconds,
                routeId, route?.Stage ?? Stage.Legacy, backend, context.TraceIdentifier);
        }
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0000} ms via {Backend} (route {RouteId}, stage {Stage}, correlation {CorrelationId})")]
    private static partial void LogRequest(
        ILogger logger, string requestMethod, PathString requestPath, int statusCode, double elapsed, string routeId, Stage stage, string backend, string correlationId);

    private void QueueShadow(HttpContext context, CompiledRoute route, string destination, ResponseTee tee, ForwarderError error)
    {
        // Only a complete, unencoded legacy answer is a fair reference.
        if (error != ForwarderError.None || tee.Truncated || context.Response.Headers.ContentEncoding.Count > 0)
        {
            _stats.ShadowFor(route.Id).Skip();
            return;
        }

        var headers = new List<KeyValuePair<string, string[]>>();
        foreach (var (name, values) in context.Request.Headers)
        {
            if (!HopByHop.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                headers.Add(new(name, values.ToArray()!));
            }
        }

        headers.Add(new("X-Strangler-Shadow", ["true"]));
        headers.Add(new("Via", [_loops.ViaValue]));
        _shadow.Enqueue(new ShadowJob(
            route, destination, context.Request.Method, $"{context.Request.PathBase}{context.Request.Path}{context.Request.QueryString}",
            headers, context.Response.StatusCode, context.Response.ContentType?.Split(';', 2)[0].Trim(), tee.TakeCaptured()));
    }
}
