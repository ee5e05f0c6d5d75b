using Yarp.ReverseProxy.Configuration;

// Plain YARP with the standard configuration model: the baseline the strangler logic is measured against.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var destination = builder.Configuration["Destination"] ?? "http://127.0.0.1:7101";
builder.Services.AddReverseProxy().LoadFromMemory(
    [new RouteConfig { RouteId = "all", ClusterId = "backend", Match = new RouteMatch { Path = "/{**catch-all}" } }],
    [new ClusterConfig { ClusterId = "backend", Destinations = new Dictionary<string, DestinationConfig> { ["d1"] = new() { Address = destination } } }]);
var app = builder.Build();
app.MapReverseProxy();
await app.RunAsync();
