using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

// Usage: Strangler.Bench.FixedRate <http://host:port/path> <requests-per-second> <seconds> [connections] [warm-up seconds]
//
// Open model: request i is due at start + i / rate whatever happened to earlier requests. Each of the
// connections (HTTP/1.1 keep-alive, one request at a time) owns every connections-th due time, as wrk2's
// connections do; a request sent late because its connection was still busy counts its wait: latency is
// measured from the intended send time, not from when it was actually sent (coordinated omission corrected).
// Prints one line: "sent N, errors N, rate R/s, p50 … p90 … p99 … p99.9 … max … (ms)".
if (args.Length < 3)
{
    Console.Error.WriteLine("usage: Strangler.Bench.FixedRate <http://host:port/path> <requests-per-second> <seconds> [connections=64] [warm-up seconds=3]");
    return 64;
}

var url = new Uri(args[0]);
var rate = double.Parse(args[1], CultureInfo.InvariantCulture);
var seconds = double.Parse(args[2], CultureInfo.InvariantCulture);
var connections = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 64;
var warmUp = args.Length > 4 ? double.Parse(args[4], CultureInfo.InvariantCulture) : 3;
var total = (long)(rate * (warmUp + seconds));
var measuredFrom = (long)(rate * warmUp);
var interval = Stopwatch.Frequency / rate;
var start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 10;
var latencies = new List<double>[connections];
var errors = 0L;
var tasks = new Task[connections];
for (var c = 0; c < connections; c++)
{
    var index = c;
    latencies[c] = new List<double>((int)(total / connections) + 1);
    tasks[c] = Task.Run(() => RunConnectionAsync(index));
}

await Task.WhenAll(tasks);
var all = latencies.SelectMany(l => l).Order().ToArray();
if (all.Length == 0)
{
    Console.Error.WriteLine("no request completed");
    return 1;
}

double At(double q) => all[Math.Min(all.Length - 1, (int)(all.Length * q))];
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"sent {all.Length}, errors {errors}, rate {all.Length / seconds:F0}/s, p50 {At(0.5):F3} p90 {At(0.9):F3} p99 {At(0.99):F3} p99.9 {At(0.999):F3} max {all[^1]:F3} (ms)"));
return errors == 0 ? 0 : 1;

async Task RunConnectionAsync(int index)
{
    var socket = await ConnectAsync();
    var buffer = new byte[64 * 1024];
    var random = new Random(index);
    for (var i = (long)index; i < total; i += connections)
    {
        var due = start + (long)(i * interval);
        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        var request = Encoding.ASCII.GetBytes(
            $"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nX-User-Id: user-{random.Next(1, 10_001)}\r\n\r\n");
        bool ok;
        try
        {
            await socket.SendAsync(request);
            ok = await ReadResponseAsync(socket, buffer);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            // The server closed the kept-alive connection (nginx does after keepalive_requests): reconnect and send
            // again, as wrk does; the time it takes counts in this request's latency.
            socket.Dispose();
            socket = await ConnectAsync();
            await socket.SendAsync(request);
            ok = await ReadResponseAsync(socket, buffer);
        }

        if (!ok)
        {
            Interlocked.Increment(ref errors);
        }

        if (i >= measuredFrom)
        {
            latencies[index].Add(Stopwatch.GetElapsedTime(due).TotalMilliseconds);
        }
    }

    socket.Dispose();
}

async Task<Socket> ConnectAsync()
{
    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    await socket.ConnectAsync(url.Host, url.Port);
    return socket;
}

// Reads one response (status line, headers, Content-Length body); true when the status is 2xx.
static async Task<bool> ReadResponseAsync(Socket socket, byte[] buffer)
{
    var filled = 0;
    int headerEnd;
    while ((headerEnd = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8)) < 0)
    {
        var read = await socket.ReceiveAsync(buffer.AsMemory(filled));
        if (read == 0)
        {
            throw new IOException("connection closed by the server");
        }

        filled += read;
    }

    var head = Encoding.ASCII.GetString(buffer, 0, headerEnd);
    var ok = head.Length > 12 && head[9] == '2';
    var length = 0;
    foreach (var line in head.Split("\r\n"))
    {
        if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
        {
            length = int.Parse(line.AsSpan(15).Trim(), CultureInfo.InvariantCulture);
        }
    }

    var remaining = headerEnd + 4 + length - filled;
    while (remaining > 0)
    {
        var read = await socket.ReceiveAsync(buffer.AsMemory(0, Math.Min(buffer.Length, remaining)));
        if (read == 0)
        {
            throw new IOException("connection closed by the server");
        }

        remaining -= read;
    }

    return ok;
}
