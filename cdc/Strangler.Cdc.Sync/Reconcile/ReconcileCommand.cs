using System.Globalization;
using NpgsqlTypes;

namespace Strangler.Cdc.Sync.Reconcile;

/// <summary>
/// The <c>reconcile</c> command every service shares: reads <c>--repair</c> and <c>--wait SECONDS</c> (other
/// <c>--Section:Key=value</c> arguments pass through as configuration), runs the service's comparison, prints the
/// drift report, and returns the exit code: 0 no drift, 2 drift (left after the repair, when repairing).
/// </summary>
public static class ReconcileCommand
{
    /// <summary>Exit code when drift was found (and not repaired).</summary>
    public const int DriftExitCode = 2;
    private const int MaxListed = 200;

    /// <summary>Runs the reconcile command line: compares legacy with the service's store, optionally repairs; returns the exit code.</summary>
    public static async Task<int> RunAsync(
        string[] args, Func<string[], bool, CancellationToken, Task<ReconcileReport>> reconcile, TextWriter? output = null)
    {
        output ??= Console.Out;
        var repair = false;
        var pass = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--repair":
                    repair = true;
                    break;
                case "--wait":
                    var value = i + 1 < args.Length ? args[++i] : null;
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > 86_400)
                    {
                        throw new ServiceCommandException($"--wait needs a number of seconds from 0 to 86400, got '{value ?? "nothing"}'.");
                    }

                    pass.Add($"--Reconcile:WaitSeconds={seconds}");
                    break;
                case var flag when flag.StartsWith("--", StringComparison.Ordinal) && !flag.Contains(':', StringComparison.Ordinal):
                    throw new ServiceCommandException($"unknown option '{flag}' for reconcile: use --repair, --wait SECONDS or --Section:Key=value.");
                default:
                    pass.Add(args[i]);
                    break;
            }
        }

        using var stop = new CancellationTokenSource();
        var report = await reconcile([.. pass], repair, stop.Token);
        Print(report, output);
        return report.Remaining.Count == 0 ? 0 : DriftExitCode;
    }

    /// <summary>Writes the report for people: counts, then each drifted key.</summary>
    public static void Print(ReconcileReport report, TextWriter output)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(inv,
            $"{report.Table}: {report.LegacyCount:N0} rows in legacy, {report.StoreCount:N0} in the store (legacy snapshot at {new NpgsqlLogSequenceNumber(report.LegacyLsn)})"));
        if (report.Drift.Count == 0)
        {
            output.WriteLine("no drift");
        }
        else
        {
            output.WriteLine(string.Create(inv, $"drift in {report.Drift.Count:N0} key(s):"));
            foreach (var key in report.Drift.Take(MaxListed))
            {
                var fields = key.Fields.Count == 0 ? "" : ": " + string.Join("; ", key.Fields.Select(f => $"{f.Field} {f.Legacy ?? "(none)"} in legacy, {f.Store ?? "(none)"} in the store"));
                output.WriteLine(string.Create(inv, $"  {key.Kind,-9} {key.Key}{fields}"));
            }

            if (report.Drift.Count > MaxListed)
            {
                output.WriteLine(string.Create(inv, $"  ... and {report.Drift.Count - MaxListed:N0} more"));
            }
        }

        if (report.Changing.Count > 0)
        {
            output.WriteLine(string.Create(inv,
                $"{report.Changing.Count:N0} key(s) kept changing during the comparison and were not compared (not drift): {string.Join(", ", report.Changing.Take(MaxListed))}"));
        }

        if (report.DriftAfterRepair is { } after)
        {
            output.WriteLine(after.Count == 0
                ? string.Create(inv, $"repaired {report.Repaired:N0} key(s) from legacy; no drift left")
                : string.Create(inv, $"repaired {report.Repaired:N0} key(s) from legacy; drift left in {after.Count:N0}: {string.Join(", ", after.Take(MaxListed).Select(d => d.Key))}"));
        }
    }
}
