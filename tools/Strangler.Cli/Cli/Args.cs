using System.Globalization;

namespace Strangler.Cli.Cli;

/// <summary>
/// A command line: positional words and <c>--name value</c> / <c>--flag</c> options. Every option a command reads is
/// declared by reading it; <see cref="EnsureAllUsed"/> then refuses the ones nobody read (a typo never passes silently).
/// </summary>
public sealed class Args
{
    private readonly List<string> _positional = [];
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    /// <param name="args">The command line.</param>
    /// <param name="flags">Options that take no value.</param>
    public Args(IEnumerable<string> args, IReadOnlySet<string> flags)
    {
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var arg = e.Current;
            if (arg == "--")
            {
                while (e.MoveNext())
                {
                    _positional.Add(e.Current);
                }

                break;
            }

            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Length > 2)
            {
                var name = arg[2..];
                string? value = null;
                var eq = name.IndexOf('=', StringComparison.Ordinal);
                if (eq >= 0)
                {
                    value = name[(eq + 1)..];
                    name = name[..eq];
                }
                else if (!flags.Contains(name))
                {
                    value = e.MoveNext() ? e.Current : throw new CliException($"--{name} needs a value.", ExitCodes.Usage);
                }

                if (!_options.TryAdd(name, value))
                {
                    throw new CliException($"--{name} is given twice.", ExitCodes.Usage);
                }
            }
            else
            {
                _positional.Add(arg);
            }
        }
    }

    public IReadOnlyList<string> Positional => _positional;

    public string? Word(int index) => index < _positional.Count ? _positional[index] : null;

    public string RequiredWord(int index, string what) =>
        Word(index) ?? throw new CliException($"missing {what}.", ExitCodes.Usage);

    public bool Flag(string name)
    {
        _used.Add(name);
        return _options.TryGetValue(name, out var value) && (value is null || value is "true");
    }

    public string? Option(string name)
    {
        _used.Add(name);
        return _options.TryGetValue(name, out var value) ? value : null;
    }

    public double? Number(string name, double min, double max)
    {
        var text = Option(name);
        if (text is null)
        {
            return null;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new CliException($"--{name} must be a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}, not '{text}'.", ExitCodes.Usage);
    }

    /// <summary>Refuses options no one read and more positional words than <paramref name="words"/>.</summary>
    public void EnsureAllUsed(int words)
    {
        if (_options.Keys.FirstOrDefault(k => !_used.Contains(k)) is { } unknown)
        {
            throw new CliException($"unknown option --{unknown} (see: strangler help).", ExitCodes.Usage);
        }

        if (_positional.Count > words)
        {
            throw new CliException($"unexpected argument '{_positional[words]}' (see: strangler help).", ExitCodes.Usage);
        }
    }
}
