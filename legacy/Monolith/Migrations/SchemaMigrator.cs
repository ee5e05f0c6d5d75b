using FluentMigrator.Runner;
using Microsoft.Extensions.DependencyInjection;

namespace RideShare.Monolith.Migrations;

/// <summary>Applies the FluentMigrator migrations of this assembly to a database, up or down.</summary>
public static class SchemaMigrator
{
    /// <summary>The newest migration version in this build.</summary>
    public static long LatestVersion { get; } = typeof(SchemaMigrator).Assembly.GetTypes()
        .Select(t => t.GetCustomAttributes(typeof(FluentMigrator.MigrationAttribute), false).Cast<FluentMigrator.MigrationAttribute>().FirstOrDefault())
        .Max(a => a?.Version ?? 0);

    /// <summary>Migrates up to the latest version, or up/down to <paramref name="targetVersion"/> (0 = empty schema).</summary>
    public static void Migrate(string connectionString, long? targetVersion = null)
    {
        using var provider = new ServiceCollection()
            .AddFluentMigratorCore()
            .ConfigureRunner(runner => runner
                .AddPostgres()
                .WithGlobalConnectionString(connectionString)
                .ScanIn(typeof(SchemaMigrator).Assembly).For.Migrations())
            .Configure<FluentMigrator.Runner.Initialization.RunnerOptions>(o => o.TransactionPerSession = false)
            .BuildServiceProvider(validateScopes: false);
        using var scope = provider.CreateScope();
        var runner = scope.ServiceProvider.GetRequiredService<IMigrationRunner>();
        if (targetVersion is null)
        {
            runner.MigrateUp();
        }
        else if (targetVersion.Value >= CurrentVersion(runner))
        {
            runner.MigrateUp(targetVersion.Value);
        }
        else
        {
            runner.MigrateDown(targetVersion.Value);
        }
    }

    private static long CurrentVersion(IMigrationRunner runner)
    {
        var loaded = runner.MigrationLoader.LoadMigrations().Keys;
        return runner is MigrationRunner concrete
            ? loaded.Where(v => concrete.VersionLoader.VersionInfo.HasAppliedMigration(v)).DefaultIfEmpty(0).Max()
            : 0;
    }
}
