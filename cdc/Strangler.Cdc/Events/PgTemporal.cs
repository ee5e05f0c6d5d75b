using System.Globalization;
using System.Text;

namespace Strangler.Cdc.Events;

/// <summary>
/// PostgreSQL's temporal text output (DateStyle ISO, TimeZone UTC) turned into Debezium's values, for the whole
/// range PostgreSQL accepts: years past 9999 and before 1 AD (BC, proleptic Gregorian, as Debezium reads them),
/// 24:00:00, and the infinities, encoded as Debezium encodes them (pgjdbc's sentinels). .NET's date types stop at
/// year 9999, so days and microseconds are computed here directly.
/// </summary>
internal static class PgTemporal
{
    /// <summary>timestamp 'infinity' as Debezium writes it: pgjdbc's PGStatement.DATE_POSITIVE_INFINITY, in µs.</summary>
    public const long PositiveInfinityMicros = 9223372036825200000;

    /// <summary>timestamp '-infinity': PGStatement.DATE_NEGATIVE_INFINITY, in µs.</summary>
    public const long NegativeInfinityMicros = -9223372036832400000;

    /// <summary>date 'infinity': Debezium maps it to LocalDate -5877611-06-21, whose epoch day this is.</summary>
    public const int PositiveInfinityDays = -2147472692;

    /// <summary>date '-infinity': LocalDate -5877611-06-22.</summary>
    public const int NegativeInfinityDays = -2147472691;

    private const long MicrosPerDay = 86_400_000_000;

    /// <summary>io.debezium.time.Date: days since 1970-01-01 (Java's int cast, as Debezium's).</summary>
    public static int Days(string text) => text switch
    {
        "infinity" => PositiveInfinityDays,
        "-infinity" => NegativeInfinityDays,
        _ => unchecked((int)ParseDate(text, out _, wholeText: true, out _)),
    };

    /// <summary>io.debezium.time.MicroTimestamp (or, divided, Timestamp): µs since the epoch, the text read as UTC.</summary>
    public static long TimestampMicros(string text) => text switch
    {
        "infinity" => PositiveInfinityMicros,
        "-infinity" => NegativeInfinityMicros,
        _ => ParseTimestamp(text, withOffset: false),
    };

    /// <summary>io.debezium.time.MicroTime: µs since midnight; 24:00:00 is a whole day.</summary>
    public static long TimeMicros(string text)
    {
        var micros = ParseTime(text, 0, out var end);
        return end == text.Length ? micros : throw Invalid(text, "a time");
    }

    /// <summary>
    /// io.debezium.time.ZonedTimestamp: ISO-8601 in UTC with 'Z', the fraction exactly <paramref name="fractionDigits"/>
    /// long (the column's precision; 0 writes none), years as java.time writes them (+21016, -4713).
    /// </summary>
    public static string ZonedTimestamp(string text, int fractionDigits)
    {
        if (text is "infinity" or "-infinity")
        {
            return text;
        }

        var micros = ParseTimestamp(text, withOffset: true);
        var days = Math.DivRem(micros, MicrosPerDay, out var inDay);
        if (inDay < 0)
        {
            days--;
            inDay += MicrosPerDay;
        }

        var (year, month, day) = CivilFromDays(days);
        var builder = new StringBuilder(40);
        AppendJavaYear(builder, year);
        builder.Append(CultureInfo.InvariantCulture, $"-{month:D2}-{day:D2}T");
        AppendTime(builder, inDay, fractionDigits, trim: false);
        return builder.Append('Z').ToString();
    }

    /// <summary>io.debezium.time.ZonedTime: timetz text moved to UTC, "HH:mm:ss[.fraction]Z" with trailing zeros trimmed.</summary>
    public static string ZonedTime(string text)
    {
        var micros = ParseTime(text, 0, out var end);
        var offset = ParseOffset(text, end, out end);
        if (end != text.Length)
        {
            throw Invalid(text, "a time with time zone");
        }

        var utc = ((micros - offset) % MicrosPerDay + MicrosPerDay) % MicrosPerDay;
        var builder = new StringBuilder(24);
        AppendTime(builder, utc, 6, trim: true);
        return builder.Append('Z').ToString();
    }

