namespace FileApi.Tests.Infrastructure;

public static class Repository
{
    /// <summary>The folder holding FileApi.sln, found from wherever the tests (or the benchmarks) run.</summary>
    public static string Root { get; } = Find();

    static string Find()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "FileApi.sln")))
            root = root.Parent;
        return root?.FullName ?? throw new InvalidOperationException($"No FileApi.sln above {AppContext.BaseDirectory}.");
    }
}
