using Strangler.Cdc.Capture;
using Strangler.Cdc.Events;

namespace Strangler.Cdc.Tests.Capture;

/// <summary>Debezium's reading of column defaults (PostgresDefaultValueConverter), from the expressions PostgreSQL prints.</summary>
public sealed class ColumnDefaultsTests
{
    [Theory]
    [InlineData("int4", "nextval('t_id_seq'::regclass)", "0")]
    [InlineData("int8", "42", "42")]
    [InlineData("int4", "'-1'::integer", "-1")]
    [InlineData("int2", "'70000'::integer", null)] // out of range: not parsed, no default
    [InlineData("int4", "(1 + 2)", null)]            // an expression: not evaluated
    [InlineData("int4", "NULL::integer", null)]
    [InlineData("bool", "true", "true")]
    [InlineData("bool", "false", "false")]
    [InlineData("bool", "now()", "false")]
    [InlineData("text", "'it''s'::text", "it's")]
    [InlineData("varchar", "NULL::character varying", null)]
    [InlineData("varchar", "md5((random())::text)", "")]
    [InlineData("bpchar", "'ab'::bpchar", "ab")]
    [InlineData("float8", "1.5", "1.5")]
    [InlineData("float8", "'1e3'::double precision", "1000")]
    [InlineData("jsonb", "'{\"a\": 1}'::jsonb", "{\"a\": 1}")]
    [InlineData("uuid", "gen_random_uuid()", "00000000-0000-0000-0000-000000000000")]
    [InlineData("uuid", "'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")]
    [InlineData("date", "'2020-02-29'::date", "2020-02-29")]
    [InlineData("date", "CURRENT_DATE", "1970-01-01")]
    [InlineData("time", "LOCALTIME", "00:00:00")]
    [InlineData("timestamp", "CURRENT_TIMESTAMP", "1970-01-01 00:00:00")]
    [InlineData("timestamptz", "now()", "1970-01-01 00:00:00+00")]
    [InlineData("timestamptz", "'2020-01-01 10:00:00+00'::timestamp with time zone", "2020-01-01 10:00:00+00")]
    [InlineData("bytea", "'\\x00'::bytea", null)]
    [InlineData("int2", "nextval('s'::regclass)", "0")]
    [InlineData("int8", "nextval('s'::regclass)", "0")]
    [InlineData("int2", "7", "7")]
    [InlineData("float4", "random()", "0")]
    [InlineData("float8", "'NaN'::double precision", "NaN")]
    [InlineData("xml", "'<a/>'::xml", "<a/>")]
    [InlineData("text", "upper('x'::text)", "")]
    [InlineData("json", "json_build_object()", "{}")]
    [InlineData("time", "'10:00'::time without time zone", "10:00:00")]
    [InlineData("time", "'10:00:05'::time without time zone", "10:00:05")]
    [InlineData("time", "CURRENT_TIME", "00:00:00")]
    [InlineData("timestamp", "'2020-01-01 10:00:00'::timestamp without time zone", "2020-01-01 10:00:00")]
    [InlineData("timestamp", "localtimestamp", "1970-01-01 00:00:00")]
    [InlineData("timestamptz", "current_timestamp", "1970-01-01 00:00:00+00")]
    [InlineData("date", "'2020-02-29'", "2020-02-29")]
    [InlineData("text", "'unclosed", null)]
    [InlineData("bool", "NULL::boolean", null)]
    [InlineData("bool", "'yes'::boolean", "false")]
    public void Resolve_AsDebezium(string typeName, string expression, string? expected) =>
        Assert.Equal(expected, ColumnDefaults.Resolve(typeName, ColumnKind.Text, 2, expression));

    [Fact]
    public void Numeric_WithAScale_HasADefault_WithoutOne_None()
    {
        Assert.Equal("12.5", ColumnDefaults.Resolve("numeric", ColumnKind.Numeric, 2, "12.5"));
        Assert.Equal("0.0", ColumnDefaults.Resolve("numeric", ColumnKind.Numeric, 2, "nextval('s'::regclass)"));
        Assert.Null(ColumnDefaults.Resolve("numeric", ColumnKind.Numeric, null, "1"));
    }

    [Theory]
    [InlineData("mood", "'ok'::mood", "ok")]
    [InlineData("mood", "'ok'::public.mood", "ok")]
    [InlineData("mood", "'ok'::other", null)]
    [InlineData("mood", "'it''s'::mood", "it's")]
    [InlineData("mood", "ok", null)]
    [InlineData("mood", "::mood", null)]
    [InlineData("mood", "''::mood", "")]
    [InlineData("mood", "'x::mood", null)]
    public void Enum_OnlyACastToItsOwnType(string type, string expression, string? expected) =>
        Assert.Equal(expected, ColumnDefaults.Resolve(type, ColumnKind.Enum, null, expression));

    [Fact]
    public void NoExpression_NoDefault() => Assert.Null(ColumnDefaults.Resolve("int4", ColumnKind.Int32, null, null));
}
