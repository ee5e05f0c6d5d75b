using System.Globalization;
using System.Text.Json;
using Strangler.Cli.Cli;
using Strangler.Cli.Stack;

namespace Strangler.Cli.Playbooks;

/// <summary>What a gate does when it is not met within its timeout.</summary>
public enum OnFailure
{
    /// <summary>The run stops at the step; what was done stays; <c>playbook resume</c> checks the gate again.</summary>
    Stop,

    /// <summary>Every executed step is walked back (<c>playbook rollback</c>, at once).</summary>
    Rollback,

    /// <summary>Keep waiting past the timeout (saying so every timeout period) until it is met or the run is interrupted.</summary>
    Wait,
}

/// <summary>A step's change: ensure the route exists (at legacy), set its stage, hand its writes over, or reconcile.</summary>
public sealed record StepAction(string Type, string? Stage = null, int? Weight = null, string? Owner = null, bool Repair = false);

/// <summary>A condition that must hold before the next step (migration-playbooks/README.md).</summary>
public sealed record Gate(
    string Type, int TimeoutSeconds, OnFailure OnFailure, double? MaxMilliseconds = null, int? ForSeconds = null, double? Min = null,
    int? MinCompared = null, double? Max = null, int? MinRequests = null, int? MaxPending = null)
{
    /// <summary>The gate with its sample counts and durations multiplied by <paramref name="scale"/> (at least 1; timeouts unchanged).</summary>
    public Gate Scaled(double scale) => scale == 1 ? this : this with
    {
        ForSeconds = ForSeconds is { } f ? Math.Max(1, (int)Math.Ceiling(f * scale)) : null,
        MinCompared = MinCompared is { } c ? Math.Max(1, (int)Math.Ceiling(c * scale)) : null,
        MinRequests = MinRequests is { } r ? Math.Max(1, (int)Math.Ceiling(r * scale)) : null,
    };

    public string Describe() => Type switch
    {
        "syncLag" => $"sync lag ≤ {MaxMilliseconds:0} ms for {ForSeconds} s",
        "shadowParity" => $"shadow parity ≥ {Min * 100:0.##}% over ≥ {MinCompared} compared requests",
        "errorRate" => $"service error rate ≤ {Max * 100:0.##}% over ≥ {MinRequests} requests",
        "drift" => "reconcile finds no drift",
        "reverseSync" => $"reverse sync running with ≤ {MaxPending} writes pending for {ForSeconds} s",
        "singleWriter" => $"no single-writer violation for {ForSeconds} s",
        _ => Type,
    } + $" (timeout {TimeoutSeconds} s, then {OnFailure.ToString().ToLowerInvariant()})";
}

public sealed record PlaybookStep(string Id, string Title, StepAction? Action, IReadOnlyList<Gate> Gates);

/// <summary>One extraction's steps (a JSON file in migration-playbooks/), read and checked before anything runs.</summary>
public sealed record Playbook(string Name, string Title, string RouteId, string RoutePath, string Service, Uri ServiceUrl, IReadOnlyList<PlaybookStep> Steps)
{
    /// <summary>Whether the file names the service's URL; if not, the CLI uses the demo stack's (its --port-base).</summary>
    public bool ServiceUrlGiven { get; init; }

    /// <summary>The route's shadow settings as the proxy takes them (e.g. <c>{"ignoredFields":["total"]}</c>), or null.</summary>
    public JsonElement? RouteShadow { get; init; }

    public static readonly string[] Stages = ["legacy", "shadow", "canary", "service"];
    public static readonly string[] ActionTypes = ["route", "stage", "owner", "reconcile"];
    public static readonly string[] GateTypes = ["syncLag", "shadowParity", "errorRate", "drift", "reverseSync", "singleWriter"];

    public Component Component => Components.Service(Service);

