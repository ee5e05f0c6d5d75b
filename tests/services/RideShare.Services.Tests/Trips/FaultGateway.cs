using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace RideShare.Services.Tests.Trips;

/// <summary>What the fault gateway does with a matching request.</summary>
public enum Fault
{
    /// <summary>Answer 503 without forwarding: the owner never sees the call.</summary>
    FailBefore,

    /// <summary>Never answer and never forward: the caller times out, the owner never saw the call.</summary>
    HangBefore,

    /// <summary>Forward, let the owner act, then never answer: the caller times out although the call took effect.</summary>
    HangAfter,

    /// <summary>Forward, let the owner act, then hold the answer until <see cref="FaultGateway.ReleaseHeld"/>: a slow answer.</summary>
    HoldAfter,

    /// <summary>Forward, let the owner act, then answer 502: the call took effect, the caller hears a failure.</summary>
    FailAfter,
}

/// <summary>
/// A controllable fake in front of the real gateway (the proxy), on loopback: requests pass through unless a rule
/// for their method and path injects a fault. Hangs end when the caller gives up (its request is aborted), never
/// by sleeping.
/// </summary>
public sealed class FaultGateway : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _forward;
    private readonly ConcurrentDictionary<string, (string Method, Regex Path, Fault Fault, int Remaining, int Skip)> _rules = new();

    private FaultGateway(WebApplication app, Uri target)
    {
        _app = app;
        _forward = new HttpClient { BaseAddress = target };
    }

    public Uri Address { get; private set; } = null!;

    /// <summary>Requests that reached the gateway, as "METHOD /path".</summary>
    public ConcurrentQueue<string> Seen { get; } = new();

    /// <summary>Completed each time a faulted call was forwarded and the owner answered (HangAfter, FailAfter).</summary>
    public ConcurrentQueue<TaskCompletionSource> Forwarded { get; } = new();

    public static async Task<FaultGateway> StartAsync(Uri target)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var gateway = new FaultGateway(app, target);
        app.Run(gateway.HandleAsync);
        await app.StartAsync();
        gateway.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return gateway;
    }

    /// <summary>
    /// Injects <paramref name="fault"/> into the next <paramref name="times"/> requests matching (all when null), after
    /// letting the first <paramref name="skip"/> matching ones through.
    /// </summary>
    public void Inject(string method, string pathPattern, Fault fault, int? times = null, int skip = 0) =>
        _rules[$"{method} {pathPattern}"] = (method, new Regex(pathPattern), fault, times ?? int.MaxValue, skip);

    private TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Lets every answer held by <see cref="Fault.HoldAfter"/> go (and holds the next ones again).</summary>
    public void ReleaseHeld() => Interlocked.Exchange(ref _held, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    public void Clear()
    {
        _rules.Clear();
        Seen.Clear();
    }

    /// <summary>A task completed when the next HangAfter/FailAfter call has been carried out by the owner.</summary>
    public Task NextForwardedAsync()
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Forwarded.Enqueue(signal);
        return signal.Task;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path + request.QueryString;
        Seen.Enqueue($"{request.Method} {request.Path}");
        var fault = Match(request.Method, request.Path);
        switch (fault)
        {
            case Fault.FailBefore:
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return;
            case Fault.HangBefore:
                await HangAsync(context);
                return;
        }

        using var forward = new HttpRequestMessage(new HttpMethod(request.Method), path);
        foreach (var (name, values) in request.Headers)
        {
            // End-to-end headers pass (X-Strangler-Owner, Idempotency-Key, If-Match…); the connection's own do not.
            if (!HopByHop.Contains(name) && !name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                forward.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }

        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            forward.Content = new ByteArrayContent(body.ToArray());
            if (request.ContentType is { } type)
            {
                forward.Content.Headers.TryAddWithoutValidation("Content-Type", type);
            }
        }

        using var response = await _forward.SendAsync(forward);
        var content = await response.Content.ReadAsByteArrayAsync();
        if (fault is Fault.HangAfter or Fault.FailAfter or Fault.HoldAfter)
        {
            if (Forwarded.TryDequeue(out var signal))
            {
                signal.TrySetResult();
            }

            if (fault == Fault.HoldAfter)
            {
                await _held.Task.WaitAsync(context.RequestAborted);
                fault = null; // then answer as the owner did
            }
            else if (fault == Fault.HangAfter)
            {
                await HangAsync(context);
            }
            else
            {
                context.Response.StatusCode = StatusCodes.Status502BadGateway;
            }

            if (fault is not null)
            {
                return;
            }
        }

        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var header in response.Headers.Where(h => !HopByHop.Contains(h.Key)))
        {
            context.Response.Headers[header.Key] = header.Value.ToArray();
        }

        foreach (var header in response.Content.Headers)
        {
            context.Response.Headers[header.Key] = header.Value.ToArray();
        }

        context.Response.Headers.Remove("Content-Length");
        await context.Response.Body.WriteAsync(content);
    }

    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Keep-Alive", "Transfer-Encoding", "TE", "Trailer", "Upgrade", "Proxy-Connection", "Proxy-Authorization", "Proxy-Authenticate",
    };

    private Fault? Match(string method, string path)
    {
        foreach (var (key, rule) in _rules)
        {
            if (rule.Method == method && rule.Path.IsMatch(path) && rule.Remaining > 0)
            {
                if (rule.Skip > 0)
                {
                    _rules[key] = rule with { Skip = rule.Skip - 1 };
                    return null;
                }

                _rules[key] = rule with { Remaining = rule.Remaining - 1 };
                return rule.Fault;
            }
        }

        return null;
    }

    private static async Task HangAsync(HttpContext context)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted); // until the caller gives up
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _forward.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