    /// <summary>Days since 1970-01-01 of a proleptic Gregorian date (astronomical year: 1 BC is 0). H. Hinnant's days_from_civil.</summary>
    public static long DaysFromCivil(long year, int month, int day)
    {
        year -= month <= 2 ? 1 : 0;
        var era = (year >= 0 ? year : year - 399) / 400;
        var yearOfEra = year - (era * 400);
        var dayOfYear = ((153 * (month + (month > 2 ? -3 : 9))) + 2) / 5 + day - 1;
        var dayOfEra = (yearOfEra * 365) + (yearOfEra / 4) - (yearOfEra / 100) + dayOfYear;
        return (era * 146097) + dayOfEra - 719468;
    }

    /// <summary>The inverse of <see cref="DaysFromCivil"/>.</summary>
    public static (long Year, int Month, int Day) CivilFromDays(long days)
    {
        days += 719468;
        var era = (days >= 0 ? days : days - 146096) / 146097;
        var dayOfEra = days - (era * 146097);
        var yearOfEra = (dayOfEra - (dayOfEra / 1460) + (dayOfEra / 36524) - (dayOfEra / 146096)) / 365;
        var dayOfYear = dayOfEra - ((365 * yearOfEra) + (yearOfEra / 4) - (yearOfEra / 100));
        var mp = ((5 * dayOfYear) + 2) / 153;
        var day = (int)(dayOfYear - (((153 * mp) + 2) / 5) + 1);
        var month = (int)(mp < 10 ? mp + 3 : mp - 9);
        return (yearOfEra + (era * 400) + (month <= 2 ? 1 : 0), month, day);
    }

    private static long ParseTimestamp(string text, bool withOffset)
    {
        var days = ParseDate(text, out var position, wholeText: false, out var bc);
        if (position >= text.Length || text[position] != ' ')
        {
            throw Invalid(text, "a timestamp");
        }

        var micros = ParseTime(text, position + 1, out position);
        if (withOffset)
        {
            micros -= ParseOffset(text, position, out position);
        }

        if (text.AsSpan(position).SequenceEqual(" BC"))
        {
            if (bc)
            {
                throw Invalid(text, "a timestamp");
            }

            days = RecomputeAsBc(text);
            position = text.Length;
        }

        if (position != text.Length)
        {
            throw Invalid(text, withOffset ? "a timestamp with time zone" : "a timestamp");
        }

        return checked((days * MicrosPerDay) + micros);
    }

    /// <summary>A timestamp's "BC" comes after its time: read its date again as a BC date.</summary>
    private static long RecomputeAsBc(string text)
    {
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        return ParseDate(text[..space] + " BC", out _, wholeText: true, out _);
    }

    /// <summary>"y…y-MM-dd" (4+ digit year) optionally followed by " BC" (only when <paramref name="wholeText"/>).</summary>
    private static long ParseDate(string text, out int position, bool wholeText, out bool bc)
    {
        bc = false;
        var i = 0;
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }

