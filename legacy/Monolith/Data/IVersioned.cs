namespace RideShare.Monolith.Data;

/// <summary>An entity with an id and an optimistic-concurrency version (its ETag).</summary>
public interface IVersioned
{
    long Id { get; }

    int Version { get; }
}
