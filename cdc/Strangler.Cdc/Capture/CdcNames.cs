using System.Text.RegularExpressions;

namespace Strangler.Cdc.Capture;

/// <summary>
/// Checks the names the connector creates in PostgreSQL and Kafka before it creates anything. The replication
/// protocol folds unquoted names to lower case (a slot asked for as MySlot is created as myslot, and the next
/// start then looks for MySlot in vain), and pgoutput reads publication names the same way.
/// </summary>
internal static partial class CdcNames
{
    public static void Validate(CdcOptions options)
    {
        if (!SlotPattern().IsMatch(options.Slot))
        {
            throw new CdcConfigurationException(
                $"Cdc:Slot '{options.Slot}' is not a valid replication slot name: use 1–63 lower-case letters, digits and underscores (e.g. '{Suggest(options.Slot)}').");
        }

        if (!PublicationPattern().IsMatch(options.Publication))
        {
            throw new CdcConfigurationException(
                $"Cdc:Publication '{options.Publication}' is not usable: use 1–63 lower-case letters, digits and underscores, starting with a letter or underscore (e.g. '{Suggest(options.Publication)}').");
        }

        if (!TopicPattern().IsMatch(options.TopicPrefix))
        {
            throw new CdcConfigurationException(
                $"Cdc:TopicPrefix '{options.TopicPrefix}' is not a valid Kafka topic prefix: use 1–200 letters, digits, '.', '_' or '-'.");
        }

        if (options.DeadLetterTopic.Length > 0 && !TopicPattern().IsMatch(options.DeadLetterTopic))
        {
            throw new CdcConfigurationException(
                $"Cdc:DeadLetterTopic '{options.DeadLetterTopic}' is not a valid Kafka topic name: use letters, digits, '.', '_' or '-'.");
        }

        foreach (var table in options.Tables)
        {
            var (schema, name) = TableCatalog.Split(table ?? "");
            if (schema.Length == 0 || name.Length == 0 || name.Contains('.', StringComparison.Ordinal))
            {
                throw new CdcConfigurationException($"Cdc:Tables entry '{table}' is not a table name: use schema.table, e.g. public.drivers.");
            }
        }
    }

    private static string Suggest(string name)
    {
        var cleaned = new string(name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').Take(63).ToArray());
        return cleaned.Length == 0 ? "strangler" : cleaned;
    }

    [GeneratedRegex("^[a-z0-9_]{1,63}\\z")]
    private static partial Regex SlotPattern();

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}\\z")]
    private static partial Regex PublicationPattern();

    [GeneratedRegex("^[A-Za-z0-9._-]{1,200}\\z")]
    private static partial Regex TopicPattern();
}
