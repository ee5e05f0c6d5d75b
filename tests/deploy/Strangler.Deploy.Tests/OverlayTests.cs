using k8s;
using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace Strangler.Deploy.Tests;

/// <summary>Each overlay renders with kubectl kustomize, parses strictly, and holds every invariant.</summary>
public sealed class OverlayTests
{
    public static TheoryData<string> Overlays => ["overlays/local", "overlays/production"];

    [KubectlTheory]
    [MemberData(nameof(Overlays))]
    public void Renders_ParsesStrictly_AndHoldsEveryInvariant(string overlay)
    {
        var manifests = Manifests.Parse(Manifests.Render(overlay));

        Assert.Empty(Invariants.Check(manifests));
        var names = manifests.Of<V1Deployment>().Select(d => d.Metadata.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "monolith", "proxy", "drivers", "passengers", "trips", "cdc-connector" }, names);
        Assert.All(manifests.Objects.Cast<IKubernetesObject<V1ObjectMeta>>().Where(o => o is not V1Namespace), o => Assert.Equal("strangler", o.Metadata.NamespaceProperty));
    }

    [KubectlFact]
    public void Production_HoldsNoSecret_AndEverySecretItReferencesIsDocumented()
    {
        var manifests = Manifests.Parse(Manifests.Render("overlays/production"));
        Assert.Empty(manifests.Of<V1Secret>());
        Assert.Empty(manifests.Custom); // no operator resources: external PostgreSQL and Kafka

        var scaleOut = File.ReadAllText(Path.Combine(Manifests.Root, "..", "..", "docs", "scale-out.md"));
        foreach (var secret in ReferencedSecrets(manifests))
        {
            Assert.Contains($"`{secret}`", scaleOut, StringComparison.Ordinal);
        }
    }

    [KubectlFact]
    public void Local_GeneratesEveryReferencedSecret_MarkedLocalOnly_AndUsesTheOperators()
    {
        var manifests = Manifests.Parse(Manifests.Render("overlays/local"));
        var secrets = manifests.Of<V1Secret>().ToList();
        Assert.All(secrets, s => Assert.Equal("true", s.Metadata.Annotations?["strangler.dev/local-only"]));
        Assert.Superset(ReferencedSecrets(manifests), secrets.Select(s => s.Metadata.Name).ToHashSet());

        var kinds = manifests.Custom.Select(c => (Manifests.Scalar(c, "apiVersion"), Manifests.Scalar(c, "kind"))).ToHashSet();
        Assert.Contains(("postgresql.cnpg.io/v1", "Cluster"), kinds);
        Assert.Contains(("kafka.strimzi.io/v1beta2", "Kafka"), kinds);
        var cluster = manifests.Custom.Single(c => Manifests.Scalar(c, "kind") == "Cluster");
        var parameters = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)cluster["spec"])["postgresql"])["parameters"];
        Assert.Equal("logical", Manifests.Scalar(parameters, "wal_level")); // change-data capture needs it
        var bootstrap = manifests.Of<V1ConfigMap>().Single(c => c.Metadata.Name == "strangler-config").Data["Sync__Kafka__BootstrapServers"];
        Assert.StartsWith("strangler-kafka-bootstrap:", bootstrap, StringComparison.Ordinal); // Strimzi's service for the Kafka named strangler
    }

    [KubectlFact]
    public void TheAdminListener_IsOnlyReachableFromAdminClients()
    {
        var manifests = Manifests.Parse(Manifests.Render("overlays/production"));
        var policy = manifests.Of<V1NetworkPolicy>().Single(p => p.Spec.PodSelector.MatchLabels["app.kubernetes.io/name"] == "proxy");
        var adminRules = policy.Spec.Ingress.Where(r => r.Ports?.Any(p => p.Port?.Value == "admin") == true).ToList();
        var rule = Assert.Single(adminRules);
        Assert.NotNull(rule.FromProperty);
        Assert.All(rule.FromProperty, f => Assert.Equal("true", f.PodSelector.MatchLabels["strangler.dev/admin-client"]));
        Assert.DoesNotContain(policy.Spec.Ingress, r => r.FromProperty is null && r.Ports?.Any(p => p.Port?.Value == "admin") == true);
    }

    private static HashSet<string> ReferencedSecrets(Manifests manifests) =>
        manifests.Of<V1Deployment>().SelectMany(d => d.Spec.Template.Spec.Containers).SelectMany(c => c.Env ?? [])
            .Select(e => e.ValueFrom?.SecretKeyRef?.Name).OfType<string>().ToHashSet();
}

