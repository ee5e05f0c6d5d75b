using System.Text.Json;
using Strangler.Hosting.Http;
using Strangler.Proxy.Routing;

namespace Strangler.Proxy.Admin;

/// <summary>Body of POST /admin/routes/{id}/stage: the stage, the canary weight, and why.</summary>
internal sealed record StageChangeRequest(Stage Stage, int? Weight, string? Reason)
{
    public const string Example = """{"stage":"canary","weight":10,"reason":"first cohort"}""";

    public static StageChangeRequest? Read(JsonElement body, FieldErrors errors)
    {
        var json = new JsonFields(body, errors);
        var text = json.String("stage", $"one of {StageNames.Allowed}");
        var weight = json.Int("weight", "the canary's share of user cohorts, 0–100", nullMeansAbsent: true);
        var reason = AuditReason.Read(json, errors);
        json.RejectUnknown("a stage change", ["stage", "weight", "reason"]);

        var stage = Stage.Legacy;
        if (text is null && !errors.Has("stage"))
        {
            errors.Add("stage", $"stage is required: one of {StageNames.Allowed}.");
        }
        else if (text is not null && !StageNames.TryParse(text, out stage))
        {
            errors.Add("stage", $"stage must be one of {StageNames.Allowed}; got '{(text.Length <= 40 ? text : text[..37] + "...")}'.");
        }

        if (weight is < 0 or > 100)
        {
            errors.Add("weight", $"weight must be between 0 and 100; got {weight}.");
        }

        if (!errors.Has("stage") && !errors.Has("weight"))
        {
            if (stage == Stage.Canary && weight is null)
            {
                errors.Add("weight", "A canary needs a weight (0–100): the share of user cohorts served by the service.");
            }
            else if (stage != Stage.Canary && weight is not null and not 0)
            {
                errors.Add("weight", $"weight applies only to the canary stage, not to {StageNames.Name(stage)}.");
            }
        }

        return errors.Any ? null : new StageChangeRequest(stage, weight, reason);
    }
}
