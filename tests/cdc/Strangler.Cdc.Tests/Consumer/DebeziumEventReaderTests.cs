using Strangler.Cdc.Consumer;
using Strangler.Cdc.Events;

namespace Strangler.Cdc.Tests.Consumer;

/// <summary>The reader on real Debezium events (2.7) and on broken ones.</summary>
public sealed class DebeziumEventReaderTests
{
    [Fact]
    public void Read_RealSnapshotEventWithSchema_DecodesRowKeyAndSource()
    {
        var change = DebeziumEventReader.Read(Fixture.Text("persons-key.json"), Fixture.Text("persons-snapshot-read.json"), "fixture");

        Assert.Equal(ChangeOperation.Read, change.Operation);
        Assert.Equal(1L, change.Key!["id"]);
        Assert.Null(change.Before);
        Assert.Equal("John", change.After!["name"]);
        Assert.Equal(30L, change.After["age"]);
        Assert.Equal("last", change.Source!.Snapshot);
        Assert.Equal(23043592L, change.Source.Lsn);
        Assert.Equal(490L, change.Source.TxId);
        Assert.Equal("persons", change.Source.Table);
    }

    [Fact]
    public void Read_RealPayloadOnlyInsertAndUpdate_DecodesByJsonKind()
    {
        var insert = DebeziumEventReader.Read(null, Fixture.Text("persons-insert-payload.json"), "fixture");
        var update = DebeziumEventReader.Read(null, Fixture.Text("persons-update-payload.json"), "fixture");

        Assert.Equal(ChangeOperation.Create, insert.Operation);
        Assert.Equal("Paul", insert.After!["name"]);
        Assert.Equal(25L, insert.After["age"]);
        Assert.Equal(ChangeOperation.Update, update.Operation);
        Assert.Null(update.Before);
        Assert.Equal("Tom", update.After!["name"]);
        Assert.Equal("[\"23044320\",\"23044320\"]", update.Source!.Sequence);
    }

    [Fact]
    public void Read_RealSchemalessCreateUpdateDelete_AndATombstone()
    {
        var lines = Fixture.Lines("widgets-noschema-create-update-delete.jsonl");

        var changes = lines.Select((l, i) => DebeziumEventReader.Read("""{"id":"w1"}""", l, $"widgets:{i}")).ToList();
        var tombstone = DebeziumEventReader.Read("""{"id":"w1"}""", null, "widgets:3");

        Assert.Equal([ChangeOperation.Create, ChangeOperation.Update, ChangeOperation.Delete], changes.Select(c => c.Operation));
        Assert.Equal(false, changes[1].After!["active"]);
        Assert.Equal("w1", changes[2].Before!["id"]);
        Assert.Null(changes[2].After);
        Assert.Equal(ChangeOperation.Tombstone, tombstone.Operation);
        Assert.Equal("w1", tombstone.Key!["id"]);
    }

    [Fact]
    public void Read_OlderDebeziumShapes_BooleanSnapshotAndNoMicroTimestamps_AreAccepted()
    {
        // Debezium 1.x/2.0-2.5: source.snapshot a boolean, no ts_us/ts_ns, envelope version 1.
        const string value = """{"before":null,"after":{"id":3},"source":{"version":"1.9.7.Final","connector":"postgresql","name":"pg","ts_ms":1,"snapshot":true,"db":"d","schema":"public","table":"t","txId":5,"lsn":7},"op":"r","ts_ms":2}""";

        var change = DebeziumEventReader.Read(null, value, "old");

        Assert.Equal(ChangeOperation.Read, change.Operation);
        Assert.Equal("true", change.Source!.Snapshot);
        Assert.Equal(7L, change.Source.Lsn);
    }

    [Theory]
    [InlineData("not json", "not JSON")]
    [InlineData("""{"before":null,"after":{"id":1}}""", "no 'op'")]
    [InlineData("""{"before":null,"after":{"id":1},"op":"x"}""", "unknown op 'x'")]
    [InlineData("""{"before":null,"after":null,"op":"c"}""", "without 'after'")]
    [InlineData("""{"schema":{"type":"struct","fields":[{"type":"struct","fields":[{"type":"int32","field":"id"}],"optional":true,"field":"before"},{"type":"struct","fields":[{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"},"field":"fare"}],"optional":true,"field":"after"},{"type":"string","field":"op"}]},"payload":{"before":null,"after":{"fare":"!!not base64"},"op":"c"}}""", "after.fare")]
    public void Read_MalformedEvent_ThrowsWithReasonAndPosition(string value, string reason)
    {
        var error = Assert.Throws<MalformedEventException>(() => DebeziumEventReader.Read(null, value, "orders[2]@17"));

        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
        Assert.Equal("orders[2]@17", error.Position);
        Assert.Contains("orders[2]@17", error.Message, StringComparison.Ordinal);
    }
}
