using System.Collections.Concurrent;
using NpgsqlTypes;
using Strangler.Cdc.Capture;
using Strangler.Cdc.Delivery;
using Strangler.Cdc.Events;

namespace Strangler.Cdc.Tests.Capture;

/// <summary>
/// The connector's no-loss promise, on the pipeline alone: an LSN is confirmed to PostgreSQL only after the sink
/// acknowledged its transaction and every one before it, never past a failed delivery, and always in order.
/// The sink here completes or fails each batch when the test says so.
/// </summary>
public sealed class DeliveryPipelineTests
{
    private static NpgsqlLogSequenceNumber Lsn(ulong value) => new(value);

    private static List<ChangeRecord> Batch(string name) => [new ChangeRecord("t", null, System.Text.Encoding.UTF8.GetBytes(name), 0)];

    [Fact]
    public async Task SlowSink_NothingIsConfirmedBeforeTheSinkAcknowledges_AndConfirmationsFollowTransactionOrder()
    {
        var sink = new ControlledSink();
        var feedback = new RecordingFeedback();
        using var pipeline = new DeliveryPipeline(sink, feedback, maxInFlight: 10);

        await pipeline.SendAsync(Batch("1"), Lsn(100), CancellationToken.None);
        await pipeline.SendAsync(Batch("2"), Lsn(200), CancellationToken.None);
        await pipeline.SendAsync(Batch("3"), Lsn(300), CancellationToken.None);
        Assert.Empty(feedback.Confirmed);

        sink.Complete(1); // the second transaction is acknowledged first...
        Assert.Empty(feedback.Confirmed); // ...but the first is not: nothing may be confirmed yet
        sink.Complete(0);
        Assert.Equal([Lsn(100), Lsn(200)], feedback.Confirmed);
        sink.Complete(2);
        Assert.Equal([Lsn(100), Lsn(200), Lsn(300)], feedback.Confirmed);
    }

    [Fact]
    public async Task SinkFailingOneBatchThenSucceeding_NothingAtOrAfterTheFailureIsConfirmed_AndTheFailureStopsTheStream()
    {
        var sink = new ControlledSink();
        var feedback = new RecordingFeedback();
        using var pipeline = new DeliveryPipeline(sink, feedback, maxInFlight: 10);
        await pipeline.SendAsync(Batch("1"), Lsn(100), CancellationToken.None);
        await pipeline.SendAsync(Batch("2"), Lsn(200), CancellationToken.None);
        await pipeline.SendAsync(Batch("3"), Lsn(300), CancellationToken.None);

        sink.Complete(0);
        sink.Fail(1, new SinkDeliveryException("broker down"));
        sink.Complete(2); // a later batch succeeding must not move the slot past the failed one

        Assert.Equal([Lsn(100)], feedback.Confirmed);
        Assert.True(pipeline.Failed.IsCancellationRequested);
        Assert.Equal("broker down", Assert.Throws<SinkDeliveryException>(pipeline.ThrowIfFailed).Message);
        await Assert.ThrowsAsync<SinkDeliveryException>(() => pipeline.SendAsync(Batch("4"), Lsn(400), CancellationToken.None));
        await pipeline.DrainAsync();
        Assert.Equal([Lsn(100)], feedback.Confirmed);
    }

    [Fact]
    public async Task EarlyDeliveryOfALargeTransaction_IsConfirmedOnlyWithItsCommit()
    {
        var sink = new ControlledSink();
        var feedback = new RecordingFeedback();
        using var pipeline = new DeliveryPipeline(sink, feedback, maxInFlight: 10);

        await pipeline.SendAsync(Batch("part 1"), null, CancellationToken.None); // no end LSN: mid-transaction
        await pipeline.SendAsync(Batch("part 2 + commit"), Lsn(500), CancellationToken.None);
        sink.Complete(0);
        Assert.Empty(feedback.Confirmed);
        sink.Complete(1);

        Assert.Equal([Lsn(500)], feedback.Confirmed);
    }

