using Marten;
using RideShare.Contracts.Passengers;
using Strangler.Cdc.Apply;

namespace RideShare.Passengers.Store;

/// <summary>
/// Passengers as Marten documents in the service's own PostgreSQL database. API writes run in a transaction that
/// first takes advisory locks on the passenger and on the email it claims, so version checks and email uniqueness
/// hold under concurrent requests. Sync batches load the documents they touch, decide per <see cref="RowOrder"/>,
/// and save documents, tombstones, dead letters and the checkpoint in one transaction.
/// </summary>
public sealed class PassengerStore(IDocumentStore store, bool outbox = false)
{
    public const string Schema = "passengers";
    public const string IdSequence = Schema + ".passenger_ids";

    /// <summary>The reverse sync's outbox: one row per API write, in the write's own transaction (see PassengerReverseSource).</summary>
    public const string OutboxTable = Schema + ".reverse_outbox";

    public const string ReverseDeadLetterTable = Schema + ".reverse_dead_letters";

    /// <summary>Marten's table for <see cref="PassengerDocument"/> (schema <see cref="Schema"/>).</summary>
    private const string DocumentTable = Schema + ".mt_doc_passengerdocument";

    private static readonly string UpsertSql = $"""
        insert into {DocumentTable} (id, data, mt_dotnet_type)
        select d.id, d.data, '{typeof(PassengerDocument).FullName}' from unnest(?::bigint[], ?::jsonb[]) as d(id, data)
        on conflict (id) do update set data = excluded.data, mt_last_modified = transaction_timestamp(),
            mt_version = md5(random()::text || clock_timestamp()::text)::uuid
        """;

    /// <summary>Debezium's placeholder for an unchanged TOASTed value the event does not carry.</summary>
    private const string Unavailable = ChangeRow.Unavailable;

