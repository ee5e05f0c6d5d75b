using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using RideShare.Drivers.Store;
using RideShare.Passengers.Store;
using Strangler.Cdc.Apply;

namespace RideShare.Services.Tests.Sync;

/// <summary>
/// What legacy can hold that a service must survive: values the store cannot hold (dead-lettered with their reason,
/// the stream goes on), unchanged TOASTed values (never overwrite real data), a column added to the legacy table.
/// Rows are written straight into legacy with SQL, as old code or a migration would.
/// </summary>
public sealed class EdgeCaseTests(SyncedStack stack) : IClassFixture<SyncedStack>
{
    private const string DriverColumns = "full_name, email, licence_number, licence_expires_on, vehicle_make, vehicle_model, vehicle_plate";

    [Fact]
    public async Task PoisonDriver_IsDeadLetteredWithItsReason_AndLaterChangesApply()
    {
        var deadBefore = (await SyncedStack.StatusAsync(stack.Drivers)).GetProperty("deadLetters").GetInt64();
        await Sql.ExecuteAsync(stack.LegacyConnectionString,
            $"INSERT INTO drivers ({DriverColumns}) VALUES ('Forever Valid', 'forever@example.com', 'FOREVER-1', 'infinity', 'Kia', 'Niro', 'FV-00-01')");
        var poisonId = await Sql.ScalarAsync<long>(stack.LegacyConnectionString, "SELECT id FROM drivers WHERE email = 'forever@example.com'");
        var after = (await stack.Monolith.Api.CreateDriverAsync()).GetProperty("id").GetInt64();

        await stack.CaughtUpAsync(stack.Drivers);

        var store = stack.Drivers.Services.GetRequiredService<DriverStore>();
        Assert.True(await store.GetAsync(after) is not null, (await SyncedStack.StatusAsync(stack.Drivers)).GetRawText());
        Assert.Null(await store.GetAsync(poisonId));
        Assert.Equal(deadBefore + 1, (await SyncedStack.StatusAsync(stack.Drivers)).GetProperty("deadLetters").GetInt64());
        var letter = DeadLetter.FromJson((await store.DeadLettersAsync())[^1]);
        Assert.Contains("licence_expires_on", letter.Reason, StringComparison.Ordinal);
        Assert.Equal("public.drivers", letter.Table);
        Assert.Contains("forever@example.com", letter.Value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoreFailingForAWhile_TheSyncRetriesFromTheSlot_AndAppliesEverythingOnce()
    {
        await stack.CaughtUpAsync(stack.Passengers);
        await Sql.ExecuteAsync(stack.PassengersConnectionString, "ALTER TABLE passengers.mt_doc_passengerdocument RENAME TO mt_doc_away");
        var ids = new List<long>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                ids.Add(await stack.Monolith.Api.CreatePassengerAsync());
            }

            await Eventually.TrueAsync(
                async () => (await SyncedStack.StatusAsync(stack.Passengers)).GetProperty("lastError").ValueKind == System.Text.Json.JsonValueKind.String,
                "the sync to report the store's failure", 30_000);
            Assert.Equal("retrying", (await SyncedStack.StatusAsync(stack.Passengers)).GetProperty("state").GetString());
        }
        finally
        {
            await Sql.ExecuteAsync(stack.PassengersConnectionString, "ALTER TABLE passengers.mt_doc_away RENAME TO mt_doc_passengerdocument");
        }

        ids.Add(await stack.Monolith.Api.CreatePassengerAsync());
        await SyncedStack.CaughtUpAsync(stack.Passengers, await stack.LegacyLsnAsync(), 90_000);
        Assert.Equal("streaming", (await SyncedStack.StatusAsync(stack.Passengers)).GetProperty("state").GetString());
        var store = stack.Passengers.Services.GetRequiredService<PassengerStore>();
        foreach (var id in ids)
        {
            Assert.Equal((await stack.Monolith.Api.GetAsync($"/api/passengers/{id}")).GetRawText(), (await stack.Passengers.Api.GetAsync($"/api/passengers/{id}")).GetRawText());
            Assert.Equal(1, (await store.GetAsync(id, CancellationToken.None))!.SyncApplied);
        }
    }

    [Fact]
    public async Task PoisonPassenger_IsDeadLetteredInTheSameTransaction_AndLaterChangesApply()
    {
        await Sql.ExecuteAsync(stack.LegacyConnectionString,
            "INSERT INTO passengers (full_name, email, created_at) VALUES ('Since Forever', 'since.forever@example.com', '-infinity')");
        var after = await stack.Monolith.Api.CreatePassengerAsync();

        await stack.CaughtUpAsync(stack.Passengers);

        var store = stack.Passengers.Services.GetRequiredService<PassengerStore>();
        Assert.NotNull(await store.GetAsync(after, CancellationToken.None));
        var letters = await store.DeadLettersAsync(CancellationToken.None);
        var letter = Assert.Single(letters, l => l.Value?.Contains("since.forever@example.com", StringComparison.Ordinal) == true);
        Assert.Contains("created_at", letter.Reason, StringComparison.Ordinal);
        Assert.Equal(letters.Count, (await SyncedStack.StatusAsync(stack.Passengers)).GetProperty("deadLetters").GetInt64());
    }

