using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FileApi.Data;
using FileApi.Files;
using FileApi.Tests.Infrastructure;

namespace FileApi.Tests.Workspaces;

/// <summary>Holds a ready file, and users with each role, for the role x endpoint matrix.</summary>
public class MatrixFactory : FileApiFactory
{
    public const string Editor = "editor";
    public const string Viewer = "viewer";
    public const string Stranger = "stranger";
    public const string Neighbour = "neighbour";

    public UploadResponse ReadyFile { get; private set; } = null!;
    public UploadResponse NeighbourFile { get; private set; } = null!;
    public Guid NeighbourWorkspaceId { get; private set; }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await GrantAsync(Editor, WorkspaceRole.Editor);
        await GrantAsync(Viewer, WorkspaceRole.Viewer);
        NeighbourWorkspaceId = await AddWorkspaceAsync(Neighbour);

        ReadyFile = await UploadReadyAsync(CreateClientFor(Owner), $"{FilesBase}/path/matrix/ready.txt");
        NeighbourFile = await UploadReadyAsync(CreateClientFor(Neighbour), $"/file/v2/orgs/{OrganizationId}/workspaces/{NeighbourWorkspaceId}/files/path/theirs.txt");
    }

    async Task<UploadResponse> UploadReadyAsync(HttpClient api, string url)
    {
        var upload = await api.RegisterAsync(url);
        await TestData.PutBlobAsync(upload.Upload, [1, 2, 3]);
        var blob = FileApi.Files.BlobNames.For(OrganizationId, url.Contains(NeighbourWorkspaceId.ToString()) ? NeighbourWorkspaceId : WorkspaceId, upload.FileId, long.Parse(upload.VersionId));
        (await DeliverEventsAsync(TestData.BlobCreated(Container, blob))).EnsureSuccessStatusCode();
        return upload;
    }
}

