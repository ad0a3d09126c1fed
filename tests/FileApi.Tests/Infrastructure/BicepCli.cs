using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;

namespace FileApi.Tests.Infrastructure;

/// <summary>
/// The Bicep CLI that the test project restores from NuGet (Azure.Bicep.CommandLine.linux-x64, a PackageDownload in
/// FileApi.Tests.csproj, which records the binary's path in this assembly), run on bicep/. The files are compiled
/// and linted once per test run and shared by the tests that read the result.
/// </summary>
public static class BicepCli
{
    public const string Pattern = "bicep/*.bicep";

    static readonly Lazy<Task<Result>> Built = new(BuildAllAsync);
    static readonly Lazy<Task<Result>> Linted = new(() => RunAsync("lint", "--pattern", Pattern));

    public static string Path { get; } = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(attribute => attribute.Key == "BicepCliPath").Value!;

    public static IReadOnlyList<string> Files { get; } =
        Directory.GetFiles(System.IO.Path.Combine(Repository.Root, "bicep"), "*.bicep").Order(StringComparer.Ordinal).ToList();

    /// <summary>What the CLI printed and where it put each compiled template (by .bicep file name).</summary>
    public sealed record Result(int ExitCode, string Diagnostics, string OutputDirectory);

    public static Task<Result> BuildAsync() => Built.Value;

    public static Task<Result> LintAsync() => Linted.Value;

    /// <summary>The ARM JSON that <paramref name="bicepFile"/> (e.g. main.bicep) compiles to.</summary>
    public static async Task<JsonObject> TemplateAsync(string bicepFile)
    {
        var build = await BuildAsync();
        Assert.True(build.ExitCode == 0, $"bicep build failed ({build.ExitCode}):\n{build.Diagnostics}");
        var json = await File.ReadAllTextAsync(System.IO.Path.Combine(build.OutputDirectory, System.IO.Path.ChangeExtension(bicepFile, ".json")));
        return JsonNode.Parse(json)!.AsObject();
    }

    /// <summary>Compiles a .bicepparam file (<c>using</c> a template of bicep/), which checks its values against the template's parameters.</summary>
    public static Task<Result> BuildParamsAsync(string paramsFile) =>
        RunAsync("build-params", paramsFile, "--outfile", System.IO.Path.ChangeExtension(paramsFile, ".json"));

    static Task<Result> BuildAllAsync() =>
        RunAsync("build", "--pattern", Pattern, "--outdir", Directory.CreateTempSubdirectory("fileapi-bicep-").FullName);

    static async Task<Result> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repository.Root };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Path}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var outdir = arguments.SkipWhile(a => a != "--outdir").Skip(1).FirstOrDefault() ?? "";
        return new Result(process.ExitCode, (await error + await output).Trim(), outdir);
    }
}
