namespace Strangler.Cli.Stack;

/// <summary>The Strangler checkout the CLI works in: found from the working directory up (Strangler.sln), else from the CLI's own folder.</summary>
public static class Repo
{
    public static string Root(string? start = null)
    {
        foreach (var from in new[] { start ?? Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(from); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Strangler.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new Cli.CliException("not inside a Strangler checkout (no Strangler.sln in this folder or above it): run the CLI from the repository.");
    }
}
