using System.Net;
using System.Text.Json;
using FileApi.Cli;
using FileApi.Tests.Infrastructure;
using WorkspaceRole = FileApi.Data.WorkspaceRole;

namespace FileApi.Tests.Client;

/// <summary>The <c>fileapi</c> tool, run in-process against the real API and Azurite.</summary>
public sealed class CliTests(FileApiFactory factory) : IClassFixture<FileApiFactory>, IDisposable
{
    readonly CliRunner _cli = new(factory);

    [Fact]
    public async Task AnUploadedFileIsListedInTheJsonOfLsAndDownloadsIntact()
    {
        var source = _cli.LocalPath("report.csv");
        await File.WriteAllTextAsync(source, "region,total\nnorth,12\n");

        var upload = await _cli.RunAsync("upload", source, "cli/reports/", "--json");
        var listing = await _cli.RunAsync("ls", "cli/reports", "--json");
        var download = await _cli.RunAsync("download", "cli/reports/report.csv", _cli.LocalPath("copy.csv"), "--json");

        Assert.Equal(ExitCodes.Ok, upload.ExitCode);
        Assert.Empty(_cli.UploadStates);
        var uploaded = JsonDocument.Parse(upload.Out).RootElement;
        Assert.Equal("/cli/reports/", uploaded.GetProperty("path").GetString());
        Assert.Equal(ExitCodes.Ok, listing.ExitCode);
        var files = JsonDocument.Parse(listing.Out).RootElement;
        Assert.Equal(JsonValueKind.Array, files.ValueKind);
        var file = Assert.Single(files.EnumerateArray());
        Assert.Equal(("report.csv", "/cli/reports/", 22L), (file.GetProperty("name").GetString(), file.GetProperty("path").GetString(), file.GetProperty("size").GetInt64()));
        Assert.Equal(uploaded.GetProperty("file_id").GetString(), file.GetProperty("file_id").GetString());
        Assert.Equal(ExitCodes.Ok, download.ExitCode);
        Assert.Equal(await File.ReadAllTextAsync(source), await File.ReadAllTextAsync(_cli.LocalPath("copy.csv")));
    }

    [Fact]
    public async Task AnInterruptedUploadResumesWhenTheSameCommandRunsAgain()
    {
        const int MiB = 1024 * 1024;
        var source = _cli.LocalPath("big.bin");
        await using (var content = new DeterministicStream(5L * MiB - 10))
        await using (var file = File.Create(source))
            await content.CopyToAsync(file);
        var args = new[] { "upload", source, "cli/big.bin", "--block-size", "1", "--concurrency", "1" };
        var failing = new StorageSpy(factory);
        failing.Before = (request, _) => Task.FromResult(StorageSpy.IsPutBlock(request) && failing.AcceptedBlocks.Count == 2
            ? new HttpResponseMessage(HttpStatusCode.BadRequest) { RequestMessage = request } // not retried: the run stops here
            : null);
        _cli.Storage = failing;

        var interrupted = await _cli.RunAsync(args);
        var resumedStorage = _cli.Storage = new StorageSpy(factory);
        var resumed = await _cli.RunAsync(args);

        Assert.Equal(ExitCodes.Network, interrupted.ExitCode);
        Assert.Contains("Run the same command again to resume", interrupted.Error);
        Assert.Equal(ExitCodes.Ok, resumed.ExitCode);
        Assert.Contains("Resuming the interrupted upload", resumed.Error);
        Assert.Equal(3, resumedStorage.AcceptedBlocks.Count);
        Assert.Empty(resumedStorage.AcceptedBlocks.Intersect(failing.AcceptedBlocks));
        Assert.Empty(_cli.UploadStates);
        Assert.Contains("100%", resumed.Error);
    }

