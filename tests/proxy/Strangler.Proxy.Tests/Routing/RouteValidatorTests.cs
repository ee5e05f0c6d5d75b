using Strangler.Proxy.Routing;

namespace Strangler.Proxy.Tests.Routing;

/// <summary>Each rule of a route at its boundary: the last value accepted and the first refused.</summary>
public sealed class RouteValidatorTests
{
    private static readonly RouteDefinition Valid = new() { Id = "r", Path = "/api/x/{**rest}", Destinations = ["http://127.0.0.1:6001"] };

    /// <summary>The invalid fields; every message must say something about its field (kills empty-message mutants).</summary>
    private static IEnumerable<string> Fields(RouteDefinition route)
    {
        var errors = RouteValidator.Validate(route);
        foreach (var (field, messages) in errors.ToDictionary())
        {
            Assert.All(messages, m => Assert.True(m.Length >= 20 && (m.Contains(field.Split('.')[^1], StringComparison.Ordinal) || m.Contains('\'')),
                $"{field}: '{m}'"));
        }

        return errors.Fields;
    }

    [Fact]
    public void ValidRoute_HasNoErrors() => Assert.Empty(Fields(Valid));

    [Theory]
    [InlineData("a", true)]
    [InlineData("drivers.v2_beta-1", true)]
    [InlineData("", false)]
    [InlineData("bad id", false)]
    [InlineData("a\n", false)]
    [InlineData("é", false)]
    public void Id(string id, bool ok) => Assert.Equal(ok, !Fields(Valid with { Id = id }).Contains("id"));

    [Fact]
    public void Id_Of100Characters_IsTheLongest() =>
        Assert.Equal((true, false), (!Fields(Valid with { Id = new string('a', 100) }).Any(), !Fields(Valid with { Id = new string('a', 101) }).Any()));

    [Theory]
    [InlineData("/", true)]
    [InlineData("/api/trips/{id}", true)]
    [InlineData("api/x", false)]
    [InlineData("", false)]
    [InlineData(" ", false)]
    [InlineData("/api/{unclosed", false)]
    [InlineData("/a/{**x}/b", false)]
    [InlineData("/a\tb", false)]
    public void Path(string path, bool ok) => Assert.Equal(ok, !Fields(Valid with { Path = path }).Contains("path"));

    [Fact]
    public void Path_Of1000Characters_IsTheLongest() =>
        Assert.Equal((true, false), (!Fields(Valid with { Path = "/" + new string('a', 999) }).Any(), !Fields(Valid with { Path = "/" + new string('a', 1000) }).Any()));

    [Theory]
    [InlineData(0, true)]
    [InlineData(100, true)]
    [InlineData(-1, false)]
    [InlineData(101, false)]
    public void Weight(int weight, bool ok) => Assert.Equal(ok, !Fields(Valid with { Weight = weight }).Contains("weight"));

    [Theory]
    [InlineData(1, true)]
    [InlineData(600, true)]
    [InlineData(0, false)]
    [InlineData(601, false)]
    public void TimeoutSeconds(int seconds, bool ok) => Assert.Equal(ok, !Fields(Valid with { TimeoutSeconds = seconds }).Contains("timeoutSeconds"));

    [Theory]
    [InlineData("http://127.0.0.1:6001", true)]
    [InlineData("https://drivers.internal/base/", true)]
    [InlineData("ftp://h/", false)]
    [InlineData("http://h/?q=1", false)]
    [InlineData("http://h/#f", false)]
    [InlineData("http://u:p@h/", false)]
    [InlineData("/relative", false)]
    [InlineData("", false)]
    public void Destination(string url, bool ok) => Assert.Equal(ok, !Fields(Valid with { Destinations = [url] }).Contains("destinations"));

    [Fact]
    public void Destinations_Count_FromOneTo32_Distinct()
    {
        string Url(int i) => $"http://127.0.0.1:{6000 + i}";
        Assert.Contains("destinations", Fields(Valid with { Destinations = [] }));
        Assert.DoesNotContain("destinations", Fields(Valid with { Destinations = [.. Enumerable.Range(0, 32).Select(Url)] }));
        Assert.Contains("destinations", Fields(Valid with { Destinations = [.. Enumerable.Range(0, 33).Select(Url)] }));
        Assert.Contains("destinations", Fields(Valid with { Destinations = ["http://h:1", "http://h:1/"] }));
        Assert.Contains("destinations", Fields(Valid with { Destinations = ["http://h:1", null!] }));
    }

    [Theory]
    [InlineData("GET", true)]
    [InlineData("PROPFIND", true)]
    [InlineData("G3T", false)]
    [InlineData("", false)]
    public void Method(string method, bool ok) => Assert.Equal(ok, !Fields(Valid with { Methods = [method] }).Contains("methods"));

    [Fact]
    public void Methods_AtMost20() =>
        Assert.Equal((true, false), (!Fields(Valid with { Methods = [.. Enumerable.Repeat("GET", 20)] }).Any(), !Fields(Valid with { Methods = [.. Enumerable.Repeat("GET", 21)] }).Any()));

