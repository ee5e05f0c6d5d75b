using Microsoft.Extensions.Logging;
using Npgsql;

namespace Strangler.Cdc.Capture;

/// <summary>
/// One active connector per slot among any number of instances (Kubernetes replicas, a second process by mistake):
/// a PostgreSQL session-level advisory lock named after the slot, held on a connection of its own for as long as
/// this instance streams. Others wait as standbys and retry; when the leader dies its session ends, the lock is
/// released, and a standby takes over from the slot's confirmed position (nothing acknowledged is lost, the rest is
/// delivered again: at-least-once). No Kubernetes API needed, and the lock lives where the slot lives.
/// </summary>
internal sealed class SlotLeadership(string connectionString, string slot, TimeSpan retry, ILogger logger, TimeProvider time) : IAsyncDisposable
{
    /// <summary>First key of the two-key advisory lock: "SCDC", so our locks do not collide with an application's.</summary>
    private const int LockClass = 0x53434443;

    private NpgsqlConnection? _connection;

    /// <summary>Waits until this instance holds the slot's lock; logs once when it has to wait as a standby.</summary>
    public async Task AcquireAsync(CancellationToken cancellationToken)
    {
        var waiting = false;
        while (true)
        {
            try
            {
                _connection ??= await OpenAsync(cancellationToken);
                await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1, hashtext($2))", _connection);
                command.Parameters.Add(new NpgsqlParameter { Value = LockClass });
                command.Parameters.Add(new NpgsqlParameter { Value = slot });
                if ((bool)(await command.ExecuteScalarAsync(cancellationToken))!)
                {
                    if (waiting)
                    {
                        logger.LogInformation("Took over slot {Slot}: this connector is now its active instance", slot);
                    }
                    else
                    {
                        logger.LogInformation("This connector is the active instance for slot {Slot}", slot);
                    }

                    return;
                }

                if (!waiting)
                {
                    logger.LogInformation("Standby: another connector streams slot {Slot}; taking over when it stops (checking every {Retry} ms)", slot, retry.TotalMilliseconds);
                    waiting = true;
                }
            }
            catch (NpgsqlException e) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("Cannot reach PostgreSQL for the slot's lock ({Error}); retrying in {Retry} ms", e.Message, retry.TotalMilliseconds);
                await DropConnectionAsync();
            }

            await Task.Delay(retry, time, cancellationToken);
        }
    }

    /// <summary>Completes when the lock can no longer be vouched for (its connection failed): streaming must stop.</summary>
    public async Task WatchAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await Task.Delay(retry, time, cancellationToken);
            try
            {
                await using var command = new NpgsqlCommand("SELECT 1", _connection);
                await command.ExecuteScalarAsync(cancellationToken);
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("Lost the connection holding slot {Slot}'s lock ({Error}): stopping the stream; another instance may take over", slot, e.Message);
                await DropConnectionAsync();
                return;
            }
        }
    }

    public async ValueTask DisposeAsync() => await DropConnectionAsync(); // closing the session releases the lock

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, ApplicationName = $"strangler-cdc-lock-{slot}" }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private async Task DropConnectionAsync()
    {
        if (_connection is { } connection)
        {
            _connection = null;
            await connection.DisposeAsync();
        }
    }
}