    /// <summary>Finds a playbook by name (migration-playbooks/&lt;name&gt;.json) or path.</summary>
    public static string Locate(string nameOrPath, string repoRoot)
    {
        if (File.Exists(nameOrPath))
        {
            return Path.GetFullPath(nameOrPath);
        }

        var byName = Path.Combine(repoRoot, "migration-playbooks", nameOrPath.EndsWith(".json", StringComparison.Ordinal) ? nameOrPath : nameOrPath + ".json");
        if (File.Exists(byName))
        {
            return byName;
        }

        var known = Directory.Exists(Path.Combine(repoRoot, "migration-playbooks"))
            ? Directory.GetFiles(Path.Combine(repoRoot, "migration-playbooks"), "*.json").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal).ToList()
            : [];
        throw new CliException($"no playbook '{nameOrPath}' (known: {string.Join(", ", known)}).", ExitCodes.Usage);
    }

    public static Playbook Load(string file)
    {
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (IOException e)
        {
            throw new CliException($"playbook {file}: {e.Message}");
        }

        return Parse(text, Path.GetFileName(file));
    }

    /// <summary>Parses and checks a playbook; a problem is one <see cref="CliException"/> naming the step and the field.</summary>
    public static Playbook Parse(string json, string source)
    {
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }).RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw Problem(source, null, $"not JSON: {e.Message}");
        }

        var reader = new Fields(root, source, null, "");
        reader.Only("name", "title", "route", "service", "serviceUrl", "steps");
        var name = reader.Text("name", pattern: true);
        var title = reader.OptionalText("title") ?? name;
        var route = reader.Object("route");
        route.Only("id", "path", "shadow");
        var routeId = route.Text("id", pattern: true);
        var routePath = route.Text("path");
        JsonElement? shadow = route.Has("shadow") ? route.Object("shadow").Element : null;
        var service = reader.Text("service");
        if (!Components.ExtractedServices.Any(s => s.Name == service))
        {
            throw Problem(source, null, $"service: '{service}' is not one of {string.Join(", ", Components.ExtractedServices.Select(s => s.Name))}");
        }

        var url = reader.OptionalText("serviceUrl") ?? Components.Service(service).Url.ToString();
        if (!Uri.TryCreate(url, UriKind.Absolute, out var serviceUrl) || serviceUrl.Scheme is not ("http" or "https"))
        {
            throw Problem(source, null, $"serviceUrl: '{url}' is not an absolute http(s) URL");
        }

        var steps = new List<PlaybookStep>();
        var array = reader.Array("steps");
        if (array.Count == 0)
        {
            throw Problem(source, null, "steps: a playbook needs at least one step");
        }

        string? readsAt = null; // where the steps so far leave reads (null: no stage step yet) …
        var serviceOwns = false; // … and whether they leave the writes with the service
        for (var i = 0; i < array.Count; i++)
        {
            var id = array[i].ValueKind == JsonValueKind.Object && array[i].TryGetProperty("id", out var idElement) && idElement.ValueKind == JsonValueKind.String
                ? idElement.GetString()! : null;
            var where = id is null ? $"steps[{i}]" : $"step '{id}' (steps[{i}])";
            var step = new Fields(array[i], source, where, "");
            step.Only("id", "title", "action", "gates");
            id = step.Text("id", pattern: true);
            if (steps.Any(s => s.Id == id))
            {
                throw Problem(source, where, "id: another step has this id");
            }

            StepAction? action = null;
            if (step.Has("action"))
            {
                var a = step.Object("action");
                var type = a.OneOf("type", ActionTypes);
                switch (type)
                {
                    case "route":
                    case "reconcile":
                        a.Only("type", "repair");
                        action = new StepAction(type, Repair: type == "reconcile" && a.OptionalBool("repair"));
                        break;
                    case "stage":
                        a.Only("type", "stage", "weight");
                        var stage = a.OneOf("stage", Stages);
                        var weight = a.OptionalInt("weight", 0, 100);
                        if ((stage == "canary") != weight.HasValue)
                        {
                            throw Problem(source, where, stage == "canary" ? "action.weight: required with stage canary (0–100)" : "action.weight: only with stage canary");
                        }

                        action = new StepAction(type, stage, weight);
                        break;
                    default:
                        a.Only("type", "owner");
                        action = new StepAction(type, Owner: a.OneOf("owner", ["legacy", "service"]));
                        break;
                }
            }

            var gates = new List<Gate>();
            if (step.Has("gates"))
            {
                var list = step.Array("gates");
                for (var g = 0; g < list.Count; g++)
                {
                    var gate = new Fields(list[g], source, where, $"gates[{g}].");
                    var type = gate.OneOf("type", GateTypes);
                    var timeout = gate.Int("timeoutSeconds", 1, 86_400);
                    var onFailure = gate.Has("onFailure")
                        ? Enum.Parse<OnFailure>(gate.OneOf("onFailure", ["stop", "rollback", "wait"]), ignoreCase: true)
                        : OnFailure.Stop;
                    gates.Add(type switch
                    {
                        "syncLag" => Only(gate, ["maxMilliseconds", "forSeconds"]) with
                        {
                            MaxMilliseconds = gate.Number("maxMilliseconds", 0, 3_600_000), ForSeconds = gate.Int("forSeconds", 1, 86_400),
                        },
                        "shadowParity" => Only(gate, ["min", "minCompared"]) with { Min = gate.Number("min", 0, 1), MinCompared = gate.Int("minCompared", 1, 100_000_000) },
                        "errorRate" => Only(gate, ["max", "minRequests"]) with { Max = gate.Number("max", 0, 1), MinRequests = gate.Int("minRequests", 1, 100_000_000) },
                        "reverseSync" => Only(gate, ["maxPending", "forSeconds"]) with
                        {
                            MaxPending = gate.Int("maxPending", 0, 100_000_000), ForSeconds = gate.Int("forSeconds", 1, 86_400),
                        },
                        "singleWriter" => Only(gate, ["forSeconds"]) with { ForSeconds = gate.Int("forSeconds", 1, 86_400) },
                        _ => Only(gate, []),
                    });

                    Gate Only(Fields fields, string[] extra)
                    {
                        fields.Only(["type", "timeoutSeconds", "onFailure", .. extra]);
                        return new Gate(type, timeout, onFailure);
                    }
                }
            }

            if (action is null && gates.Count == 0)
            {
                throw Problem(source, where, "a step needs an action, gates, or both");
            }

            // Reads move to the service before writes and come back after them (the proxy refuses otherwise): caught here
            // where the playbook itself says so, before anything runs.
            if (action is { Type: "owner", Owner: "service" } && readsAt is not (null or "service"))
            {
                throw Problem(source, where, $"action.owner: writes move after reads, but an earlier step leaves reads at {readsAt}: move them to the service (stage service) first");
            }

            if (action is { Type: "stage" } && action.Stage != "service" && serviceOwns)
            {
                throw Problem(source, where, "action.stage: an earlier step hands the writes to the service; reads stay at the service until a step hands them back (owner legacy)");
            }

            readsAt = action?.Type == "stage" ? action.Stage : readsAt;
            serviceOwns = action?.Type == "owner" ? action.Owner == "service" : serviceOwns;
            steps.Add(new PlaybookStep(id, step.OptionalText("title") ?? id, action, gates));
        }

        return new Playbook(name, title, routeId, routePath, service, serviceUrl, steps) { RouteShadow = shadow, ServiceUrlGiven = reader.Has("serviceUrl") };
    }

    private static CliException Problem(string source, string? where, string what) =>
        new($"playbook {source}: {(where is null ? "" : where + ": ")}{what}; nothing was run.");

    /// <summary>Reads one JSON object's fields, each problem naming the step and the field.</summary>
    private sealed class Fields(JsonElement element, string source, string? where, string prefix)
    {
        public JsonElement Element => element;

        private JsonElement Self => element.ValueKind == JsonValueKind.Object ? element : throw Problem(source, where, $"{(prefix.Length == 0 ? "this" : prefix.TrimEnd('.'))}: must be an object");

        public bool Has(string name) => Self.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null;

        public void Only(params string[] names)
        {
            foreach (var property in Self.EnumerateObject())
            {
                if (!names.Contains(property.Name, StringComparer.Ordinal))
                {
                    throw Problem(source, where, $"{prefix}{property.Name}: unknown field (allowed: {string.Join(", ", names)})");
                }
            }
        }

        private JsonElement Required(string name) =>
            Self.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : throw Problem(source, where, $"{prefix}{name}: required");

        public string Text(string name, bool pattern = false)
        {
            var value = Required(name);
            var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Problem(source, where, $"{prefix}{name}: must be a string");
            if (text.Trim().Length == 0 || (pattern && !text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            {
                throw Problem(source, where, $"{prefix}{name}: {(pattern ? "1 or more letters, digits, '-', '_' or '.'" : "must not be empty")}");
            }

            return text;
        }

        public string? OptionalText(string name) => Has(name) ? Text(name) : null;

        public string OneOf(string name, string[] allowed)
        {
            var text = Text(name);
            return allowed.Contains(text, StringComparer.Ordinal)
                ? text
                : throw Problem(source, where, $"{prefix}{name}: '{text}' is not one of {string.Join(", ", allowed)}");
        }

        public double Number(string name, double min, double max)
        {
            var value = Required(name);
            return value.ValueKind == JsonValueKind.Number && value.GetDouble() is var d && d >= min && d <= max
                ? d
                : throw Problem(source, where, $"{prefix}{name}: must be a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");
        }

        public int Int(string name, int min, int max)
        {
            var value = Required(name);
            return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var i) && i >= min && i <= max
                ? i
                : throw Problem(source, where, $"{prefix}{name}: must be a whole number from {min} to {max}");
        }

        public int? OptionalInt(string name, int min, int max) => Has(name) ? Int(name, min, max) : null;

        public bool OptionalBool(string name) => Has(name) && (Required(name).ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Problem(source, where, $"{prefix}{name}: must be true or false"),
        });

        public Fields Object(string name)
        {
            var value = Required(name);
            return value.ValueKind == JsonValueKind.Object ? new Fields(value, source, where, $"{prefix}{name}.") : throw Problem(source, where, $"{prefix}{name}: must be an object");
        }

        public List<JsonElement> Array(string name)
        {
            var value = Required(name);
            return value.ValueKind == JsonValueKind.Array ? [.. value.EnumerateArray()] : throw Problem(source, where, $"{prefix}{name}: must be an array");
        }
    }
}
