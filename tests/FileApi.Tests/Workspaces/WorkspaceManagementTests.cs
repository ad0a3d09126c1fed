using System.Net;
using System.Net.Http.Json;
using FileApi.Data;
using FileApi.Tests.Infrastructure;
using FileApi.Workspaces;

namespace FileApi.Tests.Workspaces;

public class WorkspaceManagementTests(FileApiFactory factory) : IClassFixture<FileApiFactory>
{
    [Fact]
    public async Task CreatingAnOrganisationAndAWorkspaceMakesTheCallerItsOwner()
    {
        var founder = factory.CreateClientFor("founder");

        using var orgResponse = await founder.PostAsJsonAsync("/file/v2/orgs", new { name = "Founders Ltd" });
        var org = await orgResponse.Content.ReadFromJsonAsync<OrganizationResponse>(FileApiFactory.Json);
        using var wsResponse = await founder.PostAsJsonAsync($"/file/v2/orgs/{org!.Id}/workspaces", new { name = "Plans" });
        var workspace = await wsResponse.Content.ReadFromJsonAsync<WorkspaceResponse>(FileApiFactory.Json);
        var mine = await founder.GetFromJsonAsync<WorkspaceListResponse>("/file/v2/workspaces", FileApiFactory.Json);
        using var upload = await founder.PutAsync($"/file/v2/orgs/{org.Id}/workspaces/{workspace!.Id}/files/path/plan.txt", null);

        Assert.Equal(HttpStatusCode.Created, orgResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Created, wsResponse.StatusCode);
        Assert.Equal("owner", workspace.Role);
        Assert.Equal([workspace.Id], mine!.Workspaces.Select(w => w.Id));
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
    }

    [Fact]
    public async Task OnlyOrganisationAdminsCreateWorkspaces()
    {
        await factory.GrantAsync("member", WorkspaceRole.Owner);

        using var response = await factory.CreateClientFor("member").PostAsJsonAsync($"/file/v2/orgs/{factory.OrganizationId}/workspaces", new { name = "Mine" });
        using var unknown = await factory.CreateClientFor("member").PostAsJsonAsync($"/file/v2/orgs/{Guid.NewGuid()}/workspaces", new { name = "Mine" });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task AGrantedRoleOpensTheWorkspaceAndRevokingClosesIt()
    {
        var owner = factory.CreateClientFor(FileApiFactory.Owner);
        var guestId = FileApiFactory.UserId("guest");
        var guest = factory.CreateClientFor("guest");
        var workspaceUrl = $"/file/v2/orgs/{factory.OrganizationId}/workspaces/{factory.WorkspaceId}";

        using var before = await guest.GetAsync(workspaceUrl);
        using var grant = await owner.PutAsJsonAsync($"{workspaceUrl}/roles/{guestId}", new { role = "Viewer", name = "Guest", email = "guest@example.com" });
        var during = await guest.GetFromJsonAsync<WorkspaceResponse>(workspaceUrl, FileApiFactory.Json);
        var members = await guest.GetFromJsonAsync<MemberListResponse>($"{workspaceUrl}/roles", FileApiFactory.Json);
        using var revoke = await owner.DeleteAsync($"{workspaceUrl}/roles/{guestId}");
        using var after = await guest.GetAsync(workspaceUrl);

        Assert.Equal(HttpStatusCode.NotFound, before.StatusCode);
        Assert.Equal(HttpStatusCode.OK, grant.StatusCode);
        Assert.Equal("viewer", during!.Role);
        Assert.Contains(members!.Members, m => m.UserId == guestId && m.Role == "viewer" && m.Email == "guest@example.com");
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
    }

    [Fact]
    public async Task TheLastOwnerCannotBeRemovedOrDemoted()
    {
        var founder = factory.CreateClientFor("solo");
        var org = await (await founder.PostAsJsonAsync("/file/v2/orgs", new { name = "Solo" })).Content.ReadFromJsonAsync<OrganizationResponse>(FileApiFactory.Json);
        var workspace = await (await founder.PostAsJsonAsync($"/file/v2/orgs/{org!.Id}/workspaces", new { name = "Alone" })).Content.ReadFromJsonAsync<WorkspaceResponse>(FileApiFactory.Json);
        var roles = $"/file/v2/orgs/{org.Id}/workspaces/{workspace!.Id}/roles/{FileApiFactory.UserId("solo")}";

        using var demote = await founder.PutAsJsonAsync(roles, new { role = "viewer" });
        using var remove = await founder.DeleteAsync(roles);

        Assert.Equal(HttpStatusCode.Conflict, demote.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, remove.StatusCode);
        Assert.Contains("urn:fileapi:problem:last-owner", await remove.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("{\"role\":\"admin\"}")]
    [InlineData("{\"role\":\"2\"}")]
    [InlineData("{}")]
    public async Task AnUnknownRoleIs400(string body)
    {
        using var response = await factory.CreateClientFor(FileApiFactory.Owner).PutAsync(
            $"/file/v2/orgs/{factory.OrganizationId}/workspaces/{factory.WorkspaceId}/roles/someone",
            new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("urn:fileapi:problem:invalid-body", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("{\"name\":\"\"}")]
    [InlineData("{\"name\":\"   \"}")]
    [InlineData("{}")]
    public async Task ABlankNameIs400(string body)
    {
        using var response = await factory.CreateClientFor(FileApiFactory.Owner).PostAsync("/file/v2/orgs", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("urn:fileapi:problem:invalid-body", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task MalformedJsonIs400ProblemJson()
    {
        using var response = await factory.CreateClientFor(FileApiFactory.Owner).PostAsync("/file/v2/orgs", new StringContent("{name:", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
