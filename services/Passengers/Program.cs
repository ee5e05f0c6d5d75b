using RideShare.Passengers.Hosting;

return await PassengersCli.RunAsync(args);