    [Fact]
    public async Task AnAbortedUploadIsGivenUpForGoodAndTheNextRunStartsANewVersion()
    {
        var source = _cli.LocalPath("abandoned.bin");
        await using (var content = new DeterministicStream(3L * 1024 * 1024))
        await using (var file = File.Create(source))
            await content.CopyToAsync(file);
        var args = new[] { "upload", source, "cli/abandoned.bin", "--block-size", "1", "--concurrency", "1", "--json" };
        var failing = new StorageSpy(factory);
        failing.Before = (request, _) => Task.FromResult(StorageSpy.IsPutBlock(request) && failing.AcceptedBlocks.Count == 1
            ? new HttpResponseMessage(HttpStatusCode.BadRequest) { RequestMessage = request }
            : null);
        _cli.Storage = failing;
        var interrupted = await _cli.RunAsync(args);
        _cli.Storage = null;

        var aborted = await _cli.RunAsync([.. args, "--abort"]);
        var abortedVersion = JsonDocument.Parse(aborted.Out).RootElement.GetProperty("version_id").GetString();
        var statesAfterAbort = _cli.UploadStates.ToList();
        var again = await _cli.RunAsync(args);
        var nothingLeft = await _cli.RunAsync([.. args, "--abort"]);

        Assert.Equal(ExitCodes.Network, interrupted.ExitCode);
        Assert.Equal(ExitCodes.Ok, aborted.ExitCode);
        Assert.Empty(statesAfterAbort);
        Assert.Equal(ExitCodes.Ok, again.ExitCode);
        Assert.DoesNotContain("Resuming", again.Error);
        Assert.NotEqual(abortedVersion, JsonDocument.Parse(again.Out).RootElement.GetProperty("version_id").GetString());
        Assert.Equal(ExitCodes.NotFound, nothingLeft.ExitCode);
        Assert.Contains("no interrupted upload", nothingLeft.Error);
    }

    [Fact]
    public async Task AnUploadWhoseCompletionOutlastsTheHttpTimeoutStillExitsOk()
    {
        // The first completion call is held like a hash slower than the client's HTTP timeout; the client asks again.
        Assert.Equal(ExitCodes.Ok, (await _cli.RunAsync("ls")).ExitCode); // a warm server: only the held call outlasts the timeout
        var completion = new HoldsFirstCompletion { InnerHandler = factory.Server.CreateHandler() };
        // Every other call of the upload must beat this timeout on a loaded 2-core machine, so it is generous; the held one never can.
        _cli.Api = () => new HttpClient(completion) { BaseAddress = factory.Server.BaseAddress, Timeout = TimeSpan.FromSeconds(20) };
        var source = _cli.LocalPath("slow-hash.bin");
        await File.WriteAllTextAsync(source, "hashed slowly");

        var upload = await _cli.RunAsync("upload", source, "cli/slow-hash.bin", "--sha256", "--json");

        Assert.True(upload.ExitCode == ExitCodes.Ok, upload.Error);
        Assert.True(completion.Calls >= 2, $"Completion was called {completion.Calls} time(s).");
        Assert.Equal(13, JsonDocument.Parse(upload.Out).RootElement.GetProperty("size").GetInt64());
        Assert.Empty(_cli.UploadStates);
    }

    /// <summary>Holds the first POST .../complete until its caller gives up; passes everything else on.</summary>
    sealed class HoldsFirstCompletion : DelegatingHandler
    {
        int _calls;

