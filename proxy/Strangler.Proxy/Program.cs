using Serilog;
using Strangler.Proxy;
using Strangler.Proxy.Hosting;

Log.Logger = new LoggerConfiguration().WriteTo.Console().CreateBootstrapLogger();
try
{
    await using var app = await ProxyApp.StartAsync(args, CancellationToken.None);
    var endpoints = app.Services.GetRequiredService<ProxyEndpoints>();
    Console.WriteLine($"Strangler proxy on {endpoints.PublicAddress} (admin API on {endpoints.AdminAddress})");
    await app.WaitForShutdownAsync();
    return 0;
}
catch (Exception e) when (e is Microsoft.Extensions.Options.OptionsValidationException or InvalidOperationException or IOException
    or Strangler.Proxy.Routing.RouteStoreException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}