public class AuthorizationMatrixTests(MatrixFactory factory) : IClassFixture<MatrixFactory>
{
    public static TheoryData<string, string, string, int> Matrix()
    {
        var data = new TheoryData<string, string, string, int>();
        var endpoints = new (string Method, string Path, WorkspaceRole Needs, int Success)[]
        {
            ("GET", "files/path/matrix/ready.txt", WorkspaceRole.Viewer, 200),
            ("GET", "files/{file}", WorkspaceRole.Viewer, 200),
            ("GET", "files/{file}?include_versions=true", WorkspaceRole.Viewer, 200),
            ("PUT", "files/path/matrix/new-{user}.txt", WorkspaceRole.Editor, 200),
            ("PUT", "files/{file}", WorkspaceRole.Editor, 200),
            ("GET", "", WorkspaceRole.Viewer, 200),
            ("GET", "roles", WorkspaceRole.Viewer, 200),
            ("PUT", "roles/{user}-grantee", WorkspaceRole.Owner, 200),
            ("DELETE", "roles/nobody", WorkspaceRole.Owner, 404),
            ("GET", "files?limit=10&offset=0&deleted=false", WorkspaceRole.Viewer, 200),
            // The owner uploaded it: editors may complete only their own uploads, so here only owners may.
            ("POST", "files/{file}/versions/{version}/complete", WorkspaceRole.Owner, 200),
            ("DELETE", "files/path/matrix/never-{user}.txt", WorkspaceRole.Editor, 404),
            ("DELETE", "files/{missing}", WorkspaceRole.Editor, 404),
            ("PUT", "files/{file}?deleted=false", WorkspaceRole.Owner, 204),
            ("POST", "files/imports", WorkspaceRole.Editor, 400), // an empty body: invalid-path, once the role allows it
            ("GET", "webhooks", WorkspaceRole.Owner, 200),
            ("GET", "webhooks/{missing}/deliveries", WorkspaceRole.Owner, 404),
            ("POST", "webhooks/{missing}/rotate-secret", WorkspaceRole.Owner, 404),
            ("DELETE", "webhooks/{missing}", WorkspaceRole.Owner, 404),
        };
        var users = new (string Name, WorkspaceRole? Role)[]
        {
            (FileApiFactory.Owner, WorkspaceRole.Owner),
            (MatrixFactory.Editor, WorkspaceRole.Editor),
            (MatrixFactory.Viewer, WorkspaceRole.Viewer),
            (MatrixFactory.Stranger, null),
            (MatrixFactory.Neighbour, null),
        };
        foreach (var (method, path, needs, success) in endpoints)
        {
            foreach (var (user, role) in users)
                data.Add(method, path, user, role is null ? 404 : role >= needs ? success : 403);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task EveryEndpointAllowsExactlyTheRolesItShould(string method, string path, string user, int expected)
    {
        using var response = await SendAsync(factory.CreateClientFor(user), method, path, user);

        Assert.Equal(expected, (int)response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        if (expected == 403)
        {
            var problem = JsonDocument.Parse(body).RootElement;
            Assert.Equal("urn:fileapi:problem:forbidden", problem.GetProperty("type").GetString());
            Assert.Equal(user, problem.GetProperty("your_role").GetString());
            Assert.Contains("owner", problem.GetProperty("permitted_roles").EnumerateArray().Select(r => r.GetString()));
            Assert.DoesNotContain(user, problem.GetProperty("permitted_roles").EnumerateArray().Select(r => r.GetString()));
        }
        if (expected == 404 && user is MatrixFactory.Stranger or MatrixFactory.Neighbour)
            Assert.Contains("urn:fileapi:problem:workspace-not-found", body);
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task NoEndpointAnswersWithoutAToken(string method, string path, string user, int expected)
    {
        _ = expected;
        using var response = await SendAsync(factory.CreateClient(), method, path, user);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task AStrangerCannotTellAnExistingPathFromAMissingOne()
    {
        var stranger = factory.CreateClientFor(MatrixFactory.Stranger);

        using var existing = await stranger.GetAsync($"{factory.FilesBase}/path/matrix/ready.txt");
        using var missing = await stranger.GetAsync($"{factory.FilesBase}/path/matrix/never-was.txt");

        Assert.Equal(existing.StatusCode, missing.StatusCode);
        Assert.Equal(await WithoutTraceIdAsync(existing), await WithoutTraceIdAsync(missing));
    }

    [Theory]
    [InlineData("not-a-uuid")]
    [InlineData("{ready}?version_id=abc")]
    [InlineData("{ready}?version_id={version}")]
    [InlineData("{missing}")]
    public async Task AStrangerAskingForAFileByIdGetsWorkspaceNotFoundWhateverTheIdOrQuery(string target)
    {
        // GET by id reads the caller's role in the same query as the file, so the role must still decide first.
        var path = target.Replace("{ready}", factory.ReadyFile.FileId.ToString())
            .Replace("{version}", factory.ReadyFile.VersionId).Replace("{missing}", Guid.NewGuid().ToString());

        using var response = await factory.CreateClientFor(MatrixFactory.Stranger).GetAsync($"{factory.FilesBase}/{path}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("urn:fileapi:problem:workspace-not-found", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AViewerAskingForAMalformedFileIdOrAMissingFileGetsTheFilesOwnProblem()
    {
        var viewer = factory.CreateClientFor(MatrixFactory.Viewer);

        using var malformed = await viewer.GetAsync($"{factory.FilesBase}/not-a-uuid");
        using var missing = await viewer.GetAsync($"{factory.FilesBase}/{Guid.NewGuid()}");
        using var ready = await viewer.GetAsync($"{factory.FilesBase}/{factory.ReadyFile.FileId}?version_id={factory.ReadyFile.VersionId}");

        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Contains("urn:fileapi:problem:invalid-id", await malformed.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("urn:fileapi:problem:file-not-found", await missing.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task AFileIdFromAnotherWorkspaceIsNotFoundEvenForItsOwner()
    {
        // Someone who owns both workspaces still reaches a file only under its own workspace.
        await factory.GrantAsync("bridge", WorkspaceRole.Owner);
        await factory.GrantAsync("bridge", WorkspaceRole.Owner, factory.NeighbourWorkspaceId);
        var neighbour = factory.CreateClientFor("bridge");

        using var read = await neighbour.GetAsync($"{factory.FilesBase}/{factory.NeighbourFile.FileId}");
        using var write = await neighbour.PutAsync($"{factory.FilesBase}/{factory.NeighbourFile.FileId}", null);

        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, write.StatusCode);
        Assert.Contains("urn:fileapi:problem:file-not-found", await read.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AVersionIdOfAnotherFileIsNotFound()
    {
        var owner = factory.CreateClientFor(FileApiFactory.Owner);
        var other = await owner.RegisterAsync($"{factory.FilesBase}/path/matrix/other.txt");

        using var response = await owner.GetAsync($"{factory.FilesBase}/{factory.ReadyFile.FileId}?version_id={other.VersionId}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("urn:fileapi:problem:version-not-found", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AWorkspaceUnderAnotherOrganisationsPathIsNotFound()
    {
        var owner = factory.CreateClientFor(FileApiFactory.Owner);

        using var response = await owner.GetAsync($"/file/v2/orgs/{Guid.NewGuid()}/workspaces/{factory.WorkspaceId}/files/{factory.ReadyFile.FileId}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("urn:fileapi:problem:workspace-not-found", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task CreatedByCarriesTheCallersIdNameAndEmailFromTheToken()
    {
        var file = await factory.CreateClientFor(MatrixFactory.Viewer)
            .GetFromJsonAsync<FileResponse>($"{factory.FilesBase}/{factory.ReadyFile.FileId}", FileApiFactory.Json);

        Assert.Equal(FileApiFactory.UserId(FileApiFactory.Owner), file!.CreatedBy.Id);
        Assert.Equal(FileApiFactory.Owner, file.CreatedBy.Name);
        Assert.Equal("owner@example.com", file.CreatedBy.Email);
        Assert.Equal(file.CreatedBy, file.ModifiedBy);
    }

    [Fact]
    public async Task AnExpiredTokenIs401AndRegistersNothing()
    {
        var expired = factory.Tokens.Mint(FileApiFactory.UserId(FileApiFactory.Owner), "owner", null, FileApiFactory.TokenIssuer, FileApiFactory.TokenAudience,
            TimeSpan.FromHours(1), new Dictionary<string, object> { ["exp"] = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds(), ["nbf"] = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds() });
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", expired);

        using var response = await client.PutAsync($"{factory.FilesBase}/path/matrix/expired.txt", null);
        using var check = await factory.CreateClientFor(FileApiFactory.Owner).PutAsync($"{factory.FilesBase}/path/matrix/expired.txt?version_id=1", null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("expired", response.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.NotFound, check.StatusCode);
        Assert.Contains("urn:fileapi:problem:file-not-found", await check.Content.ReadAsStringAsync());
    }

    static async Task<string> WithoutTraceIdAsync(HttpResponseMessage response)
    {
        var problem = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.True(problem.Remove("trace_id"));
        return problem.ToJsonString();
    }

    Task<HttpResponseMessage> SendAsync(HttpClient client, string method, string path, string user)
    {
        var relative = path.Replace("{file}", factory.ReadyFile.FileId.ToString()).Replace("{version}", factory.ReadyFile.VersionId)
            .Replace("{missing}", Guid.Empty.ToString()).Replace("{user}", user);
        var url = $"/file/v2/orgs/{factory.OrganizationId}/workspaces/{factory.WorkspaceId}/{relative}".TrimEnd('/');
        var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (relative.StartsWith("roles/", StringComparison.Ordinal) && method == "PUT")
            request.Content = JsonContent.Create(new { role = "viewer" });
        if (relative == "files/imports")
            request.Content = JsonContent.Create(new { });
        return client.SendAsync(request);
    }
}
