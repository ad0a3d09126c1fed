using System.Net.Http.Json;
using System.Text.Json;
using FileApi.Cli;
using FileApi.Files;
using FileApi.Tests.Infrastructure;

namespace FileApi.Tests.Client;

/// <summary><c>fileapi upload --content-type --meta</c> and <c>fileapi ls</c> (one level) and <c>ls -r</c>, in-process against the real API and Azurite.</summary>
public sealed class CliMetadataAndFolderTests(FileApiFactory factory) : IClassFixture<FileApiFactory>, IDisposable
{
    readonly CliRunner _cli = new(factory);
    readonly HttpClient _api = factory.CreateClientFor(FileApiFactory.Owner);

    [Fact]
    public async Task ContentTypeAndMetaAreDeclaredAndTheDownloadLinkServesTheType()
    {
        var source = _cli.LocalPath("scan.dat");
        await File.WriteAllTextAsync(source, "<svg/>");

        var upload = await _cli.RunAsync("upload", source, "cli-meta/scan.dat", "--content-type", "image/svg+xml",
            "--meta", "survey=S-42", "--meta", "note=a=b c", "--json");

        Assert.Equal(ExitCodes.Ok, upload.ExitCode);
        var file = await _api.GetFromJsonAsync<FileResponse>($"{factory.FilesBase}/path/cli-meta/scan.dat", FileApiFactory.Json);
        Assert.Equal("image/svg+xml", file!.ContentType);
        Assert.Equal(new Dictionary<string, string> { ["note"] = "a=b c", ["survey"] = "S-42" }, file.Metadata);
        Assert.Equal("image/svg+xml", JsonDocument.Parse(upload.Out).RootElement.GetProperty("content_type").GetString());
        using var download = await TestData.GetAsync(file.Download);
        Assert.Equal("image/svg+xml", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
    }

    [Theory]
    [InlineData("table.csv", "text/csv")]
    [InlineData("photo.JPG", "image/jpeg")]
    [InlineData("notes.txt", "text/plain")]
    [InlineData("survey.unknownext", "application/octet-stream")]
    public async Task WithoutContentTypeTheTypeIsGuessedFromTheExtension(string name, string expected)
    {
        var source = _cli.LocalPath(name);
        await File.WriteAllTextAsync(source, "x");

        var upload = await _cli.RunAsync("upload", source, $"cli-guess/{name}");

        Assert.Equal(ExitCodes.Ok, upload.ExitCode);
        var file = await _api.GetFromJsonAsync<FileResponse>($"{factory.FilesBase}/path/cli-guess/{name}", FileApiFactory.Json);
        Assert.Equal(expected, file!.ContentType);
    }

    [Theory]
    [InlineData("--meta", "no-equals-sign")]
    [InlineData("--meta", "=value")]
    [InlineData("--meta", "Upper=case")]
    [InlineData("--content-type", "not a type")]
    public async Task ABadContentTypeOrMetaIsAUsageErrorAndUploadsNothing(string option, string value)
    {
        var source = _cli.LocalPath("refused.txt");
        await File.WriteAllTextAsync(source, "x");

        var run = await _cli.RunAsync("upload", source, "cli-refused/refused.txt", option, value);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        using var missing = await _api.GetAsync($"{factory.FilesBase}/path/cli-refused/refused.txt");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task MetaGivenTwiceForOneKeyIsAUsageError()
    {
        var source = _cli.LocalPath("twice.txt");
        await File.WriteAllTextAsync(source, "x");

        var run = await _cli.RunAsync("upload", source, "cli-refused/twice.txt", "--meta", "k=1", "--meta", "k=2");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("more than once", run.Error);
    }

    [Fact]
    public async Task LsShowsOneLevelAndLsRecursiveEveryFileBelow()
    {
        var source = _cli.LocalPath("leaf.txt");
        await File.WriteAllTextAsync(source, "leaf");
        foreach (var path in new[] { "cli-tree/top.txt", "cli-tree/sub/one.txt", "cli-tree/sub/deep/two.txt", "cli-tree/other/three.txt" })
            Assert.Equal(ExitCodes.Ok, (await _cli.RunAsync("upload", source, path)).ExitCode);

        var level = await _cli.RunAsync("ls", "cli-tree");
        var levelJson = await _cli.RunAsync("ls", "cli-tree", "--json");
        var recursive = await _cli.RunAsync("ls", "cli-tree", "-r", "--json");
        var paged = await _cli.RunAsync("ls", "cli-tree", "--limit", "1", "--all", "--json");

        Assert.Equal(ExitCodes.Ok, level.ExitCode);
        var lines = level.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.TrimEnd()).ToList();
        Assert.StartsWith("SIZE", lines[0]);
        Assert.Equal(["/cli-tree/other/", "/cli-tree/sub/", "/cli-tree/top.txt"], lines.Skip(1).Select(line => line.Split("  ").Last().Trim()));
        Assert.StartsWith("1 file ", lines[1]);
        Assert.StartsWith("2 files", lines[2]);
        var entries = JsonDocument.Parse(levelJson.Out).RootElement.EnumerateArray().ToList();
        Assert.Equal([("folder", "other"), ("folder", "sub"), ("file", "top.txt")],
            entries.Select(e => (e.TryGetProperty("type", out var type) ? type.GetString() : "file", e.GetProperty("name").GetString())));
        Assert.Equal(2, entries[1].GetProperty("file_count").GetInt64());
        Assert.Equal(["/cli-tree/other/three.txt", "/cli-tree/sub/deep/two.txt", "/cli-tree/sub/one.txt", "/cli-tree/top.txt"],
            JsonDocument.Parse(recursive.Out).RootElement.EnumerateArray().Select(f => f.GetProperty("path").GetString() + f.GetProperty("name").GetString()));
        Assert.Equal(levelJson.Out, paged.Out);
    }

    public void Dispose() => _cli.Dispose();
}
