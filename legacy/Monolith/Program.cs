using RideShare.Monolith.Hosting;

return await RideShareCli.RunAsync(args);
