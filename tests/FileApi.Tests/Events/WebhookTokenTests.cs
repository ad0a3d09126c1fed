using System.Net;
using System.Net.Http.Headers;
using FileApi.Data;
using FileApi.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FileApi.Tests.Events;

/// <summary>Event Grid's Entra-token delivery: an app token with the subscriber app role, audience this API.</summary>
public sealed class WebhookTokenTests(FileApiFactory factory) : IClassFixture<FileApiFactory>
{
    [Fact]
    public async Task AnAppTokenWithTheSubscriberRoleDeliversEvents()
    {
        var upload = await RegisterAndPutAsync("token/ok.txt");

        using var response = await DeliverWithTokenAsync(upload, AppToken(["AzureEventGridSecureWebhookSubscriber"]));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(VersionStatus.Ready, await StatusAsync(upload));
    }

    [Fact]
    public async Task ATokenWithoutTheRoleIs403AndChangesNothing()
    {
        var upload = await RegisterAndPutAsync("token/no-role.txt");

        using var response = await DeliverWithTokenAsync(upload, AppToken([]));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(VersionStatus.Uploading, await StatusAsync(upload));
    }

    [Fact]
    public async Task AnInvalidTokenIs401AndChangesNothingEvenWithTheSecret()
    {
        var upload = await RegisterAndPutAsync("token/bad.txt");
        var token = AppToken(["AzureEventGridSecureWebhookSubscriber"]);
        var tampered = token[..^4] + (token[^4] == 'A' ? "BBBB" : "AAAA");

        using var response = await DeliverWithTokenAsync(upload, tampered, withSecret: true);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(VersionStatus.Uploading, await StatusAsync(upload));
    }

    [Fact]
    public async Task AUserTokenIs403AndChangesNothingEvenForAUserWithTheRole()
    {
        var upload = await RegisterAndPutAsync("token/user.txt");
        // A user can be assigned the app role too (the deployer is); a delivery still needs Event Grid's app-only token.
        var userToken = factory.TokenFor(FileApiFactory.Owner, new Dictionary<string, object> { ["roles"] = new[] { "AzureEventGridSecureWebhookSubscriber" } });

        using var response = await DeliverWithTokenAsync(upload, userToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("urn:fileapi:problem:forbidden", await response.Content.ReadAsStringAsync());
        Assert.Equal(VersionStatus.Uploading, await StatusAsync(upload));
    }

    [Fact]
    public async Task TheSecretInTheCodeQueryIsRefusedOutsideDevelopment()
    {
        var upload = await RegisterAndPutAsync("token/code-query.txt");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/events/storage?code={FileApiFactory.WebhookSecret}")
        {
            Content = new StringContent(System.Text.Json.JsonSerializer.Serialize(TestData.BlobCreated(factory.Container, TestData.BlobNameOf(factory, upload))),
                System.Text.Encoding.UTF8, "application/json"),
        };

        using var response = await factory.CreateClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(VersionStatus.Uploading, await StatusAsync(upload));
    }

    string AppToken(string[] roles) =>
        factory.Tokens.MintApp("eventgrid-app", FileApiFactory.TokenIssuer, FileApiFactory.TokenAudience, TimeSpan.FromMinutes(5), roles);

    async Task<HttpResponseMessage> DeliverWithTokenAsync(FileApi.Files.UploadResponse upload, string token, bool withSecret = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/events/storage")
        {
            Content = new StringContent(System.Text.Json.JsonSerializer.Serialize(TestData.BlobCreated(factory.Container, TestData.BlobNameOf(factory, upload))),
                System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (withSecret)
            request.Headers.Add("X-FileApi-Webhook-Secret", FileApiFactory.WebhookSecret);
        return await factory.CreateClient().SendAsync(request);
    }

    Task<FileApi.Files.UploadResponse> RegisterAndPutAsync(string path) =>
        factory.RegisterAndPutAsync(factory.CreateClientFor(FileApiFactory.Owner), $"path/{path}", [1]);

    async Task<VersionStatus> StatusAsync(FileApi.Files.UploadResponse upload) => (await factory.VersionAsync(upload)).Status;
}
