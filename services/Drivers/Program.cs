using RideShare.Drivers.Hosting;

return await DriversCli.RunAsync(args);
