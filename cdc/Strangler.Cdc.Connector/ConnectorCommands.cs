using System.Text;
using Npgsql;
using Serilog;
using Serilog.Extensions.Logging;
using Strangler.Cdc.Capture;
using Strangler.Cdc.Delivery;
using Strangler.Hosting.Postgres;
using Strangler.Hosting.ServiceDefaults;

namespace Strangler.Cdc.Connector;

/// <summary>
/// The runnable connector: <c>run</c> (default) streams the configured tables to Kafka, or — with no
/// bootstrap servers configured — to standard output as JSON lines (the embedded sink); <c>mock-kafka</c>
/// hosts librdkafka's mock cluster for machines without Kafka. Fatal problems: one line on stderr, exit 1.
/// </summary>
internal static class ConnectorCommands
{
    private static readonly string[] DefaultTables = ["public.drivers", "public.passengers", "public.trips"];

    public static async Task<int> RunAsync(string[] args)
    {
        var command = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "run";
        var rest = args.Length > 0 && !args[0].StartsWith('-') ? args[1..] : args;
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        try
        {
            return command switch
            {
                "run" => await RunConnectorAsync(rest, stop.Token),
                "mock-kafka" => await HostMockKafkaAsync(stop.Token),
                _ => Fail($"unknown command '{command}': use run or mock-kafka."),
            };
        }
        catch (Exception e) when (e is CdcConfigurationException or PostgresBinariesNotFoundException or NpgsqlException
            or Strangler.Cdc.Events.UnencodableEventException)
        {
            return Fail(e.Message);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return 0;
        }
    }

    private static async Task<int> RunConnectorAsync(string[] args, CancellationToken cancellationToken)
    {
        // Configuration only (appsettings.json beside the binary, environment, command line): no web host.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
        var section = builder.Configuration.GetSection(CdcOptions.SectionName);
        var options = section.Get<CdcOptions>() ?? new CdcOptions();
        if (options.Tables.Count == 0)
        {
            options.Tables = [.. DefaultTables]; // the RideShare monolith's tables
        }

        var kafka = section.GetSection("Kafka").Get<KafkaSinkOptions>() ?? new KafkaSinkOptions();
        var statsSeconds = section.GetValue("StatsIntervalSeconds", 10);
        var logger = new SerilogLoggerFactory(new LoggerConfiguration().WriteTo.Console(standardErrorFromLevel: Serilog.Events.LogEventLevel.Verbose)
            .MinimumLevel.Is(builder.Configuration.GetSection(LogOptions.SectionName).Get<LogOptions>()?.MinimumLevel ?? Serilog.Events.LogEventLevel.Information)
            .CreateLogger()).CreateLogger("Strangler.Cdc");

        await using var database = await ResolvedDatabase.ResolveAsync(
            builder.Configuration, "Cdc", section.GetValue("EmbeddedDatabaseName", "rideshare")!, logger, cancellationToken);
        options.ConnectionString = database.ConnectionString;

        // Without Kafka, events go to standard output (logs go to standard error), one JSON line each.
        await using IChangeSink sink = kafka.BootstrapServers.Length > 0
            ? new KafkaSink(kafka, logger)
            : new EmbeddedSink(async (record, ct) =>
            {
                var line = $"{{\"topic\":\"{record.Topic}\",\"key\":{Json(record.Key)},\"value\":{Json(record.Value)}}}\n";
                await Console.Out.WriteAsync(line.AsMemory(), ct);
            });
        logger.LogInformation("Capturing {Tables} into {Sink}", string.Join(", ", options.Tables),
            kafka.BootstrapServers.Length > 0 ? $"Kafka at {kafka.BootstrapServers}" : "standard output (embedded sink)");
        var engine = new CdcEngine(options, sink, logger);
        using var statsStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var stats = ReportAsync(engine, options, statsSeconds, logger, statsStop.Token);
        await using var health = await HealthEndpoint.StartAsync(section.GetValue("HealthListen", "")!, engine, cancellationToken);
        try
        {
            await engine.RunAsync(cancellationToken);
        }
        finally
        {
            await statsStop.CancelAsync();
            await stats;
        }

        return 0;
    }

    /// <summary>Events per second and the slot's lag (bytes of WAL not yet confirmed) at a fixed period.</summary>
    private static async Task ReportAsync(CdcEngine engine, CdcOptions options, int seconds, Microsoft.Extensions.Logging.ILogger logger, CancellationToken cancellationToken)
    {
        if (seconds <= 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(seconds));
        var previous = 0L;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var total = engine.EventsPublished;
                long? lag = null;
                try
                {
                    await using var connection = new NpgsqlConnection(options.ConnectionString);
                    await connection.OpenAsync(cancellationToken);
                    await using var command = new NpgsqlCommand(
                        "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint FROM pg_replication_slots WHERE slot_name = $1", connection);
                    command.Parameters.Add(new NpgsqlParameter { Value = options.Slot });
                    lag = await command.ExecuteScalarAsync(cancellationToken) as long?;
                }
                catch (NpgsqlException)
                {
                }

                logger.LogInformation(
                    "CDC: {Events} events ({Rate:F0}/s), snapshot rows {SnapshotRows}, slot lag {LagBytes} bytes, {LagMs} ms behind the last acknowledged commit",
                    total, (total - previous) / (double)seconds, engine.SnapshotRows, lag, engine.TimeLag?.TotalMilliseconds);
                previous = total;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private static async Task<int> HostMockKafkaAsync(CancellationToken cancellationToken)
    {
        using var cluster = new MockKafkaCluster();
        Console.WriteLine($"Mock Kafka cluster — TEST-ONLY, NON-DURABLE (all data is lost on exit). Bootstrap servers: {cluster.BootstrapServers}");
        Console.WriteLine($"Point the connector at it: --Cdc:Kafka:BootstrapServers={cluster.BootstrapServers}   (Ctrl+C to stop)");
        Console.WriteLine("It keeps only about the newest 5 MB of each partition: older events vanish silently. Use a real Kafka for anything that must replay.");
        await Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        return 0;
    }

    private static string Json(byte[]? bytes) => bytes is null ? "null" : Encoding.UTF8.GetString(bytes);

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return 1;
    }
}
