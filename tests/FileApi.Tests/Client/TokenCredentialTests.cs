using System.Collections.Concurrent;
using Azure.Core.Pipeline;
using Azure.Identity;
using FileApi.Client;
using FileApi.DevIdentity;
using FileApi.Tests.Auth;
using FileApi.Tests.Infrastructure;

namespace FileApi.Tests.Client;

/// <summary>
/// The .NET client with an Azure.Identity credential signed in at the development provider (6-second tokens, refused
/// the moment they expire): the client asks the credential before each call, and the credential renews its token
/// (MSAL's refresh token) without asking the user again.
/// </summary>
public sealed class TokenCredentialTests(ShortLivedTokenApiFactory factory) : IClassFixture<ShortLivedTokenApiFactory>
{
    [Fact]
    public async Task AnUploadWithADeviceCodeCredentialOutlastsItsFirstTokenWithoutAskingTheUserAgain()
    {
        var logins = 0;
        var credential = new DeviceCodeCredential(new DeviceCodeCredentialOptions
        {
            AuthorityHost = factory.Identity.Url,
            TenantId = LocalUsers.TenantId,
            ClientId = DevIdentityServer.CliClientId,
            // The provider is its own authority, not one of Entra's clouds.
            DisableInstanceDiscovery = true,
            Transport = new HttpClientTransport(factory.Identity.CreateTrustingHandler()),
            // The user enters the code on the provider's verification page.
            DeviceCodeCallback = async (code, _) =>
            {
                Interlocked.Increment(ref logins);
                await factory.Identity.CompleteDeviceCodeAsync(code.VerificationUri.ToString(), code.UserCode, FileApiFactory.Owner);
            },
        });

        var tokens = new ConcurrentQueue<string>();
        var api = new ApiInterceptor(request =>
        {
            if (request.Headers.Authorization?.Parameter is { } token) tokens.Enqueue(token);
            return null;
        }) { InnerHandler = factory.Server.CreateHandler() };
        var storage = new StorageSpy(factory);
        // Committing waits until the token the upload registered with has expired (real time: the provider and the API keep it).
        storage.Before = async (request, cancellationToken) =>
        {
            if (request.Method == HttpMethod.Put && request.RequestUri!.Query.Contains("comp=blocklist", StringComparison.Ordinal))
            {
                var expiresAt = DateTimeOffset.FromUnixTimeSeconds(TestTokens.PayloadOf(tokens.First())["exp"]!.GetValue<long>());
                var wait = expiresAt.AddSeconds(1) - DateTimeOffset.UtcNow;
                if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellationToken);
            }
            return null;
        };
        var client = new FileApiClient(new HttpClient(api) { BaseAddress = factory.Server.BaseAddress }, new HttpClient(storage),
            ClientTestKit.FastRetries(new FileApiClientOptions { Credential = credential, Scopes = [DevIdentityServer.Scope], BlockSize = 64 * 1024 }));
        var files = client.GetWorkspaceClient(factory.OrganizationId, factory.WorkspaceId);
        using var content = new MemoryStream(TestData.RandomBytes(3 * 64 * 1024 + 5));

        var file = await files.UploadAsync("credential/outlasts.bin", content);

        Assert.Equal(content.Length, file.Size);
        var first = TestTokens.PayloadOf(tokens.First());
        var last = TestTokens.PayloadOf(tokens.Last());
        Assert.True(last["exp"]!.GetValue<long>() > first["exp"]!.GetValue<long>(), "the upload never asked for a fresh token");
        Assert.Equal((FileApiFactory.UserId(FileApiFactory.Owner), DevIdentityServer.Scope.Split('/')[^1]), (last["oid"]!.GetValue<string>(), last["scp"]!.GetValue<string>()));
        Assert.Equal(1, logins);
        await files.AssertDownloadsAsync(file, content);
    }
}
