namespace Strangler.Cdc.Events;

/// <summary>An event's <c>transaction</c> block: the transaction id ("xid:lsn"), its order in the transaction and in its table.</summary>
internal readonly record struct TransactionBlock(string Id, long TotalOrder, long DataCollectionOrder);
