using System.Globalization;
using System.Text.Json;
using Strangler.Cli.Cli;
using Strangler.Cli.Stack;

namespace Strangler.Cli.Commands;

/// <summary><c>strangler status</c>: routes (stage, weight, owner, parity, last handoff), each service's sync, the last reconciles.</summary>
public static class StatusCommand
{
    public static async Task<int> RunAsync(CliContext context, CancellationToken cancellationToken)
    {
        context.Args.EnsureAllUsed(1);
        using var admin = context.Admin();
        var routes = await admin.RoutesAsync(cancellationToken);
        var stats = await admin.StatsAsync(cancellationToken);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var probe = new ServiceProbe(http);
        var routeRows = new List<Dictionary<string, object?>>();
        foreach (var route in routes.GetProperty("routes").EnumerateArray())
        {
            var id = route.GetProperty("id").GetString()!;
            var routeStats = stats.GetProperty("routes").EnumerateArray().FirstOrDefault(r => r.GetProperty("id").GetString() == id);
            double? parity = null;
            long compared = 0;
            if (routeStats.ValueKind == JsonValueKind.Object && routeStats.TryGetProperty("shadow", out var shadow) && shadow.ValueKind == JsonValueKind.Object)
            {
                var matches = shadow.GetProperty("matches").GetInt64();
                compared = matches + shadow.GetProperty("mismatches").GetInt64() + shadow.GetProperty("serviceErrors").GetInt64();
                parity = compared == 0 ? null : (double)matches / compared;
            }

            var handoff = routeStats.ValueKind == JsonValueKind.Object && routeStats.TryGetProperty("handoff", out var h) && h.ValueKind == JsonValueKind.Object ? h : default;
            routeRows.Add(new()
            {
                ["id"] = id,
                ["path"] = route.GetProperty("path").GetString(),
                ["stage"] = route.GetProperty("stage").GetString(),
                ["weight"] = route.TryGetProperty("weight", out var w) && w.ValueKind == JsonValueKind.Number ? w.GetInt32() : 0,
                ["owner"] = route.TryGetProperty("owner", out var o) ? o.GetString() : "legacy",
                ["parity"] = parity,
                ["compared"] = compared,
                ["lastHandoff"] = handoff.ValueKind == JsonValueKind.Object
                    ? $"{handoff.GetProperty("outcome").GetString()} {handoff.GetProperty("from").GetString()}→{handoff.GetProperty("to").GetString()}, held {handoff.GetProperty("holdMilliseconds").GetDouble():0} ms"
                    : null,
            });
        }

        var services = new List<Dictionary<string, object?>>();
        foreach (var service in Components.ExtractedServices)
        {
            var url = context.Layout.UrlOf(service);
            try
            {
                var status = await probe.StatusAsync(url, cancellationToken);
                services.Add(new()
                {
                    ["service"] = service.Name,
                    ["url"] = url.ToString(),
                    ["state"] = status.GetProperty("state").GetString(),
                    ["lagMilliseconds"] = status.TryGetProperty("lagMilliseconds", out var lag) && lag.ValueKind == JsonValueKind.Number ? lag.GetDouble() : null,
                    ["appliedLsn"] = status.TryGetProperty("appliedLsnText", out var lsn) ? lsn.GetString() : null,
                    ["owner"] = status.TryGetProperty("owner", out var owner) ? owner.GetString() : null,
                    ["singleWriterViolations"] = status.TryGetProperty("singleWriterViolations", out var v) ? v.GetInt64() : 0,
                });
            }
            catch (CliException)
            {
                services.Add(new() { ["service"] = service.Name, ["url"] = url.ToString(), ["state"] = "unreachable" });
            }
        }

        var reconciles = ReconcileCommand.Last(context.Layout);
        context.Output.Result(new { version = routes.GetProperty("version").GetInt64(), routes = routeRows, services, reconciles });
        var inv = CultureInfo.InvariantCulture;
        context.Output.Table($"routes (table version {routes.GetProperty("version").GetInt64()})", ["route", "path", "stage", "weight", "owner", "parity", "last handoff"],
            routeRows.Select(r => (IReadOnlyList<string>)
            [
                (string)r["id"]!, (string?)r["path"] ?? "", (string?)r["stage"] ?? "", r["weight"]!.ToString()!, (string?)r["owner"] ?? "",
                r["parity"] is double p ? string.Create(inv, $"{p * 100:0.0}% of {r["compared"]}") : "-", (string?)r["lastHandoff"] ?? "-",
            ]));
        context.Output.Table("services", ["service", "sync", "lag", "applied", "owner", "violations", "last reconcile"],
            services.Select(s => (IReadOnlyList<string>)
            [
                (string)s["service"]!, (string?)s["state"] ?? "", s.GetValueOrDefault("lagMilliseconds") is double l ? string.Create(inv, $"{l:0} ms") : "-",
                (string?)s.GetValueOrDefault("appliedLsn") ?? "-", (string?)s.GetValueOrDefault("owner") ?? "-", s.GetValueOrDefault("singleWriterViolations")?.ToString() ?? "-",
                reconciles.TryGetValue((string)s["service"]!, out var r)
                    ? string.Create(inv, $"{(r.ExitCode == 0 ? "no drift" : r.ExitCode == 2 ? "DRIFT" : "failed")} at {r.At:yyyy-MM-dd HH:mm:ss}Z")
                    : "never",
            ]));
        return ExitCodes.Ok;
    }
}
