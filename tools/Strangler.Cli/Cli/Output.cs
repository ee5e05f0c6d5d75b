using System.Text.Json;
using Spectre.Console;

namespace Strangler.Cli.Cli;

/// <summary>How results are shown: rich (a terminal), plain lines (pipes, CI), or one JSON document (<c>--json</c>).</summary>
public enum OutputMode
{
    Rich,
    Plain,
    Json,
}

/// <summary>
/// Everything the CLI prints. On a terminal: Spectre.Console tables and live progress. Elsewhere: plain lines, one
/// fact per line, stable for scripts (<c>key: value</c> or tab-separated table rows). With <c>--json</c>: one JSON
/// document on standard output and nothing else.
/// </summary>
public sealed class Output(TextWriter stdout, TextWriter stderr, OutputMode mode)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private readonly IAnsiConsole? _console = mode == OutputMode.Rich
        ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stdout) })
        : null;

    public OutputMode Mode => mode;

    public IAnsiConsole? Console => _console;

    public static OutputMode Detect(bool json, bool plain) =>
        json ? OutputMode.Json
        : plain || System.Console.IsOutputRedirected || Environment.GetEnvironmentVariable("NO_COLOR") is not null || Environment.GetEnvironmentVariable("CI") is not null
            ? OutputMode.Plain
            : OutputMode.Rich;

    /// <summary>A line of progress or information (not in JSON mode, where only the result is printed).</summary>
    public void Line(string text)
    {
        switch (mode)
        {
            case OutputMode.Rich:
                _console!.MarkupLine(Markup.Escape(text));
                break;
            case OutputMode.Plain:
                stdout.WriteLine(text);
                break;
        }
    }

    /// <summary>A step's outcome: a check mark or cross on a terminal, <c>ok</c>/<c>FAILED</c> in plain text.</summary>
    public void Outcome(bool ok, string text)
    {
        switch (mode)
        {
            case OutputMode.Rich:
                _console!.MarkupLine($"{(ok ? "[green]✔[/]" : "[red]✘[/]")} {Markup.Escape(text)}");
                break;
            case OutputMode.Plain:
                stdout.WriteLine($"{(ok ? "ok" : "FAILED")}: {text}");
                break;
        }
    }

    /// <summary>A table: rich on a terminal, tab-separated rows with a header line in plain text.</summary>
    public void Table(string title, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows)
    {
        switch (mode)
        {
            case OutputMode.Rich:
                var table = new Table { Title = new TableTitle(Markup.Escape(title)) };
                foreach (var column in columns)
                {
                    table.AddColumn(Markup.Escape(column));
                }

                foreach (var row in rows)
                {
                    table.AddRow(row.Select(Markup.Escape).ToArray());
                }

                _console!.Write(table);
                break;
            case OutputMode.Plain:
                stdout.WriteLine($"# {title}");
                stdout.WriteLine(string.Join('\t', columns));
                foreach (var row in rows)
                {
                    stdout.WriteLine(string.Join('\t', row));
                }

                break;
        }
    }

    /// <summary>The command's result document (JSON mode only).</summary>
    public void Result(object document)
    {
        if (mode == OutputMode.Json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(document, Json));
        }
    }

    /// <summary>The last line scripts read (every mode but JSON).</summary>
    public void Summary(string line)
    {
        if (mode != OutputMode.Json)
        {
            stdout.WriteLine(line);
        }
    }

    public void Error(string message) => stderr.WriteLine($"error: {message}");

    public void Warning(string message) => stderr.WriteLine($"warning: {message}");
}
