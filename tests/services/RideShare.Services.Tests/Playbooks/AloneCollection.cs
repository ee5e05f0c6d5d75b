namespace RideShare.Services.Tests.Playbooks;

/// <summary>
/// Tests that start a whole stack with its own load (the demo's five processes, the playbook engine's load generator)
/// run alone, after the others: beside the rest of the suite on two cores they starved timing-sensitive tests (a
/// crash test's recovery window) and were starved in turn.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "runs alone";
}
