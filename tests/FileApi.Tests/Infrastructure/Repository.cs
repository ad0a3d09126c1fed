namespace FileApi.Tests.Infrastructure;

/// <summary>The repository the tests run from: the folder with FileApi.sln above the test output.</summary>
public static class Repository
{
    private static readonly Lazy<string> RootFolder = new(() =>
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "FileApi.sln")))
            folder = folder.Parent;
        return folder?.FullName ?? throw new InvalidOperationException($"No FileApi.sln above {AppContext.BaseDirectory}.");
    });

    public static string Root => RootFolder.Value;

    public static string PathOf(string relativePath) => Path.Combine(Root, relativePath);
}