        if (i < 4 || i > 7 || i + 6 > text.Length || text[i] != '-' || text[i + 3] != '-'
            || !int.TryParse(text.AsSpan(i + 1, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var month)
            || !int.TryParse(text.AsSpan(i + 4, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var day)
            || month is < 1 or > 12 || day < 1 || day > 31)
        {
            throw Invalid(text, "a date");
        }

        long year = long.Parse(text.AsSpan(0, i), NumberStyles.None, CultureInfo.InvariantCulture);
        position = i + 6;
        if (wholeText && text.AsSpan(position).SequenceEqual(" BC"))
        {
            bc = true;
            year = 1 - year; // 1 BC is year 0 of the proleptic Gregorian calendar
            position = text.Length;
        }

        if (wholeText && position != text.Length)
        {
            throw Invalid(text, "a date");
        }

        return DaysFromCivil(year, month, day);
    }

    /// <summary>"HH:mm:ss[.f…]" from <paramref name="start"/>; hours 0–24.</summary>
    private static long ParseTime(string text, int start, out int position)
    {
        if (start + 8 > text.Length || text[start + 2] != ':' || text[start + 5] != ':'
            || !int.TryParse(text.AsSpan(start, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var hours)
            || !int.TryParse(text.AsSpan(start + 3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var minutes)
            || !int.TryParse(text.AsSpan(start + 6, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || hours > 24 || minutes > 59 || seconds > 60)
        {
            throw Invalid(text, "a time");
        }

        position = start + 8;
        long fraction = 0;
        if (position < text.Length && text[position] == '.')
        {
            var digits = 0;
            position++;
            while (position < text.Length && char.IsAsciiDigit(text[position]))
            {
                if (digits < 6)
                {
                    fraction = (fraction * 10) + (text[position] - '0');
                    digits++;
                }

                position++;
            }

            if (digits == 0)
            {
                throw Invalid(text, "a time");
            }

            for (; digits < 6; digits++)
            {
                fraction *= 10;
            }
        }

        return (((hours * 60L) + minutes) * 60 + seconds) * 1_000_000 + fraction;
    }

    /// <summary>"+HH[:MM[:SS]]" or "-…" in µs; 0 when there is none.</summary>
    private static long ParseOffset(string text, int start, out int position)
    {
        position = start;
        if (position >= text.Length || text[position] is not ('+' or '-'))
        {
            return 0;
        }

        var sign = text[position] == '-' ? -1 : 1;
        position++;
        long seconds = 0;
        for (var part = 0; part < 3; part++)
        {
            if (part > 0)
            {
                if (position >= text.Length || text[position] != ':')
                {
                    break;
                }

                position++;
            }

            if (position + 2 > text.Length || !int.TryParse(text.AsSpan(position, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                throw Invalid(text, "a time zone offset");
            }

            seconds += value * (part == 0 ? 3600 : part == 1 ? 60 : 1);
            position += 2;
        }

        return sign * seconds * 1_000_000;
    }

    private static void AppendJavaYear(StringBuilder builder, long year)
    {
        // java.time's ISO year: 4 digits, '+' above 9999, '-' before year 0.
        if (year > 9999)
        {
            builder.Append('+').Append(year.ToString(CultureInfo.InvariantCulture));
        }
        else if (year < 0)
        {
            builder.Append('-').Append((-year).ToString("D4", CultureInfo.InvariantCulture));
        }
        else
        {
            builder.Append(year.ToString("D4", CultureInfo.InvariantCulture));
        }
    }

    private static void AppendTime(StringBuilder builder, long microsOfDay, int fractionDigits, bool trim)
    {
        var seconds = microsOfDay / 1_000_000;
        var fraction = microsOfDay % 1_000_000;
        builder.Append(CultureInfo.InvariantCulture, $"{seconds / 3600:D2}:{seconds / 60 % 60:D2}:{seconds % 60:D2}");
        var digits = fraction.ToString("D6", CultureInfo.InvariantCulture) + "000";
        if (trim)
        {
            var trimmed = digits[..6].TrimEnd('0');
            if (trimmed.Length > 0)
            {
                builder.Append('.').Append(trimmed);
            }
        }
        else if (fractionDigits > 0)
        {
            builder.Append('.').Append(digits.AsSpan(0, Math.Min(9, fractionDigits)));
        }
    }

    private static FormatException Invalid(string text, string what) =>
        new($"'{(text.Length <= 60 ? text : text[..57] + "...")}' is not {what} in PostgreSQL's ISO output");
}