    [Fact]
    public async Task UnchangedToastedText_NeverOverwritesTheStoredValue()
    {
        // Incompressible text far beyond the TOAST threshold: stored out of line, and left out of an update's
        // event (REPLICA IDENTITY DEFAULT) when the update does not touch it.
        var longName = string.Concat(Enumerable.Range(0, 400).Select(_ => Guid.NewGuid().ToString("N")));
        await Sql.ExecuteAsync(stack.LegacyConnectionString,
            $"INSERT INTO drivers ({DriverColumns}) VALUES ('{longName}', 'toast.driver@example.com', 'TOAST-1', '2031-01-01', 'Kia', 'Niro', 'TT-00-01')");
        await Sql.ExecuteAsync(stack.LegacyConnectionString,
            $"INSERT INTO passengers (full_name, email) VALUES ('{longName}', 'toast.passenger@example.com')");
        await Sql.ExecuteAsync(stack.LegacyConnectionString,
            "UPDATE drivers SET vehicle_plate = 'TT-99-99', version = version + 1 WHERE email = 'toast.driver@example.com'");
        await Sql.ExecuteAsync(stack.LegacyConnectionString,
            "UPDATE passengers SET marketing_opt_in = true, version = version + 1 WHERE email = 'toast.passenger@example.com'");
        var driverId = await Sql.ScalarAsync<long>(stack.LegacyConnectionString, "SELECT id FROM drivers WHERE email = 'toast.driver@example.com'");
        var passengerId = await Sql.ScalarAsync<long>(stack.LegacyConnectionString, "SELECT id FROM passengers WHERE email = 'toast.passenger@example.com'");

        await stack.CaughtUpAsync(stack.Drivers);
        await stack.CaughtUpAsync(stack.Passengers);

        var driver = await stack.Drivers.Api.GetAsync($"/api/drivers/{driverId}");
        var passenger = await stack.Passengers.Api.GetAsync($"/api/passengers/{passengerId}");
        Assert.Equal(longName, driver.GetProperty("fullName").GetString());
        Assert.Equal("TT-99-99", driver.GetProperty("vehicle").GetProperty("plate").GetString());
        Assert.Equal(2, driver.GetProperty("version").GetInt32());
        Assert.Equal(longName, passenger.GetProperty("fullName").GetString());
        Assert.True(passenger.GetProperty("marketingOptIn").GetBoolean());
    }

    [Fact]
    public async Task ColumnAddedToTheLegacyTable_IsTolerated()
    {
        await Sql.ExecuteAsync(stack.LegacyConnectionString, "ALTER TABLE passengers ADD COLUMN IF NOT EXISTS nickname text");
        var deadBefore = (await SyncedStack.StatusAsync(stack.Passengers)).GetProperty("deadLetters").GetInt64();
        var id = await stack.Monolith.Api.CreatePassengerAsync();
        await Sql.ExecuteAsync(stack.LegacyConnectionString, $"UPDATE passengers SET nickname = 'Pip', full_name = 'Nicknamed', version = version + 1 WHERE id = {id}");

        await stack.CaughtUpAsync(stack.Passengers);

        var passenger = await stack.Passengers.Api.GetAsync($"/api/passengers/{id}");
        Assert.Equal("Nicknamed", passenger.GetProperty("fullName").GetString());
        Assert.Equal((await stack.Monolith.Api.GetAsync($"/api/passengers/{id}")).GetRawText(), passenger.GetRawText());
        Assert.Equal(deadBefore, (await SyncedStack.StatusAsync(stack.Passengers)).GetProperty("deadLetters").GetInt64());
    }

    [Fact]
    public async Task DeletedInLegacy_IsGoneFromTheService_AndAReplayedOlderCreateDoesNotBringItBack()
    {
        var id = (await stack.Monolith.Api.CreateDriverAsync()).GetProperty("id").GetInt64();
        await stack.CaughtUpAsync(stack.Drivers);
        var store = stack.Drivers.Services.GetRequiredService<DriverStore>();
        var created = await store.GetAsync(id);
        Assert.NotNull(created);
        await Sql.ExecuteAsync(stack.LegacyConnectionString, $"DELETE FROM drivers WHERE id = {id}");
        await stack.CaughtUpAsync(stack.Drivers);

        var replay = await store.ApplyAsync([new DriverCommand('P', id, created.Lsn, null, false, created)], null, []);

        Assert.Equal(DriverWriteOutcome.Stale, replay[0].Outcome);
        Assert.Null(await store.GetAsync(id));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await stack.Drivers.Client.GetAsync($"/api/drivers/{id}")).StatusCode);
    }
}
