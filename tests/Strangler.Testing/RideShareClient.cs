using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit;

namespace Strangler.Testing;

/// <summary>Test-side helpers that drive the RideShare API (monolith or an extracted service) over HTTP and read responses as raw JSON (the wire contract).</summary>
public sealed class RideShareClient(HttpClient http)
{
    private static int _region;

    public HttpClient Http => http;

    /// <summary>A map position no other test in the class uses, so "nearest driver" is under the test's control.</summary>
    public static (decimal Lat, decimal Lng) NewRegion()
    {
        var n = Interlocked.Increment(ref _region);
        return (-60m + (n % 120), -170m + (n / 120 * 5));
    }

    public static object DriverBody(string? email = null, string? licence = null) => new
    {
        fullName = "Test Driver",
        email = email ?? $"driver.{Guid.NewGuid():N}@example.com",
        phone = "+351 912345678",
        licenceNumber = licence ?? $"T-{Guid.NewGuid():N}"[..16],
        licenceExpiresOn = "2031-06-30",
        vehicle = new { make = "Toyota", model = "Prius", plate = "AA-00-BB" },
    };

    public static object PassengerBody(string? email = null) => new
    {
        fullName = "Test Passenger",
        email = email ?? $"passenger.{Guid.NewGuid():N}@example.com",
        phone = "+351 912345678",
    };

    public async Task<JsonElement> CreateDriverAsync(object? body = null)
    {
        var response = await http.PostAsJsonAsync("/api/drivers", body ?? DriverBody());
        return await ReadAsync(response, HttpStatusCode.Created);
    }

    /// <summary>Creates a driver and makes it available at the given position.</summary>
    public async Task<long> CreateAvailableDriverAsync(decimal lat, decimal lng)
    {
        var id = (await CreateDriverAsync()).GetProperty("id").GetInt64();
        var response = await http.PutAsJsonAsync($"/api/drivers/{id}/status", new { status = "available", location = new { latitude = lat, longitude = lng } });
        await ReadAsync(response, HttpStatusCode.OK);
        return id;
    }

    public async Task<long> CreatePassengerAsync()
    {
        var response = await http.PostAsJsonAsync("/api/passengers", new { fullName = "Test Passenger", email = $"p.{Guid.NewGuid():N}@example.com" });
        return (await ReadAsync(response, HttpStatusCode.Created)).GetProperty("id").GetInt64();
    }

    public static object TripBody(long passengerId, decimal lat, decimal lng) => new
    {
        passengerId,
        pickup = new { latitude = lat, longitude = lng },
        dropoff = new { latitude = lat + 0.02m, longitude = lng + 0.02m },
    };

    public Task<HttpResponseMessage> RequestTripAsync(long passengerId, decimal lat, decimal lng) =>
        http.PostAsJsonAsync("/api/trips", TripBody(passengerId, lat, lng));

    /// <summary>A trip request carrying <c>Idempotency-Key</c>: a retry with the same key is the same request.</summary>
    public Task<HttpResponseMessage> RequestTripAsync(long passengerId, decimal lat, decimal lng, string idempotencyKey)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, "/api/trips") { Content = JsonContent.Create(TripBody(passengerId, lat, lng)) };
        message.Headers.Add("Idempotency-Key", idempotencyKey);
        return http.SendAsync(message);
    }

    /// <summary>A driver's status as the API shows it (available, on_trip, offline…).</summary>
    public async Task<string> DriverStatusAsync(long id) => (await GetAsync($"/api/drivers/{id}")).GetProperty("status").GetString()!;

    public async Task<JsonElement> GetAsync(string path) => await ReadAsync(await http.GetAsync(path), HttpStatusCode.OK);

    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts a problem+json response with <paramref name="status"/> and returns it.</summary>
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var problem = await ReadAsync(response, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem;
    }

    /// <summary>The field names a 400 validation problem lists.</summary>
    public static async Task<HashSet<string>> InvalidFieldsAsync(HttpResponseMessage response)
    {
        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        return problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToHashSet();
    }
}