/// <summary>The checker itself: each rule reports a manifest that breaks it (a check that cannot fail proves nothing).</summary>
public sealed class InvariantCheckerTests
{
    private const string Good = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: app}
        spec:
          replicas: 1
          selector: {matchLabels: {app: a}}
          template:
            metadata: {labels: {app: a}}
            spec:
              securityContext: {runAsNonRoot: true}
              containers:
                - name: c
                  image: x
                  ports: [{name: http, containerPort: 8080}]
                  env: [{name: ConnectionStrings__Db, valueFrom: {secretKeyRef: {name: db, key: cs}}}]
                  resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: 200m, memory: 128Mi}}
                  livenessProbe: {httpGet: {path: /healthz, port: http}}
                  readinessProbe: {httpGet: {path: /readyz, port: http}}
                  securityContext: {readOnlyRootFilesystem: true, allowPrivilegeEscalation: false}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: app}
        spec:
          selector: {app: a}
          ports: [{name: http, port: 80, targetPort: http}]
        """;

    [Fact]
    public void AGoodManifest_HasNoViolation() => Assert.Empty(Invariants.Check(Manifests.Parse(Good)));

    [Theory]
    [InlineData("selector: {matchLabels: {app: a}}", "selector: {matchLabels: {app: b}}", "selector does not match")]
    [InlineData("readinessProbe: {httpGet: {path: /readyz, port: http}}", "", "no readiness probe")]
    [InlineData("livenessProbe: {httpGet: {path: /healthz, port: http}}", "livenessProbe: {httpGet: {path: /healthz, port: 9999}}", "not a container port")]
    [InlineData("limits: {cpu: 200m, memory: 128Mi}", "limits: {cpu: 200m}", "requests and limits")]
    [InlineData("readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", "readOnlyRootFilesystem")]
    [InlineData("{runAsNonRoot: true}", "{runAsNonRoot: false}", "runAsNonRoot")]
    [InlineData("valueFrom: {secretKeyRef: {name: db, key: cs}}", "value: Host=db;Password=hunter2", "written inline")]
    [InlineData("targetPort: http", "targetPort: admin", "not a declared container port")]
    [InlineData("selector: {app: a}", "selector: {app: nobody}", "selects no Deployment")]
    [InlineData("replicas: 1", "replicas: 3", "no PodDisruptionBudget")]
    public void EachRule_ReportsTheManifestThatBreaksIt(string from, string to, string expected)
    {
        Assert.Contains(from, Good, StringComparison.Ordinal);
        var problems = Invariants.Check(Manifests.Parse(Good.Replace(from, to, StringComparison.Ordinal)));
        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void AnUnknownField_FailsStrictParsing()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Manifests.Parse(Good.Replace("replicas: 1", "replicas: 1\n  replica: 2", StringComparison.Ordinal)));
        Assert.Contains("Deployment app", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void APublicProxyServiceWithTheAdminPort_IsReported()
    {
        var manifest = Good.Replace("metadata: {name: app}\nspec:\n  selector", "metadata: {name: proxy}\nspec:\n  selector", StringComparison.Ordinal)
            .Replace("ports: [{name: http, port: 80, targetPort: http}]", "ports: [{name: http, port: 80, targetPort: http}, {name: admin, port: 8081, targetPort: http}]", StringComparison.Ordinal);
        Assert.Contains(Invariants.Check(Manifests.Parse(manifest)), p => p.Contains("exposes the admin port", StringComparison.Ordinal));
    }
}
