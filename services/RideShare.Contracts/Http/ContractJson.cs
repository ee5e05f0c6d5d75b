using System.Text.Json;
using System.Text.Json.Serialization;

namespace RideShare.Contracts.Http;

/// <summary>The contract's JSON settings, the same in the monolith and in every service that serves the contract.</summary>
public static class ContractJson
{
    public static void Configure(JsonSerializerOptions options)
    {
        // The contract is strict: a number sent as a string is a client bug worth reporting.
        options.NumberHandling = JsonNumberHandling.Strict;
    }
}
