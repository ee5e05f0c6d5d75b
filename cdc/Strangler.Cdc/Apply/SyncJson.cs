using System.Text.Json;

namespace Strangler.Cdc.Apply;

/// <summary>The JSON form of what sync targets store as text (checkpoints, dead letters).</summary>
internal static class SyncJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
