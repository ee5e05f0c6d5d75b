using System.Text.Json.Nodes;
using Strangler.Testing;

namespace Strangler.Cdc.Tests.Events;

/// <summary>Our events for tables shaped like the fixtures' equal the real Debezium events (but clocks, LSNs, xids).</summary>
public sealed class GoldenEventTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private static void AssertSameEvent(string expected, string actual) =>
        Assert.True(JsonNode.DeepEquals(Fixture.Normalize(expected), Fixture.Normalize(actual)),
            $"expected\n{Fixture.Normalize(expected).ToJsonString()}\nactual\n{Fixture.Normalize(actual).ToJsonString()}");

    [Fact]
    public async Task Persons_SnapshotReadWithSchemas_MatchesDebeziumEventAndKey()
    {
        await using var cdc = new CdcHarness(database.ConnectionString, "golden_snapshot", "public.persons");
        await cdc.ExecuteAsync("CREATE TABLE persons (id int PRIMARY KEY, name text, age int); INSERT INTO persons VALUES (1, 'John', 30);");

        await cdc.StartAsync();
        await cdc.WaitForAsync(r => r.Count >= 1, "the snapshot event");
        var record = cdc.DataRecords.Single();

        Assert.Equal("pg.public.persons", record.Topic);
        AssertSameEvent(Fixture.Text("persons-snapshot-read.json"), CdcHarness.Text(record.Value));
        Assert.Equal(Fixture.Text("persons-key.json").Trim(), CdcHarness.Text(record.Key));
        await cdc.ExecuteAsync("DROP TABLE persons");
    }

    [Fact]
    public async Task Persons_StreamedInsertAndUpdate_MatchDebeziumPayloads()
    {
        await using var cdc = new CdcHarness(database.ConnectionString, "golden_stream", "public.persons2");
        cdc.Options.SchemasEnable = false;
        cdc.Options.TopicPrefix = "pg";
        await cdc.ExecuteAsync("CREATE TABLE persons2 (id int PRIMARY KEY, name text, age int); INSERT INTO persons2 VALUES (1, 'John', 30);");
        await cdc.StartAsync();

        await cdc.ExecuteAsync("INSERT INTO persons2 VALUES (2, 'Paul', 25)");
        await cdc.ExecuteAsync("UPDATE persons2 SET name = 'Tom' WHERE id = 1");
        await cdc.WaitForAsync(r => r.Count >= 3, "snapshot, insert and update");
        var events = cdc.DataRecords.Select(r => CdcHarness.Text(r.Value)).ToList();

        AssertSameEvent(Fixture.Text("persons-insert-payload.json").Replace("\"persons\"", "\"persons2\"", StringComparison.Ordinal), events[1]);
        AssertSameEvent(Fixture.Text("persons-update-payload.json").Replace("\"persons\"", "\"persons2\"", StringComparison.Ordinal), events[2]);
        await cdc.ExecuteAsync("DROP TABLE persons2");
    }

    [Fact]
    public async Task Widgets_CreateUpdateDeleteWithoutSchemas_MatchDebeziumEvents_AndDeleteIsFollowedByATombstone()
    {
        await using var cdc = new CdcHarness(database.ConnectionString, "golden_widgets", "public.widgets");
        cdc.Options.SchemasEnable = false;
        cdc.Options.TopicPrefix = "cqrs";
        await cdc.ExecuteAsync("CREATE TABLE widgets (id text PRIMARY KEY, name text NOT NULL, active boolean NOT NULL)");
        await cdc.StartAsync();

        await cdc.ExecuteAsync("INSERT INTO widgets VALUES ('w1', 'gadget', true)");
        await cdc.ExecuteAsync("UPDATE widgets SET name = 'gadget2', active = false WHERE id = 'w1'");
        await cdc.ExecuteAsync("DELETE FROM widgets WHERE id = 'w1'");
        await cdc.WaitForAsync(r => r.Count >= 4, "create, update, delete and tombstone");
        var records = cdc.DataRecords.ToList();
        var expected = Fixture.Lines("widgets-noschema-create-update-delete.jsonl");

        for (var i = 0; i < 3; i++)
        {
            AssertSameEvent(expected[i], CdcHarness.Text(records[i].Value));
            Assert.Equal("""{"id":"w1"}""", CdcHarness.Text(records[i].Key));
        }

        Assert.True(records[3].IsTombstone);
        Assert.Equal(records[2].Key, records[3].Key);
        Assert.Equal("cqrs.public.widgets", records[3].Topic);
    }
}
