namespace Strangler.Proxy.Dashboard;

/// <summary>The live dashboard (<c>Proxy:Dashboard</c>): served by the admin listener at /dashboard/.</summary>
public sealed class DashboardOptions
{
    /// <summary>The configuration section bound to these options.</summary>
    public const string SectionName = "Proxy:Dashboard";

    /// <summary>Seconds of per-second samples kept for the charts.</summary>
    public int HistorySeconds { get; set; } = 300;

    /// <summary>Sampling stops this many seconds after the last dashboard request (nothing is computed while nobody looks).</summary>
    public int IdleSeconds { get; set; } = 60;

    /// <summary>How long one service's /sync/status may take before it shows as unreachable, milliseconds.</summary>
    public int SyncStatusTimeoutMilliseconds { get; set; } = 800;

    /// <summary>
    /// The folder where <c>strangler playbook</c> keeps its runs (<c>&lt;data&gt;/playbooks</c>): the dashboard shows the
    /// newest run and the last reconcile result from it. Empty: "not available".
    /// </summary>
    public string PlaybookFolder { get; set; } = "";

    /// <summary>
    /// The log where <c>strangler reconcile</c> (and the playbooks' reconcile steps) record each outcome
    /// (<c>&lt;data&gt;/reconcile.jsonl</c>): the dashboard shows the newest per service. Empty: "not available".
    /// </summary>
    public string ReconcileLog { get; set; } = "";
}