    [Fact]
    public async Task InFlightLimit_SendWaitsForTheOldestDelivery()
    {
        var sink = new ControlledSink();
        using var pipeline = new DeliveryPipeline(sink, new RecordingFeedback(), maxInFlight: 2);
        await pipeline.SendAsync(Batch("1"), Lsn(100), CancellationToken.None);
        await pipeline.SendAsync(Batch("2"), Lsn(200), CancellationToken.None);

        var third = pipeline.SendAsync(Batch("3"), Lsn(300), CancellationToken.None);
        Assert.False(third.IsCompleted);
        Assert.Equal(2, sink.Published.Count);

        sink.Complete(0);
        await third.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(3, sink.Published.Count);
    }

    [Fact]
    public async Task Heartbeat_ConfirmsTheReceivedPositionOnlyWhenIdle()
    {
        var sink = new ControlledSink { AutoComplete = true };
        var feedback = new RecordingFeedback { LastReceivedLsn = Lsn(900) };
        using var pipeline = new DeliveryPipeline(sink, feedback, maxInFlight: 10);
        ChangeRecord Heartbeat(NpgsqlLogSequenceNumber lsn) => new("__debezium-heartbeat.pg", null, [], (ulong)lsn);

        pipeline.BeginTransaction();
        await pipeline.HeartbeatIfIdleAsync(Heartbeat, CancellationToken.None); // first tick only notes the count
        await pipeline.HeartbeatIfIdleAsync(Heartbeat, CancellationToken.None);
        Assert.Empty(feedback.Confirmed); // a transaction is open: its changes are not all handled

        pipeline.EndTransaction();
        pipeline.MessageStarted();
        await pipeline.HeartbeatIfIdleAsync(Heartbeat, CancellationToken.None);
        Assert.Empty(feedback.Confirmed); // a message is being handled

        pipeline.MessageDone();
        await pipeline.HeartbeatIfIdleAsync(Heartbeat, CancellationToken.None);
        Assert.Empty(feedback.Confirmed); // a message was handled in this period: not idle for a whole one yet

        await pipeline.HeartbeatIfIdleAsync(Heartbeat, CancellationToken.None);
        Assert.Equal([Lsn(900)], feedback.Confirmed);
        Assert.Contains(sink.Published, p => p.Records[0].Topic.StartsWith("__debezium-heartbeat", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Heartbeat_NeverConfirmsWhileADeliveryIsInFlight()
    {
        var sink = new ControlledSink();
        var feedback = new RecordingFeedback { LastReceivedLsn = Lsn(900) };
        using var pipeline = new DeliveryPipeline(sink, feedback, maxInFlight: 10);
        await pipeline.SendAsync(Batch("1"), Lsn(100), CancellationToken.None);

        await pipeline.HeartbeatIfIdleAsync(lsn => new ChangeRecord("hb", null, [], (ulong)lsn), CancellationToken.None);
        await pipeline.HeartbeatIfIdleAsync(lsn => new ChangeRecord("hb", null, [], (ulong)lsn), CancellationToken.None);

        Assert.Empty(feedback.Confirmed);
    }

    private sealed class RecordingFeedback : IReplicationFeedback
    {
        public List<NpgsqlLogSequenceNumber> Confirmed { get; } = [];

        public NpgsqlLogSequenceNumber LastReceivedLsn { get; set; }

        public void Confirm(NpgsqlLogSequenceNumber lsn)
        {
            lock (Confirmed)
            {
                Confirmed.Add(lsn);
            }
        }
    }

    /// <summary>A sink whose every batch stays pending until the test completes or fails it (or completes at once).</summary>
    private sealed class ControlledSink : IChangeSink
    {
        public bool AutoComplete { get; init; }

        public List<(IReadOnlyList<ChangeRecord> Records, TaskCompletionSource Done)> Published { get; } = [];

        public Task PublishAsync(IReadOnlyList<ChangeRecord> records, CancellationToken cancellationToken)
        {
            var done = new TaskCompletionSource();
            Published.Add((records, done));
            if (AutoComplete)
            {
                done.SetResult();
            }

            return done.Task;
        }

        public void Complete(int index) => Published[index].Done.SetResult();

        public void Fail(int index, Exception error) => Published[index].Done.SetException(error);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
