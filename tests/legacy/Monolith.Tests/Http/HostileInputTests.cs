using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Strangler.Testing;

namespace RideShare.Monolith.Tests.Http;

/// <summary>
/// Every text field of every body, and every query parameter, given what a hostile or careless client sends —
/// NUL and other control characters, unpaired surrogates, huge values, wrong JSON types, numbers out of range:
/// a 400 problem+json naming the field, never a 500, and nothing written.
/// </summary>
public sealed class HostileInputTests(MonolithApp app) : IClassFixture<MonolithApp>
{
    private static readonly string[] BadTexts = ["\"A\\u0000B\"", "\"A\\u0001B\"", "\"A\\nB\"", "\"\\ud800\"", "\"A\\udc00B\"", $"\"{new string('x', 100_000)}\"", "5", "[]", "{}", "true"];

    private static JsonObject Driver() => new()
    {
        ["fullName"] = "Hostile Driver",
        ["email"] = $"hostile.{Guid.NewGuid():N}@example.com",
        ["phone"] = "+351 900 000 000",
        ["licenceNumber"] = "HX-" + Random.Shared.Next(10_000, 99_999),
        ["licenceExpiresOn"] = "2031-01-01",
        ["vehicle"] = new JsonObject { ["make"] = "Kia", ["model"] = "Niro", ["plate"] = "HX-00-01" },
    };

    private static JsonObject Passenger() => new() { ["fullName"] = "Hostile Passenger", ["email"] = $"p.{Guid.NewGuid():N}@example.com", ["phone"] = "+351 911 111 111" };

    private static JsonObject Trip() => new()
    {
        ["passengerId"] = 1,
        ["pickup"] = new JsonObject { ["latitude"] = 38.71, ["longitude"] = -9.14 },
        ["dropoff"] = new JsonObject { ["latitude"] = 38.73, ["longitude"] = -9.14 },
        ["pickupAddress"] = "Rua A",
        ["dropoffAddress"] = "Rua B",
    };

    public static TheoryData<string, string, string> BadBodies()
    {
        var data = new TheoryData<string, string, string>();
        void Each(string path, Func<JsonObject> body, params string[] fields)
        {
            foreach (var field in fields)
            {
                foreach (var bad in BadTexts)
                {
                    var json = body();
                    var parts = field.Split('.');
                    var target = parts.Length == 2 ? json[parts[0]]!.AsObject() : json;
                    // Spliced in as text: an unpaired surrogate cannot pass through JsonNode.
                    target[parts[^1]] = "__BAD__";
                    data.Add(path, field, json.ToJsonString().Replace("\"__BAD__\"", bad, StringComparison.Ordinal));
                }
            }
        }

        Each("/api/drivers", Driver, "fullName", "email", "phone", "licenceNumber", "vehicle.make", "vehicle.model", "vehicle.plate");
        Each("/api/passengers", Passenger, "fullName", "email", "phone");
        Each("/api/trips", Trip, "pickupAddress", "dropoffAddress");
        foreach (var (field, value) in new[]
        {
            ("pickup.latitude", "1e400"), ("pickup.latitude", "\"38.7\""), ("pickup.latitude", "91"), ("pickup.longitude", "-1e30"),
            ("passengerId", "1e40"), ("passengerId", "\"1\""), ("passengerId", "1.5"), ("passengerId", "-1"),
        })
        {
            var json = Trip();
            var parts = field.Split('.');
            (parts.Length == 2 ? json[parts[0]]!.AsObject() : json)[parts[^1]] = JsonNode.Parse(value);
            data.Add("/api/trips", field, json.ToJsonString());
        }

        var driver = Driver();
        driver["licenceExpiresOn"] = "2031-02-30";
        data.Add("/api/drivers", "licenceExpiresOn", driver.ToJsonString());
        return data;
    }

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Create_WithAHostileField_Returns400NamingIt_AndWritesNothing(string path, string field, string body)
    {
        var before = await CountAsync(path);

        using var response = await app.Client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ToList();
        Assert.True(errors.Contains(field) || errors.Contains(field.Split('.')[0]), $"{field} not named in {problem.GetRawText()}");
        Assert.Equal(before, await CountAsync(path));
    }

    [Theory]
    [InlineData("/api/drivers?page=2147483647")]
    [InlineData("/api/drivers?page=2147483647&pageSize=200")]
    [InlineData("/api/passengers?page=10737420&pageSize=200")]
    [InlineData("/api/trips?page=2147483647&pageSize=2")]
    [InlineData("/api/drivers?page=99999999999")]
    [InlineData("/api/drivers?page=-1")]
    [InlineData("/api/drivers?page=abc")]
    [InlineData("/api/drivers?page=")]
    [InlineData("/api/drivers?pageSize=0")]
    [InlineData("/api/drivers?pageSize=1e3")]
    [InlineData("/api/drivers?status=%00")]
    [InlineData("/api/drivers?status=flying")]
    [InlineData("/api/passengers?email=%00")]
    [InlineData("/api/passengers?email=a%0Ab")]
    [InlineData("/api/trips?passengerId=abc")]
    [InlineData("/api/trips?driverId=99999999999999999999")]
    [InlineData("/api/trips?status=%00")]
    public async Task List_WithAHostileQuery_Returns400Problem(string path)
    {
        using var response = await app.Client.GetAsync(path);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("/api/drivers?page=10737418&pageSize=200")]
    [InlineData("/api/passengers?page=10737419&pageSize=200")]
    [InlineData("/api/trips?page=2147483647&pageSize=1")]
    public async Task List_LastPossiblePage_IsAnEmptyPage(string path)
    {
        using var response = await app.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task CancelReason_WithNul_Returns400_AndTheTripIsNotCancelled()
    {
        var (lat, lng) = RideShareClient.NewRegion();
        await app.Api.CreateAvailableDriverAsync(lat, lng);
        var passenger = await app.Api.CreatePassengerAsync();
        var trip = await RideShareClient.ReadAsync(
            await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(app.Client, "/api/trips", RideShareClient.TripBody(passenger, lat, lng)), HttpStatusCode.Created);
        var id = trip.GetProperty("id").GetInt64();
        var status = trip.GetProperty("status").GetString();

        using var cancel = await app.Client.PostAsync($"/api/trips/{id}/cancel", new StringContent("{\"reason\":\"a\\u0000b\"}", Encoding.UTF8, "application/json"));

        await AssertProblemAsync(cancel, HttpStatusCode.BadRequest);
        Assert.Equal(status, (await app.Api.GetAsync($"/api/trips/{id}")).GetProperty("status").GetString());
    }

    private async Task<long> CountAsync(string path)
    {
        var response = await app.Client.GetAsync(path + "?pageSize=1");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("total").GetInt64();
    }

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()), text);
        return problem;
    }
}
