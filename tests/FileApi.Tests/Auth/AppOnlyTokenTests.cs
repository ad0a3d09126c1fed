using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using FileApi.Data;
using FileApi.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace FileApi.Tests.Auth;

/// <summary>
/// App-only tokens (client credentials: a daemon, or Event Grid's own) never act as a user. Every route of the app
/// is a user endpoint unless it is one of the few public or webhook routes listed here, so a new route is covered
/// without anyone remembering to add it.
/// </summary>
public sealed partial class AppOnlyTokenTests(FileApiFactory factory) : IClassFixture<FileApiFactory>
{
    const string Daemon = "daemon-app";

    static readonly string[] NotUserEndpoints = ["/healthz", "/openapi/", "/dev/", "/events/"];

    [Fact]
    public async Task AnAppOnlyTokenIsForbiddenOnEveryUserEndpointEvenWithTheOwnersRole()
    {
        // The daemon's id owns the workspace, so only the kind of token can be what refuses it.
        await factory.GrantAsync(Daemon, WorkspaceRole.Owner);
        var endpoints = UserEndpoints();
        var token = factory.Tokens.MintApp(FileApiFactory.UserId(Daemon), FileApiFactory.TokenIssuer, FileApiFactory.TokenAudience,
            TimeSpan.FromMinutes(10), ["Files.ReadWrite.All", "AzureEventGridSecureWebhookSubscriber"]);
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var answers = new List<string>();
        foreach (var (method, url) in endpoints)
        {
            using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url) { Content = new StringContent("{}", null, "application/json") });
            var type = response.Content.Headers.ContentType?.MediaType == "application/problem+json"
                ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("type").GetString()
                : null;
            answers.Add($"{method} {url} -> {(int)response.StatusCode} {type}");
        }

        Assert.True(endpoints.Count >= 15, $"only {endpoints.Count} user endpoints found");
        Assert.All(answers, answer => Assert.EndsWith("-> 403 urn:fileapi:problem:forbidden", answer));
    }

    [Fact]
    public async Task TheSameCallerWithAUserTokenIsAllowed()
    {
        // The control for the test above: the route and the role work; only the app-only token is refused.
        await factory.GrantAsync("daemon-user", WorkspaceRole.Owner);

        using var response = await factory.CreateClientFor("daemon-user").GetAsync($"/file/v2/orgs/{factory.OrganizationId}/workspaces/{factory.WorkspaceId}/roles");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>Every route of the app outside <see cref="NotUserEndpoints"/>, with its parameters filled in.</summary>
    List<(string Method, string Url)> UserEndpoints() =>
        factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(endpoint => (Methods: endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"], Path: "/" + endpoint.RoutePattern.RawText!.TrimStart('/')))
            .Where(route => !NotUserEndpoints.Any(prefix => route.Path.StartsWith(prefix, StringComparison.Ordinal)))
            .SelectMany(route => route.Methods.Select(method => (method, Fill(route.Path))))
            .ToList();

    string Fill(string pattern) => RouteParameter().Replace(pattern, match => match.Groups["name"].Value switch
    {
        "org_id" => factory.OrganizationId.ToString(),
        "workspace_id" => factory.WorkspaceId.ToString(),
        "file_path" => "app-only/probe.txt",
        "version_id" => "1",
        "user_id" => FileApiFactory.UserId("someone"),
        _ => Guid.NewGuid().ToString(),
    });

    [GeneratedRegex(@"\{\**(?<name>[A-Za-z_]+)[^}]*\}")]
    private static partial Regex RouteParameter();
}