        public int Calls => Volatile.Read(ref _calls);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath.EndsWith("/complete") && Interlocked.Increment(ref _calls) == 1)
                await Task.Delay(Timeout.Infinite, cancellationToken);
            return await base.SendAsync(request, cancellationToken);
        }
    }

    [Fact]
    public async Task DownloadingAFileThatDoesNotExistExitsWithNotFound()
    {
        var run = await _cli.RunAsync("download", "cli/nowhere.txt", _cli.LocalPath("nowhere.txt"));

        Assert.Equal(ExitCodes.NotFound, run.ExitCode);
        Assert.Contains("file-not-found", run.Error);
        Assert.False(File.Exists(_cli.LocalPath("nowhere.txt")));
    }

    [Fact]
    public async Task UploadingALocalFileThatDoesNotExistExitsWithNotFound()
    {
        var run = await _cli.RunAsync("upload", _cli.LocalPath("missing.bin"));

        Assert.Equal(ExitCodes.NotFound, run.ExitCode);
        Assert.Contains("No such file", run.Error);
    }

    [Fact]
    public async Task AnInvalidOrMissingTokenExitsWithAuthFailure()
    {
        _cli.Environment["FILEAPI_TOKEN"] = "expired-or-forged";
        var invalid = await _cli.RunAsync("ls", "--json");
        _cli.Environment.Remove("FILEAPI_TOKEN");
        var missing = await _cli.RunAsync("ls");

        Assert.Equal(ExitCodes.Auth, invalid.ExitCode);
        Assert.Equal(401, JsonDocument.Parse(invalid.Out).RootElement.GetProperty("error").GetProperty("status").GetInt32());
        Assert.Equal(ExitCodes.Auth, missing.ExitCode);
        Assert.Contains("FILEAPI_TOKEN", missing.Error);
    }

    [Fact]
    public async Task ARoleTooLowExitsWithAuthFailure()
    {
        await factory.GrantAsync("cli-viewer", WorkspaceRole.Viewer);
        _cli.Environment["FILEAPI_TOKEN"] = factory.TokenFor("cli-viewer");
        var source = _cli.LocalPath("denied.txt");
        await File.WriteAllTextAsync(source, "no");

        var run = await _cli.RunAsync("upload", source);

        Assert.Equal(ExitCodes.Auth, run.ExitCode);
        Assert.Contains("forbidden", run.Error);
    }

    [Fact]
    public async Task SettingsComeFromTheConfigFileWhenNeitherOptionsNorEnvironmentGiveThem()
    {
        var environment = new Dictionary<string, string>(_cli.Environment);
        _cli.Environment.Clear();
        var unconfigured = await _cli.RunAsync("workspaces", "list");
        Directory.CreateDirectory(Path.GetDirectoryName(_cli.ConfigFile)!);
        await File.WriteAllTextAsync(_cli.ConfigFile, JsonSerializer.Serialize(new
        {
            url = environment["FILEAPI_URL"], token = environment["FILEAPI_TOKEN"], org = environment["FILEAPI_ORG"], workspace = environment["FILEAPI_WORKSPACE"],
        }));

        var configured = await _cli.RunAsync("roles", "list", "--json");
        var overridden = await _cli.RunAsync("roles", "list", "--workspace", "not-a-uuid");

        Assert.Equal(ExitCodes.Usage, unconfigured.ExitCode);
        Assert.Contains("FILEAPI_URL", unconfigured.Error);
        Assert.Equal(ExitCodes.Ok, configured.ExitCode);
        Assert.Contains(FileApiFactory.UserId(FileApiFactory.Owner),
            JsonDocument.Parse(configured.Out).RootElement.EnumerateArray().Select(member => member.GetProperty("user_id").GetString()));
        Assert.Equal(ExitCodes.Usage, overridden.ExitCode);
    }

    [Fact]
    public async Task VersionsRemoveAndRestoreWorkOnPathsAndIds()
    {
        var source = _cli.LocalPath("notes.txt");
        await File.WriteAllTextAsync(source, "one");
        await _cli.RunAsync("upload", source, "cli/notes.txt", "--no-resume");
        await File.WriteAllTextAsync(source, "two!");
        var second = JsonDocument.Parse((await _cli.RunAsync("upload", source, "cli/notes.txt", "--json")).Out).RootElement;
        var fileId = second.GetProperty("file_id").GetString()!;

        var versions = await _cli.RunAsync("versions", "cli/notes.txt", "--json");
        var removed = await _cli.RunAsync("rm", fileId);
        var deleted = await _cli.RunAsync("ls", "--deleted", "--json");
        var gone = await _cli.RunAsync("versions", "cli/notes.txt");
        var restored = await _cli.RunAsync("restore", fileId, "--json");
        var back = await _cli.RunAsync("versions", fileId);

        Assert.Equal([4L, 3L], JsonDocument.Parse(versions.Out).RootElement.EnumerateArray().Select(v => v.GetProperty("size").GetInt64()));
        Assert.Equal((ExitCodes.Ok, $"Deleted {fileId}"), (removed.ExitCode, removed.Out.Trim()));
        Assert.Contains(JsonDocument.Parse(deleted.Out).RootElement.EnumerateArray(), f => f.GetProperty("file_id").GetString() == fileId);
        Assert.Equal(ExitCodes.NotFound, gone.ExitCode);
        Assert.False(JsonDocument.Parse(restored.Out).RootElement.GetProperty("moved").GetBoolean());
        Assert.Equal(ExitCodes.Ok, back.ExitCode);
        Assert.StartsWith("VERSION", back.Out);
    }

    [Fact]
    public async Task OrganisationsWorkspacesAndRolesAreManagedFromTheCommandLine()
    {
        var organization = await _cli.RunAsync("orgs", "create", "CLI organisation", "--json");
        _cli.Environment["FILEAPI_ORG"] = JsonDocument.Parse(organization.Out).RootElement.GetProperty("id").GetString()!;
        var workspace = await _cli.RunAsync("workspaces", "create", "CLI workspace", "--json");
        _cli.Environment["FILEAPI_WORKSPACE"] = JsonDocument.Parse(workspace.Out).RootElement.GetProperty("id").GetString()!;
        var colleague = FileApiFactory.UserId("cli-colleague");

        var granted = await _cli.RunAsync("roles", "grant", colleague, "editor", "--name", "Colleague");
        var members = await _cli.RunAsync("roles", "list");
        var revoked = await _cli.RunAsync("roles", "revoke", colleague);
        var lastOwner = await _cli.RunAsync("roles", "revoke", FileApiFactory.UserId(FileApiFactory.Owner));
        var workspaces = await _cli.RunAsync("workspaces", "list");

        Assert.Equal((ExitCodes.Ok, "Colleague is now editor."), (granted.ExitCode, granted.Out.Trim()));
        Assert.Contains(colleague, members.Out);
        Assert.Equal(ExitCodes.Ok, revoked.ExitCode);
        Assert.Equal(ExitCodes.Conflict, lastOwner.ExitCode);
        Assert.Contains("CLI workspace", workspaces.Out);
    }

    public void Dispose() => _cli.Dispose();
}

