using Strangler.Cdc.Connector;

return await ConnectorCommands.RunAsync(args);
