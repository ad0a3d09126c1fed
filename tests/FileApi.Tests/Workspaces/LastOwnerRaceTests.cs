using System.Net;
using System.Net.Http.Json;
using FileApi.Auth;
using FileApi.Data;
using FileApi.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FileApi.Tests.Workspaces;

public class LastOwnerRaceTests(FileApiFactory factory) : IClassFixture<FileApiFactory>
{
    const string First = "first-owner";
    const string Second = "second-owner";

    [Fact]
    public async Task TwoOwnersDemotingEachOtherAtOnceNeverLeaveAWorkspaceWithoutAnOwner()
    {
        var first = factory.CreateClientFor(First);
        var second = factory.CreateClientFor(Second);
        var answers = new List<HttpStatusCode>();
        for (var round = 0; round < 50; round++)
        {
            var workspaceId = await factory.AddWorkspaceAsync(First);
            await factory.GrantAsync(Second, WorkspaceRole.Owner, workspaceId);
            var roles = $"/file/v2/orgs/{factory.OrganizationId}/workspaces/{workspaceId}/roles";

            var demotions = await Task.WhenAll(
                first.PutAsJsonAsync($"{roles}/{FileApiFactory.UserId(Second)}", new { role = "editor" }),
                second.PutAsJsonAsync($"{roles}/{FileApiFactory.UserId(First)}", new { role = "editor" }));
            answers.AddRange(demotions.Select(d => d.StatusCode));

            Assert.Equal(1, await OwnersAsync(workspaceId));
            Assert.Single(demotions, d => d.StatusCode == HttpStatusCode.OK);
            var refused = Assert.Single(demotions, d => d.StatusCode != HttpStatusCode.OK);
            // Whoever lost was demoted first: no longer an owner (403), or the last one left (409).
            Assert.Contains(refused.StatusCode, new[] { HttpStatusCode.Forbidden, HttpStatusCode.Conflict });
            var type = (await StrictJson.ReadAsync(refused)).GetProperty("type").GetString();
            Assert.Contains(type, new[] { "urn:fileapi:problem:forbidden", "urn:fileapi:problem:last-owner" });
        }
    }

    [Fact]
    public async Task TwoOwnersRevokingEachOtherAtOnceNeverLeaveAWorkspaceWithoutAnOwner()
    {
        var first = factory.CreateClientFor(First);
        var second = factory.CreateClientFor(Second);
        for (var round = 0; round < 50; round++)
        {
            var workspaceId = await factory.AddWorkspaceAsync(First);
            await factory.GrantAsync(Second, WorkspaceRole.Owner, workspaceId);
            var roles = $"/file/v2/orgs/{factory.OrganizationId}/workspaces/{workspaceId}/roles";

            await Task.WhenAll(
                first.DeleteAsync($"{roles}/{FileApiFactory.UserId(Second)}"),
                second.DeleteAsync($"{roles}/{FileApiFactory.UserId(First)}"));

            Assert.Equal(1, await OwnersAsync(workspaceId));
        }
    }

    async Task<int> OwnersAsync(Guid workspaceId)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<FileApiDb>().WorkspaceMembers
            .CountAsync(m => m.WorkspaceId == workspaceId && m.Role == WorkspaceRole.Owner && m.TenantId == LocalTokenIssuer.LocalTenantId);
    }
}
