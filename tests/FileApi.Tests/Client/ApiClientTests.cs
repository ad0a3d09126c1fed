using System.Text.Json;
using FileApi.Client;
using FileApi.Tests.Infrastructure;
using WorkspaceRole = FileApi.Data.WorkspaceRole;

namespace FileApi.Tests.Client;

/// <summary>The typed API calls: versions, reads, problems, organisations, workspaces and roles.</summary>
public sealed class ApiClientTests(FileApiFactory factory) : IClassFixture<FileApiFactory>
{
    [Fact]
    public async Task RegisterAnswersAnUploadLinkAndRenewKeepsTheVersion()
    {
        var files = factory.WorkspaceClientFor(new StorageSpy(factory));

        var link = await files.RegisterVersionAsync("api/registered.txt", new RegisterVersionOptions { Size = 5 });
        var renewed = await files.RenewUploadLinkAsync(link.FileId, link.VersionId);

        Assert.Equal(link.State, renewed.State);
        Assert.Contains("sig=", renewed.Upload.Query);
        Assert.True(renewed.UploadExpiresAt > DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task AFileReadsByPathAndByIdWithItsVersionHistory()
    {
        var files = factory.WorkspaceClientFor(new StorageSpy(factory));
        var first = await files.UploadAsync("api/history/notes.txt", new MemoryStream("one"u8.ToArray()));
        var second = await files.UploadAsync("api/history/notes.txt", new MemoryStream("two!"u8.ToArray()));

        var byPath = await files.GetFileAsync("api/history/notes.txt", new GetFileOptions { IncludeVersions = true });
        var byId = await files.GetFileAsync(first.FileId, new GetFileOptions { VersionId = first.VersionId });

        Assert.Equal(second.VersionId, byPath.VersionId);
        Assert.Equal("/api/history/notes.txt", byPath.FullPath);
        Assert.Equal(4, byPath.Size);
        Assert.Equal([second.VersionId, first.VersionId], byPath.Versions!.Select(v => v.VersionId));
        Assert.Equal(3, byId.Size);
        Assert.Equal(FileApiFactory.UserId(FileApiFactory.Owner), byId.CreatedBy!.Id);
    }

    [Fact]
    public async Task ListingPagesFollowLinksNextUntilEveryMatchIsSeen()
    {
        var files = factory.WorkspaceClientFor(new StorageSpy(factory));
        foreach (var name in new[] { "b.txt", "a.txt", "sub/c.txt" })
            await files.UploadAsync($"api/listing/{name}", new MemoryStream("x"u8.ToArray()));
        await files.UploadAsync("api/elsewhere.txt", new MemoryStream("x"u8.ToArray()));
        var options = new ListFilesOptions { Folder = "/api/listing/", Limit = 2, OrderBy = "name" };

        var first = await files.ListFilesAsync(options);
        var all = await files.GetFilesAsync(options).ToListAsync();
        var named = await files.ListFilesAsync(new ListFilesOptions { FileName = "ELSEWHERE" });

        Assert.Equal((2, 3L), (first.Count, first.Total));
        Assert.NotNull(first.Links?.Next);
        Assert.Equal(["/api/listing/a.txt", "/api/listing/b.txt", "/api/listing/sub/c.txt"], all.Select(f => f.FullPath));
        Assert.Equal(["/api/elsewhere.txt"], named.Files.Select(f => f.FullPath));
    }

    [Fact]
    public async Task TheListingFollowsLinksNextPastAShortPageAndAStaleTotal()
    {
        // Pages as a server may send them: the first shorter than the limit and with a total that says "done".
        var pages = new Dictionary<string, string>
        {
            ["first"] = Page(["a.txt"], total: 1, next: "next-page"),
            ["next-page"] = Page(["b.txt", "c.txt"], total: 3, next: null),
        };
        var api = new ApiInterceptor(request => request.Method == HttpMethod.Get && request.RequestUri!.AbsolutePath.EndsWith("/files")
            ? new HttpResponseMessage(System.Net.HttpStatusCode.OK)
            {
                RequestMessage = request,
                Content = new StringContent(pages[System.Web.HttpUtility.ParseQueryString(request.RequestUri.Query)["cursor"] ?? "first"], System.Text.Encoding.UTF8, "application/json"),
            }
            : null);
        var files = factory.WorkspaceClientFor(new StorageSpy(factory), api: api);

        var all = await files.GetFilesAsync(new ListFilesOptions { Limit = 2 }).ToListAsync();

        Assert.Equal(["/listed/a.txt", "/listed/b.txt", "/listed/c.txt"], all.Select(file => file.FullPath));
    }

    string Page(string[] names, long total, string? next)
    {
        var files = names.Select(name => $$"""
            {"name":"{{name}}","path":"/listed/","file_id":"{{Guid.NewGuid()}}","version_id":"1","size":1,"etag":null,
             "created_at":"2026-12-01T00:00:00Z","created_by":null,"modified_at":"2026-12-01T00:00:00Z","modified_by":null,"download":null,"self":null}
            """);
        var nextLink = next is null ? "null" : $"\"{factory.FilesBase}?limit=2&cursor={next}\"";
        return $$$"""{"count":{{{names.Length}}},"files":[{{{string.Join(',', files)}}}],"limit":2,"offset":0,"total":{{{total}}},"links":{"self":null,"next":{{{nextLink}}},"prev":null}}""";
    }

    [Fact]
    public async Task AnAbortedUploadFailsWithReasonAbortedAndCannotBeAbortedOnceReady()
    {
        var files = factory.WorkspaceClientFor(new StorageSpy(factory));
        var link = await files.RegisterVersionAsync("api/aborted.txt", new RegisterVersionOptions { Size = 5 });
        var ready = await files.UploadAsync("api/kept.txt", new MemoryStream("kept"u8.ToArray()));

        await files.AbortUploadAsync(link.FileId, link.VersionId);
        await files.AbortUploadAsync(link.FileId, link.VersionId); // idempotent
        var failed = await Assert.ThrowsAsync<FileApiException>(() => files.GetFileAsync(link.FileId, new GetFileOptions { VersionId = link.VersionId }));
        var history = await Assert.ThrowsAsync<FileApiException>(() => files.AbortUploadAsync(ready.FileId, ready.VersionId));

        Assert.Equal((409, FileApiProblemTypes.VersionFailed), (failed.Status, failed.Type));
        Assert.Equal("aborted", failed.Extensions["reason"].GetString());
        Assert.Equal(409, history.Status);
        Assert.Equal(ready.VersionId, (await files.GetFileAsync("api/kept.txt")).VersionId);
    }

    [Fact]
    public async Task ADeletedFileIsGoneUntilAnOwnerRestoresIt()
    {
        var files = factory.WorkspaceClientFor(new StorageSpy(factory));
        var file = await files.UploadAsync("api/deleted/once.txt", new MemoryStream("x"u8.ToArray()));

        await files.DeleteFileAsync("api/deleted/once.txt");
        var gone = await Assert.ThrowsAsync<FileApiException>(() => files.GetFileAsync(file.FileId));
        var deleted = await files.GetFileAsync(file.FileId, new GetFileOptions { Deleted = true });
        var listed = await files.ListFilesAsync(new ListFilesOptions { Deleted = true, Folder = "/api/deleted/" });
        var restored = await files.RestoreFileAsync(file.FileId);

        Assert.Equal((410, FileApiProblemTypes.FileDeleted), (gone.Status, gone.Type));
        Assert.NotNull(deleted.DeletedAt);
        Assert.Equal([file.FileId], listed.Files.Select(f => f.FileId));
        Assert.False(restored.Moved);
        Assert.Equal(file.VersionId, (await files.GetFileAsync("api/deleted/once.txt")).VersionId);
    }

    [Fact]
    public async Task AFileRestoredOntoATakenPathComesBackUnderANewName()
    {
        // The API's own handler, without the redirect-following of WebApplicationFactory's clients: the 303 itself.
        var files = factory.WorkspaceClientFor(new StorageSpy(factory), api: new ApiInterceptor(_ => null));
        var old = await files.UploadAsync("api/restored/taken.txt", new MemoryStream("old"u8.ToArray()));
        await files.DeleteFileAsync(old.FileId);
        await files.UploadAsync("api/restored/taken.txt", new MemoryStream("new"u8.ToArray()));

        var restored = await files.RestoreFileAsync(old.FileId);

        Assert.True(restored.Moved);
        Assert.Equal(old.FileId, restored.File!.FileId);
        Assert.NotEqual("taken.txt", restored.File.Name);
    }

    [Fact]
    public async Task ErrorsCarryTheProblemDetailsAndTheirExtensions()
    {
        await factory.GrantAsync("api-viewer", WorkspaceRole.Viewer);
        var files = factory.WorkspaceClientFor(new StorageSpy(factory), user: "api-viewer");

        var notFound = await Assert.ThrowsAsync<FileApiException>(() => files.GetFileAsync("api/missing.txt"));
        var forbidden = await Assert.ThrowsAsync<FileApiException>(() => files.RegisterVersionAsync("api/not-mine.txt"));
        var invalid = await Assert.ThrowsAsync<FileApiException>(() => files.GetFileAsync("api/back\\slash.txt"));

        Assert.Equal((404, FileApiProblemTypes.FileNotFound), (notFound.Status, notFound.Type));
        Assert.Contains("api/missing.txt", notFound.Detail);
        Assert.Equal((403, FileApiProblemTypes.Forbidden), (forbidden.Status, forbidden.Type));
        Assert.Equal("viewer", forbidden.Extensions["your_role"].GetString());
        Assert.Contains("editor", forbidden.Extensions["permitted_roles"].EnumerateArray().Select(role => role.GetString()));
        Assert.Equal((400, FileApiProblemTypes.InvalidPath), (invalid.Status, invalid.Type));
    }

    [Fact]
    public async Task AnInvalidTokenIsRefusedWithUnauthorized()
    {
        var files = factory.WorkspaceClientFor(new StorageSpy(factory), options => options.Token = "not-a-token");

        var problem = await Assert.ThrowsAsync<FileApiException>(() => files.GetWorkspaceAsync());

        Assert.Equal((401, FileApiProblemTypes.Unauthorized), (problem.Status, problem.Type));
    }

    [Fact]
    public async Task ATokenProviderIsAskedForEveryCall()
    {
        var asked = 0;
        var files = factory.WorkspaceClientFor(new StorageSpy(factory), options => options.TokenProvider = _ =>
        {
            Interlocked.Increment(ref asked);
            return ValueTask.FromResult(factory.TokenFor(FileApiFactory.Owner));
        });

        await files.GetWorkspaceAsync();
        await files.GetMembersAsync();

        Assert.Equal(2, asked);
    }

    [Fact]
    public async Task OrganisationsWorkspacesAndRolesRoundTrip()
    {
        var client = new FileApiClient(factory.CreateClient(), new HttpClient(), new FileApiClientOptions { Token = factory.TokenFor("founder") });

        var organization = await client.CreateOrganizationAsync("Founder's organisation");
        var workspace = await client.CreateWorkspaceAsync(organization.Id, "Plans");
        var mine = await client.GetWorkspacesAsync();
        var inOrganization = await client.GetWorkspacesAsync(organization.Id);
        var plans = client.GetWorkspaceClient(organization.Id, workspace.Id);
        var granted = await plans.GrantRoleAsync(FileApiFactory.UserId("colleague"), WorkspaceRoles.Editor, name: "Colleague");
        var members = await plans.GetMembersAsync();
        await plans.RevokeRoleAsync(FileApiFactory.UserId("colleague"));
        var lastOwner = await Assert.ThrowsAsync<FileApiException>(() => plans.RevokeRoleAsync(FileApiFactory.UserId("founder")));

        Assert.Equal(WorkspaceRoles.Owner, workspace.Role);
        Assert.Contains(mine, w => w.Id == workspace.Id);
        Assert.Equal([workspace.Id], inOrganization.Select(w => w.Id));
        Assert.Equal(WorkspaceRoles.Editor, granted.Role);
        Assert.Equal(["Colleague", "founder"], members.Select(m => m.Name).Order());
        Assert.Single(await plans.GetMembersAsync());
        Assert.Equal((409, FileApiProblemTypes.LastOwner), (lastOwner.Status, lastOwner.Type));
        Assert.Equal("Plans", (await plans.GetWorkspaceAsync()).Name);
    }

    [Fact]
    public void ListingFiltersAreWrittenInTheContractsWireForm()
    {
        var options = new ListFilesOptions { Limit = 50, Deleted = false, FileName = "report q1", OrderBy = "size:desc", Folder = "/docs/" };
        options.CreatedAt.Add(new DateFilter(DateComparison.GreaterThanOrEqual, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.True(DateFilter.TryParse("lt:2026-02-01T12:00:00+01:00", out var before));
        options.CreatedAt.Add(before);

        Assert.Equal("?limit=50&deleted=false&file_name=report%20q1&created_at=gte%3A2026-01-01T00%3A00%3A00Z&created_at=lt%3A2026-02-01T11%3A00%3A00Z&order_by=size%3Adesc&folder=%2Fdocs%2F",
            options.ToQuery());
        Assert.False(DateFilter.TryParse("since:2026-01-01", out _));
    }

    [Fact]
    public void PathsAreEscapedExceptForTheirSlashesAndDotSegmentsAreRefused()
    {
        Assert.Throws<ArgumentException>(() => FileReference.FromPath("a/../b.txt"));
        Assert.Equal("path/a%20b/c%23d.txt", ((FileReference)"a b/c#d.txt").UrlSegment);
        var id = Guid.NewGuid();
        Assert.Equal(id.ToString(), ((FileReference)id).UrlSegment);
    }

    [Fact]
    public async Task FileApiExceptionsReadProblemJsonWithoutAServer()
    {
        using var response = new HttpResponseMessage(System.Net.HttpStatusCode.Conflict)
        {
            Content = new StringContent("""{"type":"urn:fileapi:problem:version-failed","title":"The version failed.","status":409,"detail":"size mismatch","reason":"size"}""",
                System.Text.Encoding.UTF8, "application/problem+json"),
        };
        response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(2));

        var problem = await FileApiException.FromResponseAsync(response, null, CancellationToken.None);

        Assert.Equal((409, FileApiProblemTypes.VersionFailed, "size mismatch"), (problem.Status, problem.Type, problem.Detail));
        Assert.Equal("size", problem.Extensions["reason"].GetString());
        Assert.Equal(JsonValueKind.String, problem.Extensions["reason"].ValueKind);
        Assert.Equal(TimeSpan.FromSeconds(2), problem.RetryAfter);
    }
}
