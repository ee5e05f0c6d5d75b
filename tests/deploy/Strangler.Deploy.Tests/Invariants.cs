using System.Text.RegularExpressions;
using k8s.Models;

namespace Strangler.Deploy.Tests;

/// <summary>
/// What every rendered overlay must hold, as a list of violations (empty: fine) so a test can show them all and
/// another test can prove each rule fails on a manifest that breaks it.
/// </summary>
public static partial class Invariants
{
    /// <summary>Env var names whose values are secrets: they must come from a Secret, never be written inline.</summary>
    [GeneratedRegex("token|password|secret|connectionstring", RegexOptions.IgnoreCase)]
    private static partial Regex Sensitive();

    public static List<string> Check(Manifests m)
    {
        var problems = new List<string>();
        var deployments = m.Of<V1Deployment>().ToList();
        foreach (var d in deployments)
        {
            var name = d.Metadata.Name;
            var labels = d.Spec.Template.Metadata?.Labels ?? new Dictionary<string, string>();
            if (d.Spec.Selector?.MatchLabels is not { Count: > 0 } selector || selector.Any(kv => !labels.TryGetValue(kv.Key, out var v) || v != kv.Value))
            {
                problems.Add($"Deployment {name}: its selector does not match its pod labels");
            }

            var pod = d.Spec.Template.Spec;
            foreach (var c in pod.Containers)
            {
                var where = $"Deployment {name}, container {c.Name}";
                var ports = (c.Ports ?? []).ToList();
                foreach (var (kind, probe) in new[] { ("liveness", c.LivenessProbe), ("readiness", c.ReadinessProbe) })
                {
                    if (probe?.HttpGet is not { } get)
                    {
                        problems.Add($"{where}: no {kind} probe");
                    }
                    else if (!PortDeclared(ports, get.Port))
                    {
                        problems.Add($"{where}: the {kind} probe's port {get.Port.Value} is not a container port");
                    }
                }

                var requests = c.Resources?.Requests;
                var limits = c.Resources?.Limits;
                if (requests is null || limits is null || !new[] { "cpu", "memory" }.All(r => requests.ContainsKey(r) && limits.ContainsKey(r)))
                {
                    problems.Add($"{where}: cpu and memory need both requests and limits");
                }

                var nonRoot = c.SecurityContext?.RunAsNonRoot ?? pod.SecurityContext?.RunAsNonRoot;
                if (nonRoot != true || c.SecurityContext?.ReadOnlyRootFilesystem != true || c.SecurityContext?.AllowPrivilegeEscalation != false)
                {
                    problems.Add($"{where}: needs runAsNonRoot, readOnlyRootFilesystem and allowPrivilegeEscalation: false");
                }

                foreach (var env in c.Env ?? [])
                {
                    if (Sensitive().IsMatch(env.Name) && env.Value is not null)
                    {
                        problems.Add($"{where}: {env.Name} is written inline; reference a Secret (secretKeyRef)");
                    }
                }
            }

            if ((d.Spec.Replicas ?? 1) >= 2 && !m.Of<V1PodDisruptionBudget>().Any(p => Selects(p.Spec.Selector?.MatchLabels, labels)))
            {
                problems.Add($"Deployment {name}: {d.Spec.Replicas} replicas and no PodDisruptionBudget");
            }
        }

        foreach (var s in m.Of<V1Service>())
        {
            var pods = deployments.Where(d => Selects(s.Spec.Selector, d.Spec.Template.Metadata?.Labels)).ToList();
            if (pods.Count == 0)
            {
                problems.Add($"Service {s.Metadata.Name}: selects no Deployment's pods");
                continue;
            }

            foreach (var port in s.Spec.Ports)
            {
                if (!pods.All(d => d.Spec.Template.Spec.Containers.Any(c => PortDeclared((c.Ports ?? []).ToList(), port.TargetPort ?? (IntOrString)port.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)))))
                {
                    problems.Add($"Service {s.Metadata.Name}: port {port.Name ?? port.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)} targets {port.TargetPort?.Value}, not a declared container port");
                }
            }
        }

        // The public Service must not carry the proxy's admin listener.
        if (m.Of<V1Service>().SingleOrDefault(s => s.Metadata.Name == "proxy") is { } proxy
            && proxy.Spec.Ports.Any(p => p.TargetPort?.Value is "admin" or "8081" || p.Port == 8081))
        {
            problems.Add("Service proxy (public) exposes the admin port");
        }

        return problems;
    }

    private static bool Selects(IDictionary<string, string>? selector, IDictionary<string, string>? labels) =>
        selector is { Count: > 0 } && labels is not null && selector.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private static bool PortDeclared(List<V1ContainerPort> ports, IntOrString port) =>
        ports.Any(p => p.Name == port.Value || p.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture) == port.Value);
}
