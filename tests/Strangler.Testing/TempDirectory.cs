namespace Strangler.Testing;

/// <summary>A fresh folder under the system temp directory, deleted (with everything in it) on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("strangler-test-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process still writing there (being torn down): the OS cleans temp eventually.
        }
    }
}