/// <summary><c>--help</c> of the tool and of every command, and usage errors; no server needed.</summary>
public sealed class CliHelpTests : IDisposable
{
    readonly CliRunner _cli = new();

    [Theory]
    [InlineData("", "Upload, download, list and manage files in FileApi.")]
    [InlineData("upload", "Upload a file as a new version")]
    [InlineData("download", "Download a file.")]
    [InlineData("ls", "List files")]
    [InlineData("versions", "Show a file's ready versions")]
    [InlineData("rm", "Delete files.")]
    [InlineData("restore", "Restore a deleted file")]
    [InlineData("workspaces", "List and create workspaces; show or set a workspace's quota.")]
    [InlineData("workspaces list", "The workspaces you have a role in")]
    [InlineData("workspaces create", "Create a workspace")]
    [InlineData("roles", "List, grant and revoke roles")]
    [InlineData("roles list", "Who has which role")]
    [InlineData("roles grant", "Grant or change a user's role")]
    [InlineData("roles revoke", "Remove a user's role")]
    [InlineData("orgs", "Create organisations.")]
    [InlineData("orgs create", "Create an organisation.")]
    public async Task EveryCommandExplainsItselfWithHelp(string command, string description)
    {
        var words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);

        var run = await _cli.RunAsync([.. words, "--help"]);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains(description, run.Out);
        Assert.Contains($"Usage:\n  {string.Join(' ', ["fileapi", .. words])}", run.Out.ReplaceLineEndings("\n"));
        Assert.Contains("--json", run.Out);
        Assert.Contains("[env: FILEAPI_URL]", run.Out);
    }

    [Fact]
    public async Task TheToolsHelpListsTheExitCodesAndSettings()
    {
        var run = await _cli.RunAsync("--help");

        Assert.Contains("2 not found, 3 authentication or permission", run.Out);
        Assert.Contains("~/.config/fileapi/config.json", run.Out);
        Assert.All(new[] { "upload", "download", "ls", "versions", "rm", "restore", "workspaces", "roles", "orgs" }, command => Assert.Contains($"\n  {command} ", run.Out.ReplaceLineEndings("\n")));
    }

    [Fact]
    public async Task UnknownCommandsAndBadValuesExitWithUsage()
    {
        Assert.Equal(ExitCodes.Usage, (await _cli.RunAsync("upload-everything")).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await _cli.RunAsync("roles", "grant", "someone", "superuser")).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await _cli.RunAsync("upload", "x", "--block-size", "0")).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await _cli.RunAsync("ls", "--created-at", "since:yesterday")).ExitCode);
    }

    public void Dispose() => _cli.Dispose();
}
