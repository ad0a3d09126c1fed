using System.Net;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using Azure.Core.Pipeline;
using FileApi.Auth;
using FileApi.Storage;
using FileApi.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging.Abstractions;
using static FileApi.Tests.Storage.SasRequests;
using static FileApi.Tests.Storage.StorageTestContainer;

namespace FileApi.Tests.Storage;

/// <summary>
/// The Azure path end to end, against Azurite with <c>--oauth basic</c> over HTTPS: without an account key the
/// client calls storage with the app's bearer token, gets a user delegation key with it, and signs links that
/// upload and download. (Azurite 3.37 does not accept version-scoped links, <c>sr=bv</c>; their parameters are
/// checked in <see cref="LinkParameterTests"/>, their signing is the SDK's.)
/// </summary>
public sealed class UserDelegationAzuriteTests : IAsyncLifetime
{
    // Who the app is to storage: the key's identity (skoid, sktid) comes from the token's oid and tid.
    private const string AppObjectId = "3f1c9a8e-5b7d-4e2f-8a6c-1d0e9f8b7a65";

    private readonly string _keyDirectory = Directory.CreateTempSubdirectory("fileapi-test-keys-").FullName;
    private readonly LocalTokenIssuer _tokens;
    private readonly TestTokenCredential _credential;
    private readonly HttpClient _client;
    private readonly BlobStorage _storage;

    public UserDelegationAzuriteTests()
    {
        var azurite = AzuriteServer.OAuthInstance;
        _tokens = LocalTokenIssuer.LoadOrCreate(_keyDirectory);
        // Azurite checks that a token comes from an Entra issuer, is for storage, and is within its lifetime.
        _credential = new TestTokenCredential(() => _tokens.Mint(AppObjectId, "fileapi", null,
            $"https://sts.windows.net/{LocalTokenIssuer.LocalTenantId}/", "https://storage.azure.com", TimeSpan.FromHours(1)));
        var options = azurite.For($"test-{Guid.NewGuid():N}");
        options.AccountKey = null;
        _client = new HttpClient(azurite.CreateHandler());
        _storage = new BlobStorage(Microsoft.Extensions.Options.Options.Create(options), NullLogger<BlobStorage>.Instance,
            new HttpClientTransport(new HttpClient(azurite.CreateHandler())), _credential);
    }

    public Task InitializeAsync() => _storage.CreateContainerIfNotExistsAsync(CancellationToken.None);

    [Fact]
    public async Task UserDelegationLinksUploadAndDownloadTheBlob()
    {
        var name = $"{UniqueBlobName()}/report ✓.pdf";
        var content = RandomBytes(3000);

        var upload = await _storage.CreateUploadUriAsync(name, InAnHour, CancellationToken.None);
        using var put = await _client.PutBlobAsync(upload, content);
        var properties = await _storage.GetPropertiesAsync(name, CancellationToken.None);
        using var download = await _client.GetBlobAsync(await _storage.CreateDownloadUriAsync(name, "report ✓.pdf", InAnHour, null, CancellationToken.None));

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        var query = QueryHelpers.ParseQuery(upload.Query);
        Assert.Equal((AppObjectId, LocalTokenIssuer.LocalTenantId, "https"), (query["skoid"].ToString(), query["sktid"].ToString(), query["spr"].ToString()));
        Assert.Equal(3000, properties?.ContentLength);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(content, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal("attachment; filename=\"report _.pdf\"; filename*=UTF-8''report%20%E2%9C%93.pdf",
            download.Content.Headers.NonValidated["Content-Disposition"].ToString());
        Assert.NotEmpty(_credential.RequestedScopes);
        Assert.All(_credential.RequestedScopes, scope => Assert.Equal("https://storage.azure.com/.default", scope));
    }

    [Fact]
    public async Task OnlyTheTestHandlerTrustsAzuritesCertificate()
    {
        using var systemTrust = new HttpClient();

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => systemTrust.GetAsync(AzuriteServer.OAuthInstance.ServiceUri + "?comp=list"));

        Assert.IsType<System.Security.Authentication.AuthenticationException>(error.InnerException);
    }

    [Fact]
    public async Task UserDelegationLinksReachOnlyTheirBlobWithTheirPermissions()
    {
        var name = UniqueBlobName();
        var other = UniqueBlobName();
        (await _client.PutBlobAsync(await _storage.CreateUploadUriAsync(name, InAnHour, CancellationToken.None), RandomBytes(10))).EnsureSuccessStatusCode();
        (await _client.PutBlobAsync(await _storage.CreateUploadUriAsync(other, InAnHour, CancellationToken.None), RandomBytes(10))).EnsureSuccessStatusCode();

        using var writeWithDownloadLink = await _client.PutBlobAsync(await _storage.CreateDownloadUriAsync(name, "a.bin", InAnHour, null, CancellationToken.None), RandomBytes(10));
        using var readOtherBlob = await _client.GetBlobAsync(ForOtherBlob(await _storage.CreateDownloadUriAsync(name, "a.bin", InAnHour, null, CancellationToken.None), other));
        using var writeOtherBlob = await _client.PutBlobAsync(ForOtherBlob(await _storage.CreateUploadUriAsync(name, InAnHour, CancellationToken.None), other), RandomBytes(10));

        Assert.Equal(HttpStatusCode.Forbidden, writeWithDownloadLink.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, readOtherBlob.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, writeOtherBlob.StatusCode);
    }

    [Fact]
    public async Task ALinkSignedWithAnotherKeyIsRefused()
    {
        var name = UniqueBlobName();
        var genuine = await _storage.CreateUploadUriAsync(name, InAnHour, CancellationToken.None);
        var query = QueryHelpers.ParseQuery(genuine.Query);
        // The genuine key's identity, but not its value: what a forger who saw a link could produce.
        var forgedKey = BlobsModelFactory.UserDelegationKey(query["skoid"]!, query["sktid"]!, DateTimeOffset.Parse(query["skt"]!),
            DateTimeOffset.Parse(query["ske"]!), query["sks"]!, query["skv"]!, Convert.ToBase64String(RandomBytes(32)));
        var forgedLink = new BlobSasBuilder(BlobSasPermissions.Read | BlobSasPermissions.Write, InAnHour)
        {
            BlobContainerName = _storage.ContainerName,
            BlobName = name,
            Resource = "b",
            Protocol = SasProtocol.Https,
        };
        var forged = new BlobUriBuilder(_storage.BlobUri(name)) { Sas = forgedLink.ToSasQueryParameters(forgedKey, AzuriteServer.EmulatorAccountName) }.ToUri();

        using var response = await _client.PutBlobAsync(forged, RandomBytes(10));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Null(await _storage.GetPropertiesAsync(name, CancellationToken.None));
    }

    public Task DisposeAsync()
    {
        _client.Dispose();
        _tokens.Dispose();
        Directory.Delete(_keyDirectory, recursive: true);
        return Task.CompletedTask;
    }
}