    public async Task<PassengerDocument?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<PassengerDocument>(id, cancellationToken);
    }

    /// <summary>One page in id order (optionally of one email) and the total.</summary>
    public async Task<(IReadOnlyList<PassengerDocument> Items, long Total)> PageAsync(string? email, int skip, int take, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var query = session.Query<PassengerDocument>();
        var filtered = email is null ? query : query.Where(p => p.Email == email);
        var total = await filtered.LongCountAsync(cancellationToken);
        var items = await filtered.OrderBy(p => p.Id).Skip(skip).Take(take).ToListAsync(cancellationToken);
        return (items, total);
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        return await session.Query<PassengerDocument>().LongCountAsync(cancellationToken);
    }

    /// <summary>Passengers with ids in (<paramref name="afterId"/>, <paramref name="toId"/>], in id order (reconcile).</summary>
    public async Task<IReadOnlyList<PassengerDocument>> RangeAsync(long afterId, long? toId, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var upper = toId ?? long.MaxValue;
        return await session.Query<PassengerDocument>().Where(p => p.Id > afterId && p.Id <= upper).OrderBy(p => p.Id).ToListAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<PassengerDocument>> LoadManyAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        return (await session.LoadManyAsync<PassengerDocument>(cancellationToken, ids)).OrderBy(p => p.Id).ToList();
    }

    public async Task<(PassengerWriteOutcome Outcome, PassengerDocument? Passenger)> CreateAsync(PassengerFields fields, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        await session.BeginTransactionAsync(cancellationToken);
        await LockAsync(session, $"passenger-email:{fields.Email}", cancellationToken);
        if (await EmailTakenAsync(session, fields.Email, null, cancellationToken))
        {
            return (PassengerWriteOutcome.EmailTaken, null);
        }

        var id = (await session.QueryAsync<long>($"select nextval('{IdSequence}')", cancellationToken)).Single();
        var passenger = new PassengerDocument
        {
            Id = id, FullName = fields.FullName, Email = fields.Email, Phone = fields.Phone, MarketingOptIn = fields.MarketingOptIn,
            CreatedAt = now, UpdatedAt = now, Version = 1,
        };
        session.Store(passenger);
        QueueOutbox(session, id);
        await session.SaveChangesAsync(cancellationToken);
        return (PassengerWriteOutcome.Applied, passenger);
    }

    /// <summary>Replaces <paramref name="id"/> if it is still at <paramref name="expectedVersion"/>.</summary>
    public async Task<(PassengerWriteOutcome Outcome, PassengerDocument? Passenger)> ReplaceAsync(
        long id, int expectedVersion, PassengerFields fields, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        await session.BeginTransactionAsync(cancellationToken);
        await LockAsync(session, $"passenger:{id}", cancellationToken);
        await LockAsync(session, $"passenger-email:{fields.Email}", cancellationToken);
        var passenger = await session.LoadAsync<PassengerDocument>(id, cancellationToken);
        if (passenger is null || passenger.Version != expectedVersion)
        {
            return (passenger is null ? PassengerWriteOutcome.NotFound : PassengerWriteOutcome.VersionChanged, null);
        }

        if (passenger.Email != fields.Email && await EmailTakenAsync(session, fields.Email, id, cancellationToken))
        {
            return (PassengerWriteOutcome.EmailTaken, null);
        }

        passenger.FullName = fields.FullName;
        passenger.Email = fields.Email;
        passenger.Phone = fields.Phone;
        passenger.MarketingOptIn = fields.MarketingOptIn;
        passenger.UpdatedAt = now;
        passenger.Version++;
        session.Store(passenger);
        QueueOutbox(session, id);
        await session.SaveChangesAsync(cancellationToken);
        return (PassengerWriteOutcome.Applied, passenger);
    }

    public async Task<PassengerWriteOutcome> DeleteAsync(long id, int expectedVersion, CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        await session.BeginTransactionAsync(cancellationToken);
        await LockAsync(session, $"passenger:{id}", cancellationToken);
        var passenger = await session.LoadAsync<PassengerDocument>(id, cancellationToken);
        if (passenger is null || passenger.Version != expectedVersion)
        {
            return passenger is null ? PassengerWriteOutcome.NotFound : PassengerWriteOutcome.VersionChanged;
        }

        session.Delete<PassengerDocument>(id);
        QueueOutbox(session, id);
        await session.SaveChangesAsync(cancellationToken);
        return PassengerWriteOutcome.Applied;
    }

    /// <summary>
    /// Applies synced changes in order, with <paramref name="checkpoint"/> (null: leave it) and
    /// <paramref name="deadLetters"/>, in one transaction. Returns how many changes applied, were stale, or were
    /// dead-lettered.
    /// </summary>
    public async Task<(int Applied, int Stale, int DeadLettered)> ApplyAsync(
        IReadOnlyList<PassengerCommand> commands, string? checkpoint, IReadOnlyList<DeadLetter> deadLetters, CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        var ids = commands.Select(c => c.Id).Distinct().ToArray();
        var rows = ids.Length == 0 ? [] : (await session.LoadManyAsync<PassengerDocument>(cancellationToken, ids)).ToDictionary(p => p.Id);
        var tombs = ids.Length == 0 ? [] : (await session.LoadManyAsync<PassengerTombstone>(cancellationToken, ids)).ToDictionary(t => t.Id);
        var current = new Dictionary<long, PassengerDocument?>(rows.Select(r => KeyValuePair.Create(r.Key, (PassengerDocument?)r.Value)));
        var touched = new HashSet<long>();
        int applied = 0, stale = 0, dead = 0;
        foreach (var command in commands)
        {
            var row = current.GetValueOrDefault(command.Id);
            var tomb = tombs.GetValueOrDefault(command.Id);
            if (RowOrder.IsStale(row?.Lsn, row?.FromSnapshot ?? false, tomb?.Lsn, command.Lsn, command.Op == 'S'))
            {
                stale++;
                continue;
            }

            if (command.Op == 'D')
            {
                current[command.Id] = null;
                tombs[command.Id] = new PassengerTombstone { Id = command.Id, Lsn = command.Lsn, SyncApplied = (tomb?.SyncApplied ?? 0) + 1 };
            }
            else
            {
                var document = command.Document!.Copy();
                if (!KeepUnavailable(document, row))
                {
                    session.Store(ToDeadLetter(DeadLetter.FromJson(command.DeadLetter ?? throw new InvalidOperationException("A change with an unavailable value came without its dead letter."))));
                    dead++;
                    continue;
                }

                document.Lsn = command.Lsn;
                document.FromSnapshot = command.Op == 'S';
                document.SyncApplied = (row?.SyncApplied ?? 0) + 1;
                current[command.Id] = document; // a tombstone stays: every later change is newer than it anyway
            }

            touched.Add(command.Id);
            applied++;
        }

        // One statement per batch for the documents (Marten's own table and JSON), instead of one upsert call per
        // document: the batch commit is what bounds the apply rate.
        var upserts = touched.Where(id => current[id] is not null).Select(id => current[id]!).ToList();
        if (upserts.Count > 0)
        {
            session.QueueSqlCommand(UpsertSql, upserts.Select(d => d.Id).ToArray(), upserts.Select(d => store.Options.Serializer().ToJson(d)).ToArray());
        }

        var deletes = touched.Where(id => current[id] is null).ToArray();
        if (deletes.Length > 0)
        {
            session.QueueSqlCommand($"delete from {DocumentTable} where id = any(?)", deletes);
            foreach (var id in deletes)
            {
                session.Store(tombs[id]);
            }
        }

        if (touched.Count > 0)
        {
            // API creates (once this service owns the passengers) take ids above every synced one.
            session.QueueSqlCommand($"select setval('{IdSequence}', greatest((select last_value from {IdSequence}), ?))", touched.Max());
        }

        foreach (var letter in deadLetters)
        {
            session.Store(ToDeadLetter(letter));
        }

        if (checkpoint is not null)
        {
            session.Store(new SyncCheckpointDocument { Checkpoint = checkpoint });
        }

        await session.SaveChangesAsync(cancellationToken);
        return (applied, stale, dead + deadLetters.Count);
    }

    public async Task<string?> CheckpointAsync(CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        return (await session.LoadAsync<SyncCheckpointDocument>(SyncCheckpointDocument.SingleId, cancellationToken))?.Checkpoint;
    }

    public async Task<long> DeadLetterCountAsync(CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        return await session.Query<DeadLetterDocument>().LongCountAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<DeadLetterDocument>> DeadLettersAsync(CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        return await session.Query<DeadLetterDocument>().OrderBy(d => d.At).ToListAsync(cancellationToken);
    }

    /// <summary>Replaces placeholder text with the stored value; false when there is none to keep.</summary>
    private static bool KeepUnavailable(PassengerDocument document, PassengerDocument? stored)
    {
        if (document.FullName == Unavailable || document.Email == Unavailable || document.Phone == Unavailable)
        {
            if (stored is null)
            {
                return false;
            }

            document.FullName = document.FullName == Unavailable ? stored.FullName : document.FullName;
            document.Email = document.Email == Unavailable ? stored.Email : document.Email;
            document.Phone = document.Phone == Unavailable ? stored.Phone : document.Phone;
        }

        return true;
    }

    private static DeadLetterDocument ToDeadLetter(DeadLetter d) => new()
    {
        Id = Guid.NewGuid(), Reason = d.Reason, Table = d.Table, Position = d.Position, Lsn = d.Lsn, Key = d.Key, Value = d.Value, At = d.At,
    };

    private static async Task LockAsync(IDocumentSession session, string name, CancellationToken cancellationToken) =>
        await session.QueryAsync<int>("select 1 from (select pg_advisory_xact_lock(hashtextextended(?, 0))) l", cancellationToken, name);

    private static async Task<bool> EmailTakenAsync(IDocumentSession session, string email, long? except, CancellationToken cancellationToken)
    {
        var other = except ?? 0;
        return await session.Query<PassengerDocument>().Where(p => p.Email == email && p.Id != other).AnyAsync(cancellationToken);
    }

    private void QueueOutbox(IDocumentSession session, long id)
    {
        if (outbox)
        {
            session.QueueSqlCommand($"insert into {OutboxTable} (id) values (?)", id);
        }
    }
}
