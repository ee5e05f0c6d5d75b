using Strangler.Cdc.Events;

namespace Strangler.Cdc.Capture;

/// <summary>
/// The counts Debezium's transaction metadata needs while one transaction streams (provide.transaction.metadata):
/// each event's total and per-table order, and the END record's per-table counts. Ids are "xid:lsn", the LSN
/// being that of the message the record is made for, as Debezium's PostgresTransactionMonitor makes them.
/// </summary>
internal sealed class TransactionMetadata
{
    private readonly Dictionary<string, long> _perTable = new(StringComparer.Ordinal);
    private readonly List<string> _tableOrder = [];
    private long _xid;
    private long _total;

    public void Begin(long xid)
    {
        _xid = xid;
        _total = 0;
        _perTable.Clear();
        _tableOrder.Clear();
    }

    /// <summary>The block of the next event of <paramref name="table"/>; counted only once <see cref="Count"/> confirms it was encoded.</summary>
    public TransactionBlock Next(string table, ulong lsn) =>
        new($"{_xid}:{lsn}", _total + 1, _perTable.GetValueOrDefault(table) + 1);

    public void Count(string table)
    {
        _total++;
        if (_perTable.TryGetValue(table, out var count))
        {
            _perTable[table] = count + 1;
        }
        else
        {
            _perTable[table] = 1;
            _tableOrder.Add(table);
        }
    }

    public string Id(ulong lsn) => $"{_xid}:{lsn}";

    public long EventCount => _total;

    public IEnumerable<(string Table, long Count)> PerTable => _tableOrder.Select(t => (t, _perTable[t]));
}
