namespace Strangler.Hosting.Postgres;

/// <summary>Thrown when no PostgreSQL server binaries can be found on this machine.</summary>
public sealed class PostgresBinariesNotFoundException(string message) : Exception(message);
