using RideShare.Trips.Hosting;

return await TripsCli.RunAsync(args);
