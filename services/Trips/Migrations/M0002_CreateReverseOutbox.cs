using FluentMigrator;

namespace RideShare.Trips.Migrations;

/// <summary>The reverse sync's outbox (a row per trip the service writes, in the write's transaction) and its dead letters.</summary>
[Migration(2, "Create the reverse sync's outbox")]
public sealed class M0002_CreateReverseOutbox : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE reverse_outbox (seq bigserial PRIMARY KEY, id bigint NOT NULL);
        CREATE TABLE reverse_dead_letters (id bigserial PRIMARY KEY, body text NOT NULL);
        """);

    public override void Down() => Execute.Sql("DROP TABLE reverse_dead_letters; DROP TABLE reverse_outbox;");
}
