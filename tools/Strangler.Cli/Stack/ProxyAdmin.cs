using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Strangler.Cli.Cli;

namespace Strangler.Cli.Stack;

/// <summary>
/// The proxy's admin API. The token comes from <c>STRANGLER_ADMIN_TOKEN</c>, else from the file the demo writes
/// (<c>.strangler/demo/admin-token</c>), never from the command line (it would show in <c>ps</c> and shell history).
/// </summary>
public sealed class ProxyAdmin : IDisposable
{
    public const string TokenVariable = "STRANGLER_ADMIN_TOKEN";
    private readonly HttpClient _http;

    public ProxyAdmin(Uri address, string token)
    {
        _http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(120) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _http.DefaultRequestHeaders.Add("X-Strangler-Actor", "cli"); // the audit says who changed the route
    }

    public Uri Address => _http.BaseAddress!;

    /// <summary>The admin address (<c>--admin</c>, <c>STRANGLER_PROXY_ADMIN</c>, or the default) and token.</summary>
    public static ProxyAdmin FromEnvironment(string? admin, StackLayout layout)
    {
        var address = admin ?? Environment.GetEnvironmentVariable("STRANGLER_PROXY_ADMIN") ?? layout.AdminUrl.ToString();
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new CliException($"the proxy admin address '{address}' is not an absolute http(s) URL.", ExitCodes.Usage);
        }

        var token = Environment.GetEnvironmentVariable(TokenVariable);
        var file = layout.TokenFile;
        if (string.IsNullOrWhiteSpace(token) && File.Exists(file))
        {
            token = File.ReadAllText(file).Trim();
        }

        return string.IsNullOrWhiteSpace(token)
            ? throw new CliException($"no admin token: set {TokenVariable} (the proxy's Proxy:Admin:Token), or run `strangler demo`, which writes {file}.")
            : new ProxyAdmin(uri, token);
    }

    public Task<JsonElement> RoutesAsync(CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, "/admin/routes", null, cancellationToken);

    public async Task<JsonElement?> RouteAsync(string id, CancellationToken cancellationToken)
    {
        var (status, body) = await RawAsync(HttpMethod.Get, $"/admin/routes/{Uri.EscapeDataString(id)}", null, cancellationToken);
        return status == HttpStatusCode.NotFound ? null : Ensure(status, body, $"GET /admin/routes/{id}");
    }

    public Task<JsonElement> StatsAsync(CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, "/admin/stats", null, cancellationToken);

    /// <summary>Creates or replaces a route; the reason goes to the audit log (a query parameter for PUT and DELETE).</summary>
    public Task<JsonElement> PutRouteAsync(string id, object route, string reason, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, $"/admin/routes/{Uri.EscapeDataString(id)}?reason={Uri.EscapeDataString(reason)}", route, cancellationToken);

    public Task<JsonElement> DeleteRouteAsync(string id, string reason, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, $"/admin/routes/{Uri.EscapeDataString(id)}?reason={Uri.EscapeDataString(reason)}", null, cancellationToken);

    public Task<JsonElement> StageAsync(string id, string stage, int? weight, string reason, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, $"/admin/routes/{Uri.EscapeDataString(id)}/stage", new { stage, weight, reason }, cancellationToken);

    public Task<JsonElement> RollbackAsync(string id, string reason, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, $"/admin/routes/{Uri.EscapeDataString(id)}/rollback", new { reason }, cancellationToken);

    /// <summary>The handoff: its report, whether it completed (or the route already had that owner), and the problem's detail otherwise.</summary>
    public async Task<(bool Done, JsonElement Report, string Detail)> OwnerAsync(string id, string owner, string reason, CancellationToken cancellationToken)
    {
        var (status, body) = await RawAsync(HttpMethod.Post, $"/admin/routes/{Uri.EscapeDataString(id)}/owner", new { owner, reason }, cancellationToken);
        if (status == HttpStatusCode.OK)
        {
            var report = body.GetProperty("handoff");
            return (true, report, report.GetProperty("detail").GetString() ?? "");
        }

        if (status == HttpStatusCode.Conflict && body.ValueKind == JsonValueKind.Object && body.TryGetProperty("handoff", out var refused))
        {
            return (false, refused, body.TryGetProperty("detail", out var d) ? d.GetString() ?? "" : "");
        }

        Ensure(status, body, $"POST /admin/routes/{id}/owner");
        return default;
    }

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        var (status, json) = await RawAsync(method, path, body, cancellationToken);
        return Ensure(status, json, $"{method} {path}");
    }

    private JsonElement Ensure(HttpStatusCode status, JsonElement body, string call)
    {
        if ((int)status is >= 200 and < 300)
        {
            return body;
        }

        var detail = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("detail", out var d) ? d.GetString() : body.ToString();
        throw new CliException(status == HttpStatusCode.Unauthorized
            ? $"the proxy at {Address} refused the admin token (401): set {TokenVariable} to its Proxy:Admin:Token."
            : $"proxy {call}: {(int)status} {detail}");
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> RawAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new CliException($"the proxy's admin API at {Address} cannot be reached ({e.Message}): is the proxy running (strangler demo)?");
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            JsonElement json;
            try
            {
                json = text.Length == 0 ? default : JsonSerializer.Deserialize<JsonElement>(text);
            }
            catch (JsonException)
            {
                json = JsonSerializer.SerializeToElement(text); // not JSON: kept as a string for the error message
            }

            return (response.StatusCode, json);
        }
    }

    public void Dispose() => _http.Dispose();
}
