using FluentMigrator.Runner;

namespace RideShare.Trips.Migrations;

/// <summary>Brings the Trips database up to this build's schema (FluentMigrator).</summary>
public static class TripsSchema
{
    public static void Migrate(string connectionString)
    {
        using var provider = new ServiceCollection()
            .AddFluentMigratorCore()
            .ConfigureRunner(runner => runner
                .AddPostgres()
                .WithGlobalConnectionString(connectionString)
                .ScanIn(typeof(TripsSchema).Assembly).For.Migrations())
            .Configure<FluentMigrator.Runner.Initialization.RunnerOptions>(o => o.TransactionPerSession = false)
            .BuildServiceProvider(validateScopes: false);
        using var scope = provider.CreateScope();
        scope.ServiceProvider.GetRequiredService<IMigrationRunner>().MigrateUp();
    }
}
