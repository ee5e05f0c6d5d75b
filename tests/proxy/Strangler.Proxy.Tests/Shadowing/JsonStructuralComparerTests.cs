using System.Text.Json;
using Strangler.Proxy.Shadowing;

namespace Strangler.Proxy.Tests.Shadowing;

/// <summary>The shadow comparison as values, not text.</summary>
public sealed class JsonStructuralComparerTests
{
    private static List<string> Compare(string legacy, string service, params string[] ignored)
    {
        using var a = JsonDocument.Parse(legacy);
        using var b = JsonDocument.Parse(service);
        return JsonStructuralComparer.Compare(a.RootElement, b.RootElement, new HashSet<string>(ignored, StringComparer.Ordinal), 10);
    }

    [Theory]
    [InlineData("1", "1.0")]
    [InlineData("38.7", "38.700000")]
    [InlineData("1e2", "100")]
    [InlineData("-0", "0")]
    [InlineData("{\"a\":1,\"b\":2}", "{\"b\":2,\"a\":1}")]
    [InlineData("12345678901234567890123456789", "12345678901234567890123456789.0")]
    public void SameValues_WrittenDifferently_Match(string legacy, string service) => Assert.Empty(Compare(legacy, service));

    [Theory]
    [InlineData("1", "2", "$: legacy 1, service 2")]
    [InlineData("5.94", "5.95", "$: legacy 5.94, service 5.95")]
    [InlineData("0.1", "0.10000000000000001", "$: legacy 0.1, service 0.10000000000000001")]
    [InlineData("{\"fare\":5.94}", "{\"fare\":\"5.94\"}", "$.fare: legacy 5.94, service \"5.94\"")]
    [InlineData("[1,2]", "[1,2,3]", "$: legacy has 2 items, service 3")]
    [InlineData("{\"a\":1}", "{}", "$.a: missing from service")]
    [InlineData("{}", "{\"a\":null}", "$.a: missing from legacy")]
    [InlineData("true", "false", "$: legacy true, service false")]
    [InlineData("true", "1", "$: legacy true, service 1")]
    [InlineData("\"x\"", "false", "$: legacy \"x\", service false")]
    [InlineData("{\"a\":{\"b\":[{\"c\":\"x\"}]}}", "{\"a\":{\"b\":[{\"c\":\"y\"}]}}", "$.a.b[0].c: legacy \"x\", service \"y\"")]
    public void Differences_AreReportedByPath(string legacy, string service, string difference) =>
        Assert.Equal([difference], Compare(legacy, service));

    [Fact]
    public void IgnoredFields_AreSkippedAtAnyDepth_AndOnlyThem()
    {
        var legacy = """{"updatedAt":"a","driver":{"updatedAt":"a","name":"x"},"trips":[{"updatedAt":"a","fare":1}]}""";
        var service = """{"updatedAt":"b","driver":{"updatedAt":"b","name":"y"},"trips":[{"updatedAt":"b","fare":2}]}""";

        Assert.Equal(["$.driver.name: legacy \"x\", service \"y\"", "$.trips[0].fare: legacy 1, service 2"], Compare(legacy, service, "updatedAt"));
    }

    [Fact]
    public void LongValues_AreShownShortened()
    {
        var longText = new string('a', 100);

        var difference = Assert.Single(Compare($"\"{longText}\"", "\"b\""));

        Assert.Equal($"$: legacy \"{new string('a', 76)}..., service \"b\"", difference);
        Assert.Equal([$"$: legacy \"{new string('a', 78)}\", service \"b\""], Compare($"\"{new string('a', 78)}\"", "\"b\""));
    }

    [Fact]
    public void Differences_StopAtTheLimit()
    {
        using var a = JsonDocument.Parse("[1,2,3,4,5]");
        using var b = JsonDocument.Parse("[6,7,8,9,10]");

        Assert.Equal(3, JsonStructuralComparer.Compare(a.RootElement, b.RootElement, new HashSet<string>(), 3).Count);
    }
}
