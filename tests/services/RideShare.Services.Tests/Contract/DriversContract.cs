using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using static Strangler.Testing.RideShareClient;

namespace RideShare.Services.Tests.Contract;

/// <summary>
/// The /api/drivers contract (docs/api.md), one suite run against every implementation — the monolith and the
/// Drivers service (owning its data) — with the same assertions: the proxy can move the route and no client notices.
/// </summary>
public abstract class DriversContract(IContractTarget target)
{
    private HttpClient Http => target.Client;

    private RideShareClient Api => target.Api;

    [Fact]
    public async Task CreateDriver_ValidBody_Returns201WithNormalisedDriverLocationAndETag()
    {
        var response = await Http.PostAsJsonAsync("/api/drivers", DriverBody(email: "  Mixed.Case@Example.com ", licence: "ab-99887"));

        var driver = await ReadAsync(response, HttpStatusCode.Created);
        var id = driver.GetProperty("id").GetInt64();
        Assert.Equal($"/api/drivers/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("\"1\"", response.Headers.ETag?.Tag);
        Assert.Equal("mixed.case@example.com", driver.GetProperty("email").GetString());
        Assert.Equal("AB-99887", driver.GetProperty("licenceNumber").GetString());
        Assert.Equal("offline", driver.GetProperty("status").GetString());
        Assert.Equal("2031-06-30", driver.GetProperty("licenceExpiresOn").GetString());
        Assert.Equal("Prius", driver.GetProperty("vehicle").GetProperty("model").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, driver.GetProperty("rating").ValueKind);
        Assert.Equal(1, driver.GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task CreateDriver_EmptyBody_Returns400NamingEveryRequiredField()
    {
        var fields = await InvalidFieldsAsync(await Http.PostAsJsonAsync("/api/drivers", new { }));

        Assert.Superset(new HashSet<string> { "fullName", "email", "licenceNumber", "licenceExpiresOn", "vehicle" }, fields);
    }

    [Fact]
    public async Task CreateDriver_BadEmailExpiredLicenceAndMissingPlate_Returns400NamingThoseFields()
    {
        var fields = await InvalidFieldsAsync(await Http.PostAsJsonAsync("/api/drivers", new
        {
            fullName = "X",
            email = "not-an-email",
            licenceNumber = "AB-12345",
            licenceExpiresOn = "2001-01-01",
            vehicle = new { make = "Kia", model = "Niro" },
        }));

        Assert.Equal(new HashSet<string> { "email", "licenceExpiresOn", "vehicle.plate" }, fields);
    }

    [Fact]
    public async Task CreateDriver_DuplicateEmail_Returns409AndCreatesNothing()
    {
        var email = $"dup.{Guid.NewGuid():N}@example.com";
        await Api.CreateDriverAsync(DriverBody(email: email));
        var before = (await Api.GetAsync("/api/drivers?pageSize=1")).GetProperty("total").GetInt64();

        var problem = await ProblemAsync(await Http.PostAsJsonAsync("/api/drivers", DriverBody(email: email)), HttpStatusCode.Conflict);

        Assert.Contains("email", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, (await Api.GetAsync("/api/drivers?pageSize=1")).GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task CreateDriver_DuplicateLicence_Returns409()
    {
        var licence = $"L-{Guid.NewGuid():N}"[..12];
        await Api.CreateDriverAsync(DriverBody(licence: licence));

        var problem = await ProblemAsync(await Http.PostAsJsonAsync("/api/drivers", DriverBody(licence: licence.ToLowerInvariant())), HttpStatusCode.Conflict);

        Assert.Contains("licence", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateDriver_MalformedJson_Returns400Problem()
    {
        using var content = new StringContent("{\"fullName\": ", Encoding.UTF8, "application/json");

        var problem = await ProblemAsync(await Http.PostAsync("/api/drivers", content), HttpStatusCode.BadRequest);

        Assert.Contains("not valid JSON", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateDriver_WrongJsonType_Returns400NamingTheField()
    {
        using var content = new StringContent("{\"fullName\": \"A\", \"licenceExpiresOn\": 20300101}", Encoding.UTF8, "application/json");

        var fields = await InvalidFieldsAsync(await Http.PostAsync("/api/drivers", content));

        Assert.Equal(new HashSet<string> { "licenceExpiresOn" }, fields);
    }

    [Fact]
    public async Task GetDriver_Unknown_Returns404Problem()
    {
        var problem = await ProblemAsync(await Http.GetAsync("/api/drivers/987654321"), HttpStatusCode.NotFound);

        Assert.Contains("987654321", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetDriver_Existing_ReturnsSameRepresentationAsCreateWithETag()
    {
        var created = await Api.CreateDriverAsync();
        var id = created.GetProperty("id").GetInt64();

        var response = await Http.GetAsync($"/api/drivers/{id}");
        var fetched = await ReadAsync(response, HttpStatusCode.OK);

        Assert.Equal(created.GetRawText(), fetched.GetRawText());
        Assert.Equal("\"1\"", response.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task ListDrivers_StatusFilterAndPaging_ReturnsOnlyMatchingDriversInIdOrder()
    {
        var (lat, lng) = NewRegion();
        var available = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            available.Add(await Api.CreateAvailableDriverAsync(lat, lng));
        }

        var all = await Api.GetAsync("/api/drivers?status=available&pageSize=200");
        var firstPage = await Api.GetAsync("/api/drivers?status=available&page=1&pageSize=2");

        var ids = all.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("id").GetInt64()).ToList();
        Assert.All(all.GetProperty("items").EnumerateArray(), d => Assert.Equal("available", d.GetProperty("status").GetString()));
        Assert.Superset(available.ToHashSet(), ids.ToHashSet());
        Assert.Equal(ids.Order().ToList(), ids);
        Assert.Equal(2, firstPage.GetProperty("items").GetArrayLength());
        Assert.Equal(all.GetProperty("total").GetInt64(), firstPage.GetProperty("total").GetInt64());
        Assert.Equal(2, firstPage.GetProperty("pageSize").GetInt32());
    }

    [Fact]
    public async Task ListDrivers_UnknownStatusAndPageSizeTooLarge_Returns400NamingBoth()
    {
        var fields = await InvalidFieldsAsync(await Http.GetAsync("/api/drivers?status=sleeping&pageSize=5000&page=0"));

        Assert.Equal(new HashSet<string> { "status", "pageSize", "page" }, fields);
    }

    [Fact]
    public async Task ReplaceDriver_MatchingIfMatch_ReplacesFieldsAndBumpsVersion()
    {
        var id = (await Api.CreateDriverAsync()).GetProperty("id").GetInt64();
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/drivers/{id}") { Content = JsonContent.Create(DriverBody()) };
        request.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));

        var response = await Http.SendAsync(request);
        var replaced = await ReadAsync(response, HttpStatusCode.OK);

        Assert.Equal(2, replaced.GetProperty("version").GetInt32());
        Assert.Equal("\"2\"", response.Headers.ETag?.Tag);
        Assert.Equal(replaced.GetRawText(), (await Api.GetAsync($"/api/drivers/{id}")).GetRawText());
    }

    [Fact]
    public async Task ReplaceDriver_StaleIfMatch_Returns412AndKeepsStoredDriver()
    {
        var created = await Api.CreateDriverAsync();
        var id = created.GetProperty("id").GetInt64();
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/drivers/{id}") { Content = JsonContent.Create(DriverBody()) };
        request.Headers.IfMatch.Add(new EntityTagHeaderValue("\"7\""));

        await ProblemAsync(await Http.SendAsync(request), HttpStatusCode.PreconditionFailed);

        Assert.Equal(created.GetRawText(), (await Api.GetAsync($"/api/drivers/{id}")).GetRawText());
    }

    [Fact]
    public async Task ReplaceDriver_WithoutIfMatch_Returns428()
    {
        var id = (await Api.CreateDriverAsync()).GetProperty("id").GetInt64();

        await ProblemAsync(await Http.PutAsJsonAsync($"/api/drivers/{id}", DriverBody()), HttpStatusCode.PreconditionRequired);
    }

    [Fact]
    public async Task ReplaceDriver_ConcurrentWritersWithSameVersion_ExactlyOneWins()
    {
        var id = (await Api.CreateDriverAsync()).GetProperty("id").GetInt64();

        async Task<HttpStatusCode> ReplaceAsync(string name)
        {
            var body = DriverBody();
            using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/drivers/{id}") { Content = JsonContent.Create(body) };
            request.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));
            return (await Http.SendAsync(request)).StatusCode;
        }

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => ReplaceAsync($"writer {i}")));

        Assert.Single(results, s => s == HttpStatusCode.OK);
        Assert.All(results.Where(s => s != HttpStatusCode.OK), s => Assert.True(s is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict, s.ToString()));
        Assert.Equal(2, (await Api.GetAsync($"/api/drivers/{id}")).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task ReplaceDriver_Unknown_Returns404()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/api/drivers/987654321") { Content = JsonContent.Create(DriverBody()) };
        request.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));

        await ProblemAsync(await Http.SendAsync(request), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ChangeStatus_AvailableWithLocation_StoresStatusAndRoundedPosition()
    {
        var id = (await Api.CreateDriverAsync()).GetProperty("id").GetInt64();

        var response = await Http.PutAsJsonAsync($"/api/drivers/{id}/status", new { status = "available", location = new { latitude = 38.12345678m, longitude = -9.5m } });
        var driver = await ReadAsync(response, HttpStatusCode.OK);

        Assert.Equal("available", driver.GetProperty("status").GetString());
        Assert.Equal(38.123457m, driver.GetProperty("location").GetProperty("latitude").GetDecimal());
        Assert.Equal(driver.GetRawText(), (await Api.GetAsync($"/api/drivers/{id}")).GetRawText());
    }

    [Fact]
    public async Task ChangeStatus_AvailableWithoutAnyLocation_Returns400AndStaysOffline()
    {
        var id = (await Api.CreateDriverAsync()).GetProperty("id").GetInt64();

        var fields = await InvalidFieldsAsync(await Http.PutAsJsonAsync($"/api/drivers/{id}/status", new { status = "available" }));

        Assert.Equal(new HashSet<string> { "location" }, fields);
        Assert.Equal("offline", (await Api.GetAsync($"/api/drivers/{id}")).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("on_trip")]
    [InlineData("sleeping")]
    public async Task ChangeStatus_StatusNotSettableByDriver_Returns400(string status)
    {
        var id = (await Api.CreateDriverAsync()).GetProperty("id").GetInt64();

        var fields = await InvalidFieldsAsync(await Http.PutAsJsonAsync($"/api/drivers/{id}/status", new { status }));

        Assert.Contains("status", fields);
    }

    [Fact]
    public async Task ChangeStatus_OutOfRangeLocation_Returns400NamingCoordinate()
    {
        var id = (await Api.CreateDriverAsync()).GetProperty("id").GetInt64();

        var fields = await InvalidFieldsAsync(await Http.PutAsJsonAsync($"/api/drivers/{id}/status", new { location = new { latitude = 91, longitude = 0 } }));

        Assert.Equal(new HashSet<string> { "location.latitude" }, fields);
    }

    [Fact]
    public async Task DeleteDriver_WithoutTrips_Returns204ThenGetReturns404()
    {
        var id = (await Api.CreateDriverAsync()).GetProperty("id").GetInt64();

        Assert.Equal(HttpStatusCode.NoContent, (await Http.DeleteAsync($"/api/drivers/{id}")).StatusCode);
        await ProblemAsync(await Http.GetAsync($"/api/drivers/{id}"), HttpStatusCode.NotFound);
        await ProblemAsync(await Http.DeleteAsync($"/api/drivers/{id}"), HttpStatusCode.NotFound);
    }
}
