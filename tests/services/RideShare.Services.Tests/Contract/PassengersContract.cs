using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using static Strangler.Testing.RideShareClient;

namespace RideShare.Services.Tests.Contract;

/// <summary>The /api/passengers contract, one suite run against the monolith and the Passengers service with the same assertions.</summary>
public abstract class PassengersContract(IContractTarget target)
{
    private HttpClient Http => target.Client;

    private RideShareClient Api => target.Api;

    [Fact]
    public async Task CreatePassenger_ValidBody_Returns201AndGetReturnsSameRepresentation()
    {
        var response = await Http.PostAsJsonAsync("/api/passengers", new { fullName = " Rita Rider ", email = "Rita@Example.com", marketingOptIn = true });

        var created = await ReadAsync(response, HttpStatusCode.Created);
        var id = created.GetProperty("id").GetInt64();
        Assert.Equal("Rita Rider", created.GetProperty("fullName").GetString());
        Assert.Equal("rita@example.com", created.GetProperty("email").GetString());
        Assert.True(created.GetProperty("marketingOptIn").GetBoolean());
        Assert.Equal($"/api/passengers/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(created.GetRawText(), (await Api.GetAsync($"/api/passengers/{id}")).GetRawText());
    }

    [Fact]
    public async Task CreatePassenger_MissingNameAndBadEmail_Returns400NamingBoth()
    {
        var fields = await InvalidFieldsAsync(await Http.PostAsJsonAsync("/api/passengers", new { email = "nope@", phone = new string('9', 40) }));

        Assert.Equal(new HashSet<string> { "fullName", "email", "phone" }, fields);
    }

    [Fact]
    public async Task CreatePassenger_DuplicateEmail_Returns409()
    {
        var email = $"same.{Guid.NewGuid():N}@example.com";
        await ReadAsync(await Http.PostAsJsonAsync("/api/passengers", new { fullName = "A", email }), HttpStatusCode.Created);

        await ProblemAsync(await Http.PostAsJsonAsync("/api/passengers", new { fullName = "B", email = email.ToUpperInvariant() }), HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task GetPassenger_Unknown_Returns404()
    {
        await ProblemAsync(await Http.GetAsync("/api/passengers/99999999"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ListPassengers_ByEmail_ReturnsExactlyThatPassenger()
    {
        var email = $"find.{Guid.NewGuid():N}@example.com";
        await ReadAsync(await Http.PostAsJsonAsync("/api/passengers", new { fullName = "Findable", email }), HttpStatusCode.Created);

        var page = await Api.GetAsync($"/api/passengers?email={Uri.EscapeDataString(email.ToUpperInvariant())}");

        Assert.Equal(1, page.GetProperty("total").GetInt64());
        Assert.Equal(email, page.GetProperty("items")[0].GetProperty("email").GetString());
    }

    [Fact]
    public async Task ReplacePassenger_MatchingThenStaleIfMatch_UpdatesOnceThen412()
    {
        var id = await Api.CreatePassengerAsync();
        var body = new { fullName = "Renamed", email = $"r.{Guid.NewGuid():N}@example.com" };

        using var first = new HttpRequestMessage(HttpMethod.Put, $"/api/passengers/{id}") { Content = JsonContent.Create(body) };
        first.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));
        var updated = await ReadAsync(await Http.SendAsync(first), HttpStatusCode.OK);
        using var stale = new HttpRequestMessage(HttpMethod.Put, $"/api/passengers/{id}") { Content = JsonContent.Create(new { fullName = "Lost update", email = body.email }) };
        stale.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));
        await ProblemAsync(await Http.SendAsync(stale), HttpStatusCode.PreconditionFailed);

        Assert.Equal("Renamed", updated.GetProperty("fullName").GetString());
        Assert.Equal("Renamed", (await Api.GetAsync($"/api/passengers/{id}")).GetProperty("fullName").GetString());
    }

    [Fact]
    public async Task DeletePassenger_StaleIfMatch_Returns412ThenMatchingDeletes()
    {
        var id = await Api.CreatePassengerAsync();
        using var stale = new HttpRequestMessage(HttpMethod.Delete, $"/api/passengers/{id}");
        stale.Headers.IfMatch.Add(new EntityTagHeaderValue("\"5\""));
        using var current = new HttpRequestMessage(HttpMethod.Delete, $"/api/passengers/{id}");
        current.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));

        await ProblemAsync(await Http.SendAsync(stale), HttpStatusCode.PreconditionFailed);
        Assert.Equal(HttpStatusCode.NoContent, (await Http.SendAsync(current)).StatusCode);
        await ProblemAsync(await Http.GetAsync($"/api/passengers/{id}"), HttpStatusCode.NotFound);
    }
}