    [Theory]
    [InlineData("GET", true)]
    [InlineData("head", true)]
    [InlineData("OPTIONS", true)]
    [InlineData("POST", false)]
    [InlineData("DELETE", false)]
    public void ShadowMethod_SafeOnly(string method, bool ok) =>
        Assert.Equal(ok, !Fields(Valid with { Shadow = new ShadowSettings { Methods = [method] } }).Contains("shadow.methods"));

    [Fact]
    public void IgnoredFields_AtMost100_NonEmpty_200Characters()
    {
        Assert.DoesNotContain("shadow.ignoredFields", Fields(Valid with { Shadow = new ShadowSettings { IgnoredFields = [.. Enumerable.Range(0, 100).Select(i => $"f{i}")] } }));
        Assert.Contains("shadow.ignoredFields", Fields(Valid with { Shadow = new ShadowSettings { IgnoredFields = [.. Enumerable.Range(0, 101).Select(i => $"f{i}")] } }));
        Assert.Contains("shadow.ignoredFields", Fields(Valid with { Shadow = new ShadowSettings { IgnoredFields = [""] } }));
        Assert.DoesNotContain("shadow.ignoredFields", Fields(Valid with { Shadow = new ShadowSettings { IgnoredFields = [new string('f', 200)] } }));
        Assert.Contains("shadow.ignoredFields", Fields(Valid with { Shadow = new ShadowSettings { IgnoredFields = [new string('f', 201)] } }));
        Assert.Contains("shadow.ignoredFields", Fields(Valid with { Shadow = new ShadowSettings { IgnoredFields = null! } }));
    }

    [Fact]
    public void Lengths_AtTheirLimits()
    {
        Assert.DoesNotContain("header.value", Fields(Valid with { Header = new HeaderMatch("X-A", new string('v', 1000)) }));
        Assert.Contains("header.value", Fields(Valid with { Header = new HeaderMatch("X-A", new string('v', 1001)) }));
        Assert.Contains("header.value", Fields(Valid with { Header = new HeaderMatch("X-A", null!) }));
        Assert.DoesNotContain("healthPath", Fields(Valid with { HealthPath = "/" + new string('h', 999) }));
        Assert.Contains("healthPath", Fields(Valid with { HealthPath = "/" + new string('h', 1000) }));
        var host = "http://h/";
        Assert.DoesNotContain("destinations", Fields(Valid with { Destinations = [host + new string('p', 2000 - host.Length)] }));
        Assert.Contains("destinations", Fields(Valid with { Destinations = [host + new string('p', 2001 - host.Length)] }));
        Assert.DoesNotContain("shadow.methods", Fields(Valid with { Shadow = new ShadowSettings { Methods = [.. Enumerable.Repeat("GET", 20)] } }));
        Assert.Contains("shadow.methods", Fields(Valid with { Shadow = new ShadowSettings { Methods = [.. Enumerable.Repeat("GET", 21)] } }));
        Assert.Contains("shadow.methods", Fields(Valid with { Shadow = new ShadowSettings { Methods = null! } }));
    }

    [Fact]
    public void UndefinedStage_IsRefused() => Assert.Contains("stage", Fields(Valid with { Stage = (Stage)7 }));

    [Fact]
    public void Messages_ShowLongValuesShortened()
    {
        var message = RouteValidator.Validate(Valid with { Methods = [new string('x', 70) + "!"] }).ToDictionary()["methods"].Single();

        Assert.Contains(new string('x', 57) + "...", message, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('x', 58), message, StringComparison.Ordinal);
        Assert.Contains("'null'", RouteValidator.Validate(Valid with { Methods = [null!] }).ToDictionary()["methods"].Single(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("X-Tenant", "beta", null)]
    [InlineData("X Tenant", "beta", "header.name")]
    [InlineData("X-Tenant", "a\r\nb", "header.value")]
    [InlineData("X-Tenant", "a\tb", null)]
    public void Header(string name, string value, string? error) =>
        Assert.Equal(error, Fields(Valid with { Header = new HeaderMatch(name, value) }).SingleOrDefault());

    [Theory]
    [InlineData("/healthz", true)]
    [InlineData("/", true)]
    [InlineData("healthz", false)]
    [InlineData("/a\u0000", false)]
    public void HealthPath(string path, bool ok) => Assert.Equal(ok, !Fields(Valid with { HealthPath = path }).Contains("healthPath"));

    [Fact]
    public void Nulls_FromConfigurationOrAHandEditedStore_AreErrorsNotExceptions()
    {
        var errors = Fields(new RouteDefinition { Id = null!, Path = null!, Methods = null!, Destinations = null!, Shadow = null!, HealthPath = null! }).ToList();

        Assert.Equal(["id", "path", "methods", "destinations", "shadow", "healthPath"], errors);
    }
}
