using System.Diagnostics;
using k8s;
using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace Strangler.Deploy.Tests;

/// <summary>
/// deploy/k8s rendered by <c>kubectl kustomize</c> and parsed strictly into the Kubernetes API's own types
/// (KubernetesClient; an unknown or misspelled field fails). Custom resources of the operators we rely on
/// (CloudNativePG, Strimzi) have no types there: they are kept as YAML and checked by kind.
/// </summary>
public sealed class Manifests
{
    private static readonly Dictionary<(string ApiVersion, string Kind), Type> BuiltIn = new()
    {
        [("v1", "Namespace")] = typeof(V1Namespace),
        [("v1", "ConfigMap")] = typeof(V1ConfigMap),
        [("v1", "Secret")] = typeof(V1Secret),
        [("v1", "Service")] = typeof(V1Service),
        [("v1", "PersistentVolumeClaim")] = typeof(V1PersistentVolumeClaim),
        [("apps/v1", "Deployment")] = typeof(V1Deployment),
        [("policy/v1", "PodDisruptionBudget")] = typeof(V1PodDisruptionBudget),
        [("networking.k8s.io/v1", "NetworkPolicy")] = typeof(V1NetworkPolicy),
    };

    /// <summary>Operator resources a demanding user would use, with the API versions we write them for.</summary>
    public static readonly HashSet<(string ApiVersion, string Kind)> OperatorKinds =
    [
        ("postgresql.cnpg.io/v1", "Cluster"),
        ("kafka.strimzi.io/v1beta2", "Kafka"),
        ("kafka.strimzi.io/v1beta2", "KafkaNodePool"),
        ("kafka.strimzi.io/v1beta2", "KafkaTopic"),
    ];

    public List<object> Objects { get; } = [];

    public List<YamlMappingNode> Custom { get; } = [];

    public IEnumerable<T> Of<T>() => Objects.OfType<T>();

    /// <summary>The repository's deploy/k8s folder.</summary>
    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Strangler.sln")))
            {
                dir = dir.Parent;
            }

            return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("Strangler.sln not found above the test folder"), "deploy", "k8s");
        }
    }

    /// <summary>kubectl on PATH (or KUBECTL), else null: the render tests then skip, saying so.</summary>
    public static string? Kubectl { get; } = new[] { Environment.GetEnvironmentVariable("KUBECTL") }
        .Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(p => Path.Combine(p, "kubectl")))
        .FirstOrDefault(p => !string.IsNullOrEmpty(p) && File.Exists(p));

    public static string Render(string overlay)
    {
        var start = new ProcessStartInfo(Kubectl!, ["kustomize", Path.Combine(Root, overlay)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill();
            throw new TimeoutException($"kubectl kustomize {overlay} did not finish within a minute");
        }

        Assert.True(process.ExitCode == 0, $"kubectl kustomize {overlay} failed: {error.Result}");
        return output.Result;
    }

    /// <summary>Parses a multi-document YAML strictly; throws naming the document that does not fit its kind.</summary>
    public static Manifests Parse(string yaml)
    {
        var manifests = new Manifests();
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var texts = yaml.Split(["\n---\n"], StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(stream.Documents.Count, texts.Length);
        for (var i = 0; i < texts.Length; i++)
        {
            var root = (YamlMappingNode)stream.Documents[i].RootNode;
            var apiVersion = Scalar(root, "apiVersion");
            var kind = Scalar(root, "kind");
            var name = root.Children.TryGetValue("metadata", out var m) && m is YamlMappingNode meta ? Scalar(meta, "name") : "?";
            if (BuiltIn.TryGetValue((apiVersion, kind), out var type))
            {
                try
                {
                    var method = typeof(KubernetesYaml).GetMethods()
                        .Single(x => x.Name == nameof(KubernetesYaml.Deserialize) && x.IsGenericMethod && x.GetParameters() is [{ ParameterType: var p }, { ParameterType: var b }] && p == typeof(string) && b == typeof(bool));
                    manifests.Objects.Add(method.MakeGenericMethod(type).Invoke(null, [texts[i], true])!);
                }
                catch (System.Reflection.TargetInvocationException e)
                {
                    throw new InvalidOperationException($"{kind} {name} does not parse strictly as {type.Name}: {e.InnerException!.Message}", e.InnerException);
                }
            }
            else if (OperatorKinds.Contains((apiVersion, kind)))
            {
                manifests.Custom.Add(root);
            }
            else
            {
                throw new InvalidOperationException($"{apiVersion} {kind} {name}: not a kind these manifests are expected to hold");
            }
        }

        return manifests;
    }

    public static string Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value ?? "" : "";
}

/// <summary>A fact that needs kubectl: skipped, saying so, when it is not installed (the other tests still run).</summary>
public sealed class KubectlFactAttribute : FactAttribute
{
    public KubectlFactAttribute()
    {
        if (Manifests.Kubectl is null)
        {
            Skip = "kubectl is not installed: the overlays cannot be rendered here (install kubectl, or set KUBECTL).";
        }
    }
}

/// <summary>A theory that needs kubectl (see <see cref="KubectlFactAttribute"/>).</summary>
public sealed class KubectlTheoryAttribute : TheoryAttribute
{
    public KubectlTheoryAttribute()
    {
        if (Manifests.Kubectl is null)
        {
            Skip = "kubectl is not installed: the overlays cannot be rendered here (install kubectl, or set KUBECTL).";
        }
    }
}
