// The one backend every proxy in bench/proxy-overhead.sh forwards to: as cheap as Kestrel allows, so the
// figures measure the proxies, not the backend.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
var body = """{"id":1,"fullName":"Ada Lovelace","status":"available","location":{"latitude":38.710000,"longitude":-9.140000},"version":3}"""u8.ToArray();
app.Run(async context =>
{
    context.Response.ContentType = "application/json";
    context.Response.ContentLength = body.Length;
    await context.Response.Body.WriteAsync(body);
});
await app.RunAsync();
