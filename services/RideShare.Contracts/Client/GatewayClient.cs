using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using RideShare.Contracts.Drivers;
using RideShare.Contracts.Http;
using RideShare.Contracts.Values;

namespace RideShare.Contracts.Client;

/// <summary>What a call through the gateway came to: an answer, a refusal by the owner (4xx), or no answer.</summary>
public sealed record GatewayResult<T>(T? Value, int? RefusedStatus, string? Detail, bool TimedOut)
{
    public bool Ok => RefusedStatus is null && Detail is null;

    public bool Refused => RefusedStatus is not null;

    /// <summary>The owner could not be reached or failed (5xx, connection error, timeout).</summary>
    public bool Failed => !Ok && !Refused;

    /// <summary>The problem the Trips service answers for a failed call: 504 on a timeout, else 503 with Retry-After.</summary>
    public ProblemHttpResult Problem(string what) => TimedOut
        ? TypedResults.Problem($"{what}: the drivers/passengers owner did not answer in time ({Detail}). Nothing was left half done; retry with the same Idempotency-Key.",
            statusCode: StatusCodes.Status504GatewayTimeout, title: "Gateway Timeout")
        : TypedResults.Problem($"{what}: the drivers/passengers owner is unavailable ({Detail}). Nothing was left half done; retry with the same Idempotency-Key.",
            statusCode: StatusCodes.Status503ServiceUnavailable, title: "Service Unavailable");
}

/// <summary>
/// The Trips service's calls to drivers and passengers, through the gateway (the proxy) — never their databases.
/// Every call is safe to repeat: reservations are keyed (docs/api.md, "Driver reservations").
/// </summary>
public sealed class GatewayClient(HttpClient http)
{
    public const string HttpClientName = "gateway";

    private static readonly JsonSerializerOptions Json = CreateJson();

    public async Task<GatewayResult<bool>> PassengerExistsAsync(long passengerId, CancellationToken cancellationToken)
    {
        var result = await SendAsync<JsonElement>(() => new HttpRequestMessage(HttpMethod.Get, $"/api/passengers/{passengerId}"), cancellationToken);
        return result.RefusedStatus == StatusCodes.Status404NotFound
            ? new GatewayResult<bool>(false, null, null, false)
            : new GatewayResult<bool>(result.Ok, result.RefusedStatus, result.Detail, result.TimedOut);
    }

    public Task<GatewayResult<ReservationResponse>> ReserveAsync(string key, GeoPoint pickup, CancellationToken cancellationToken) =>
        SendAsync<ReservationResponse>(() => Put($"/api/drivers/reservations/{key}", new ReservationRequest(new GeoPointDto(pickup.Latitude, pickup.Longitude))), cancellationToken);

    public Task<GatewayResult<ReservationResponse>> ConfirmAsync(string key, long tripId, CancellationToken cancellationToken) =>
        SendAsync<ReservationResponse>(() => Post($"/api/drivers/reservations/{key}/confirm", new ConfirmReservationRequest(tripId)), cancellationToken);

    public Task<GatewayResult<ReservationResponse>> ReleaseAsync(string key, CancellationToken cancellationToken) =>
        SendAsync<ReservationResponse>(() => new HttpRequestMessage(HttpMethod.Post, $"/api/drivers/reservations/{key}/release"), cancellationToken);

    public Task<GatewayResult<ReservationResponse>> CompleteAsync(string key, GeoPoint dropoff, int? rating, CancellationToken cancellationToken) =>
        SendAsync<ReservationResponse>(() => Post($"/api/drivers/reservations/{key}/complete",
            new CompleteReservationRequest(new GeoPointDto(dropoff.Latitude, dropoff.Longitude), rating)), cancellationToken);

    private static HttpRequestMessage Put<T>(string path, T body) => new(HttpMethod.Put, path) { Content = JsonContent.Create(body, options: Json) };

    private static HttpRequestMessage Post<T>(string path, T body) => new(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: Json) };

    private async Task<GatewayResult<T>> SendAsync<T>(Func<HttpRequestMessage> request, CancellationToken cancellationToken)
    {
        try
        {
            using var message = request();
            using var response = await http.SendAsync(message, cancellationToken);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                var value = await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken);
                return new GatewayResult<T>(value, null, null, false);
            }

            var detail = await DetailAsync(response, cancellationToken);
            return status is >= 400 and < 500 && response.StatusCode != HttpStatusCode.RequestTimeout
                ? new GatewayResult<T>(default, status, detail, false)
                : new GatewayResult<T>(default, null, $"{status} {detail}", response.StatusCode == HttpStatusCode.GatewayTimeout);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new GatewayResult<T>(default, null, $"no answer within {http.Timeout.TotalSeconds:0.#} s", true);
        }
        catch (HttpRequestException e)
        {
            return new GatewayResult<T>(default, null, e.Message, false);
        }
        catch (JsonException e)
        {
            return new GatewayResult<T>(default, null, $"an answer that is not the contract's JSON ({e.Message})", false);
        }
    }

    private static async Task<string> DetailAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            if (problem.RootElement.ValueKind == JsonValueKind.Object && problem.RootElement.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String)
            {
                return detail.GetString()!;
            }
        }
        catch (JsonException)
        {
        }

        return response.ReasonPhrase ?? response.StatusCode.ToString();
    }

    private static JsonSerializerOptions CreateJson()
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        ContractJson.Configure(json);
        return json;
    }
}
