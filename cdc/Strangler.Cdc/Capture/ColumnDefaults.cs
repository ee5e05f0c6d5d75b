using System.Text.RegularExpressions;
using Strangler.Cdc.Events;

namespace Strangler.Cdc.Capture;

/// <summary>
/// A column's DEFAULT as Debezium puts it in the schema (its PostgresDefaultValueConverter): a constant is read
/// from the expression PostgreSQL prints ('abc'::text, 42, '-1'::integer, '2020-01-01'::date); a function or
/// CURRENT_* default stands for a fixed placeholder of the type (a serial's nextval(…) → 0, now() → the epoch);
/// NULL, an expression it cannot read, or a type without a mapper (bytea, an unconstrained numeric) → no default.
/// The result is the value in PostgreSQL's text form, encoded later like any value of the column.
/// </summary>
internal static partial class ColumnDefaults
{
    private static readonly HashSet<string> CurrentDateTimes = new(StringComparer.Ordinal) { "current_timestamp", "current_time", "current_date", "localtime", "localtimestamp" };

    /// <summary>The default's text for a column of pg_type <paramref name="typeName"/>, or null when Debezium writes none.</summary>
    public static string? Resolve(string typeName, ColumnKind kind, int? scale, string? expression)
    {
        if (expression is null)
        {
            return null;
        }

        var trimmed = expression.Trim();
        try
        {
            return typeName switch
            {
                "bool" => NullOr(Extract(trimmed, "false"), v => bool.TryParse(v, out var b) && b ? "true" : "false"),
                "int2" => NullOr(Extract(trimmed, "0"), v => short.Parse(v, System.Globalization.CultureInfo.InvariantCulture).ToString(System.Globalization.CultureInfo.InvariantCulture)),
                "int4" => NullOr(Extract(trimmed, "0"), v => int.Parse(v, System.Globalization.CultureInfo.InvariantCulture).ToString(System.Globalization.CultureInfo.InvariantCulture)),
                "int8" => NullOr(Extract(trimmed, "0"), v => long.Parse(v, System.Globalization.CultureInfo.InvariantCulture).ToString(System.Globalization.CultureInfo.InvariantCulture)),
                "float4" or "float8" => NullOr(Extract(trimmed, "0.0"), v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture).ToString("R", System.Globalization.CultureInfo.InvariantCulture)),
                // A VariableScaleDecimal default would be a struct, which Debezium leaves out.
                "numeric" => scale is null ? null : NullOr(Extract(trimmed, "0.0"), v => v),
                "text" or "varchar" or "bpchar" or "xml" => Extract(expression, ""),
                "json" or "jsonb" => Extract(expression, "{}"),
                "uuid" => NullOr(Extract(trimmed, "00000000-0000-0000-0000-000000000000"), v => Guid.Parse(v).ToString()),
                "date" => Extract(trimmed, "1970-01-01"),
                "time" => NullOr(Extract(trimmed, "00:00"), v => v.Length == 5 ? v + ":00" : v),
                "timestamp" => NullOr(Extract(trimmed, "1970-01-01"), v => v.Length == 10 ? v + " 00:00:00" : v),
                "timestamptz" => NullOr(Extract(trimmed, "1970-01-01"), v => v.Length == 10 ? v + " 00:00:00+00" : v),
                _ when kind == ColumnKind.Enum => EnumDefault(typeName, trimmed),
                _ => null,
            };
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            return null; // Debezium: "Cannot parse column default value … Expression evaluation is not supported."
        }
    }

    private static string? NullOr(string? value, Func<string, string> parse) => value is null ? null : parse(value);

    private static string? Extract(string expression, string placeholder)
    {
        if (FunctionDefault().IsMatch(expression) || CurrentDateTimes.Contains(expression.ToLowerInvariant()))
        {
            return placeholder;
        }

        if (!expression.Contains('\'', StringComparison.Ordinal))
        {
            return expression.StartsWith("NULL::", StringComparison.Ordinal) ? null : expression;
        }

        var literal = Literal().Match(expression);
        return literal.Success ? literal.Groups[1].Value.Replace("''", "'", StringComparison.Ordinal) : null;
    }

    private static string? EnumDefault(string typeName, string expression)
    {
        var cast = expression.LastIndexOf("::", StringComparison.Ordinal);
        if (cast < 0)
        {
            return null;
        }

        var suffix = expression[(cast + 2)..].Trim('"');
        var value = expression[..cast];
        return (suffix == typeName || suffix.EndsWith("." + typeName, StringComparison.Ordinal)) && value.Length >= 2 && value[0] == '\'' && value[^1] == '\''
            ? value[1..^1].Replace("''", "'", StringComparison.Ordinal)
            : null;
    }

    [GeneratedRegex("^[(]?[A-Za-z0-9_.]+\\((?:.+(?:, ?.+)*)?\\)")]
    private static partial Regex FunctionDefault();

    [GeneratedRegex("'([^']*(?:''[^']*)*)'")]
    private static partial Regex Literal();
}
