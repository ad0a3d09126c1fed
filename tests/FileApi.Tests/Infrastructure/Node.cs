using System.Diagnostics;
using System.Text;

namespace FileApi.Tests.Infrastructure;

/// <summary>Runs Node.js scripts against the repository's node_modules (Azurite, the official JS blob SDK).</summary>
public static class Node
{
    private static readonly Lazy<string> Modules = new(FindNodeModules);

    public static string NodeModules => Modules.Value;

    /// <summary>Runs a script copied to the test output folder and returns its standard output.</summary>
    public static async Task<string> RunScriptAsync(string scriptRelativeToOutput, params string[] args)
    {
        var script = Path.Combine(AppContext.BaseDirectory, scriptRelativeToOutput);
        var start = Start(script, args);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"node {scriptRelativeToOutput} did not finish within 2 minutes.");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException(
                $"node {scriptRelativeToOutput} exited with {process.ExitCode}:\n{await stderr}\n{await stdout}");
        return await stdout;
    }

    public static ProcessStartInfo Start(string script, IEnumerable<string> args, params string[] nodeOptions)
    {
        var start = new ProcessStartInfo("node")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        // Scripts run from the test output folder, which has no node_modules above it when the build output is
        // placed elsewhere.
        start.Environment["NODE_PATH"] = NodeModules;
        foreach (var option in nodeOptions)
            start.ArgumentList.Add(option);
        start.ArgumentList.Add(script);
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        return start;
    }

    private static string FindNodeModules()
    {
        var modules = Path.Combine(Repository.Root, "node_modules");
        if (!Directory.Exists(Path.Combine(modules, "azurite")) || !Directory.Exists(Path.Combine(modules, "@azure", "storage-blob")))
            throw new InvalidOperationException(
                $"{modules} lacks azurite or @azure/storage-blob: run `npm ci` in {Repository.Root}.");
        return modules;
    }
}
