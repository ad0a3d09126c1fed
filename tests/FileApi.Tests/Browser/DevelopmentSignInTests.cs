using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using FileApi.Auth;
using FileApi.Tests.Infrastructure;
using FileApi.Workspaces;
using Microsoft.Extensions.Hosting;

namespace FileApi.Tests.Browser;

/// <summary>The API as scripts/dev runs it for the uploader page: development sign-in on.</summary>
public sealed class DevelopmentSignInFactory : FileApiFactory
{
    protected override string HostEnvironment => Environments.Development;

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings => [new("DevelopmentSignIn:Enabled", "true")];
}

public sealed class DevelopmentSignInTests(DevelopmentSignInFactory factory) : IClassFixture<DevelopmentSignInFactory>
{
    [Fact]
    public async Task SignInMintsATokenForALocalUserThatTheApiAccepts()
    {
        using var anonymous = factory.CreateClient();

        using var response = await anonymous.PostAsJsonAsync(DevelopmentSignIn.Path, new { user = FileApiFactory.Owner });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = (await response.Content.ReadFromJsonAsync<DevelopmentSignInResponse>(FileApiFactory.Json))!;
        Assert.Equal("Bearer", answer.TokenType);
        Assert.Equal(FileApiFactory.UserId(FileApiFactory.Owner), answer.UserId);
        Assert.Equal(12 * 3600, answer.ExpiresIn);

        using var signedIn = factory.CreateClient();
        signedIn.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", answer.AccessToken);
        var mine = await signedIn.GetFromJsonAsync<WorkspaceListResponse>("/file/v2/workspaces", FileApiFactory.Json);
        Assert.Equal([factory.WorkspaceId], mine!.Workspaces.Select(w => w.Id));
    }

    [Theory]
    [InlineData("")]
    [InlineData("../etc")]
    [InlineData("a user")]
    public async Task AUserNameOutsideLettersDigitsDotsDashesAndUnderscoresIsRefused(string user)
    {
        using var anonymous = factory.CreateClient();

        using var response = await anonymous.PostAsJsonAsync(DevelopmentSignIn.Path, new { user });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("urn:fileapi:problem:invalid-body", problem.RootElement.GetProperty("type").GetString());
    }

    [Fact]
    public async Task TheUploaderPageIsServedAtAppWithAPolicyThatLetsItTalkOnlyToTheApiAndBlobStorage()
    {
        using var client = factory.CreateClient();

        using var page = await client.GetAsync("/app/");
        using var script = await client.GetAsync("/app/uploader.js");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var policy = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains($"connect-src 'self' {AzuriteServer.Instance.ServiceUri.GetLeftPart(UriPartial.Authority)};", policy);
        Assert.Contains("default-src 'self'", policy);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
    }
}

public sealed class DevelopmentSignInOffTests(FileApiFactory factory) : IClassFixture<FileApiFactory>
{
    [Fact]
    public async Task WithoutTheSettingThereIsNoSignInRoute()
    {
        using var anonymous = factory.CreateClient();

        using var response = await anonymous.PostAsJsonAsync(DevelopmentSignIn.Path, new { user = "mallory" });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task TheApiRefusesToStartWithSignInOnWhenTokensDoNotComeFromALocalKey()
    {
        var misconfigured = new EntraWithDevelopmentSignInFactory();
        try
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(misconfigured.InitializeAsync);

            Assert.Contains("DevelopmentSignIn:Enabled needs Auth:LocalSigningKeysPath", error.ToString());
        }
        finally
        {
            await misconfigured.DisposeAsync();
        }
    }

    /// <summary>Tokens from Entra (a tenant, no local key file) with development sign-in switched on by mistake.</summary>
    sealed class EntraWithDevelopmentSignInFactory : FileApiFactory
    {
        protected override string HostEnvironment => Environments.Development;

        protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings =>
        [
            new("DevelopmentSignIn:Enabled", "true"),
            new("Auth:LocalSigningKeysPath", ""),
            new("Auth:TenantId", "11111111-2222-3333-4444-555555555555"),
        ];
    }
}
