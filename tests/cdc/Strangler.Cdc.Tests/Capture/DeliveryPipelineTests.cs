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

    [Fact]
    public async Task AFailureThatIsNotASinkException_IsReportedAsOne_WithItsMessage()
    {
        var sink = new ControlledSink();
        using var pipeline = new DeliveryPipeline(sink, new RecordingFeedback(), maxInFlight: 10);
        await pipeline.SendAsync(Batch("1"), Lsn(100), CancellationToken.None);

        sink.Fail(0, new InvalidOperationException("serializer broke"));

        Assert.IsType<InvalidOperationException>(pipeline.Failure);
        Assert.Equal("serializer broke", Assert.Throws<SinkDeliveryException>(pipeline.ThrowIfFailed).Message);
    }

    [Fact]
    public async Task ACancelledDelivery_IsNotAFailure_ButIsNeverConfirmed()
    {
        var sink = new ControlledSink();
        var feedback = new RecordingFeedback();
        using var pipeline = new DeliveryPipeline(sink, feedback, maxInFlight: 10);
        await pipeline.SendAsync(Batch("1"), Lsn(100), CancellationToken.None);

        sink.Published[0].Done.SetCanceled();

        Assert.Null(pipeline.Failure);
        Assert.False(pipeline.Failed.IsCancellationRequested);
        Assert.Empty(feedback.Confirmed);
    }

    [Fact]
    public async Task WaitingForRoom_StopsWhenCancelled()
    {
        var sink = new ControlledSink();
        using var pipeline = new DeliveryPipeline(sink, new RecordingFeedback(), maxInFlight: 1);
        await pipeline.SendAsync(Batch("1"), Lsn(100), CancellationToken.None);
        using var cancel = new CancellationTokenSource();

        var waiting = pipeline.SendAsync(Batch("2"), Lsn(200), cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Single(sink.Published);
    }

    [Fact]
    public async Task WaitingForRoom_EndsWithTheFailureOfTheOldestDelivery()
    {
        var sink = new ControlledSink();
        using var pipeline = new DeliveryPipeline(sink, new RecordingFeedback(), maxInFlight: 1);
        await pipeline.SendAsync(Batch("1"), Lsn(100), CancellationToken.None);

        var waiting = pipeline.SendAsync(Batch("2"), Lsn(200), CancellationToken.None);
        sink.Fail(0, new SinkDeliveryException("down"));

        await Assert.ThrowsAsync<SinkDeliveryException>(() => waiting);
        Assert.Single(sink.Published);
    }

    [Fact]
    public async Task AnEmptyTransaction_IsConfirmedWithoutTroublingTheSink()
    {
        var sink = new ControlledSink();
        var feedback = new RecordingFeedback();
        using var pipeline = new DeliveryPipeline(sink, feedback, maxInFlight: 10);

        await pipeline.SendAsync([], Lsn(150), CancellationToken.None);

        Assert.Empty(sink.Published);
        Assert.Equal([Lsn(150)], feedback.Confirmed);
    }

    [Fact]
    public async Task AcknowledgedCommitTime_IsTheNewestAcknowledgedTransactions()
    {
        var sink = new ControlledSink();
        using var pipeline = new DeliveryPipeline(sink, new RecordingFeedback(), maxInFlight: 10);
        var first = DateTimeOffset.UnixEpoch.AddDays(1);
        var second = first.AddSeconds(5);
        await pipeline.SendAsync(Batch("1"), Lsn(100), CancellationToken.None, first);
        await pipeline.SendAsync(Batch("2 early"), null, CancellationToken.None);
        await pipeline.SendAsync(Batch("2 commit"), Lsn(200), CancellationToken.None, second);

        Assert.Null(pipeline.AcknowledgedCommitTime);
        sink.Complete(0);
        Assert.Equal(first, pipeline.AcknowledgedCommitTime);
        sink.Complete(1);
        Assert.Equal(first, pipeline.AcknowledgedCommitTime);
        sink.Complete(2);
        Assert.Equal(second, pipeline.AcknowledgedCommitTime);
    }

    [Fact]
    public async Task Drain_WaitsForEveryDelivery_AndConfirmsTheDeliveredOnes()
    {
        var sink = new ControlledSink();
        var feedback = new RecordingFeedback();
        using var pipeline = new DeliveryPipeline(sink, feedback, maxInFlight: 10);
        await pipeline.SendAsync(Batch("1"), Lsn(100), CancellationToken.None);
        await pipeline.SendAsync(Batch("2"), Lsn(200), CancellationToken.None);

        var drain = pipeline.DrainAsync();
        Assert.False(drain.IsCompleted);
        sink.Complete(1);
        Assert.False(drain.IsCompleted);
        sink.Complete(0);
        await drain.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([Lsn(100), Lsn(200)], feedback.Confirmed);
    }

    [Fact]
    public async Task Heartbeat_NeverConfirmsBehindWhatWasAcknowledged()
    {
        var sink = new ControlledSink { AutoComplete = true };
        var feedback = new RecordingFeedback { LastReceivedLsn = Lsn(50) };
        using var pipeline = new DeliveryPipeline(sink, feedback, maxInFlight: 10);
        await pipeline.SendAsync(Batch("1"), Lsn(100), CancellationToken.None);
        ChangeRecord Heartbeat(NpgsqlLogSequenceNumber lsn) => new("hb", null, [], (ulong)lsn);

        await pipeline.HeartbeatIfIdleAsync(Heartbeat, CancellationToken.None);
        await pipeline.HeartbeatIfIdleAsync(Heartbeat, CancellationToken.None);

        Assert.Equal([Lsn(100)], feedback.Confirmed); // the received position (50) is behind: nothing more
        Assert.Equal((ulong)Lsn(100), sink.Published.Last().Records[0].Lsn);
    }

    [Fact]
    public async Task Heartbeat_AfterAFailure_ConfirmsNothing()
    {
        var sink = new ControlledSink();
        var feedback = new RecordingFeedback { LastReceivedLsn = Lsn(900) };
        using var pipeline = new DeliveryPipeline(sink, feedback, maxInFlight: 10);
        await pipeline.SendAsync(Batch("1"), Lsn(100), CancellationToken.None);
        sink.Fail(0, new SinkDeliveryException("down"));
        await pipeline.DrainAsync();

        await pipeline.HeartbeatIfIdleAsync(lsn => new ChangeRecord("hb", null, [], (ulong)lsn), CancellationToken.None);
        await pipeline.HeartbeatIfIdleAsync(lsn => new ChangeRecord("hb", null, [], (ulong)lsn), CancellationToken.None);

        Assert.Empty(feedback.Confirmed);
    }

    [Fact]
    public async Task Heartbeat_WhenTheStreamMovedDuringItsDelivery_ConfirmsNothing()
    {
        var sink = new ControlledSink();
        var feedback = new RecordingFeedback { LastReceivedLsn = Lsn(900) };
        using var pipeline = new DeliveryPipeline(sink, feedback, maxInFlight: 10);
        await pipeline.HeartbeatIfIdleAsync(lsn => new ChangeRecord("hb", null, [], (ulong)lsn), CancellationToken.None);

        var heartbeat = pipeline.HeartbeatIfIdleAsync(lsn => new ChangeRecord("hb", null, [], (ulong)lsn), CancellationToken.None);
        pipeline.MessageStarted(); // a change arrives while the heartbeat record is being delivered
        sink.Complete(0);
        await heartbeat;

        Assert.Empty(feedback.Confirmed);
        pipeline.MessageDone();
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
