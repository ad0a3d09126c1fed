using System.Text.Json;
using Azure.Storage.Blobs.Models;
using FileApi.Storage;
using FileApi.Tests.Infrastructure;

namespace FileApi.Tests.Storage;

// CORS rules belong to the account, which all test classes share; the classes that change them share a collection.
[Collection(BlobServiceCorsCollection.Name)]
public sealed class CorsRulesTests(StorageTestContainer container) : IClassFixture<StorageTestContainer>
{
    private readonly BlobStorage _storage = container.Storage;

    [Fact]
    public async Task CorsRulesRoundTripAndOtherServicePropertiesStay()
    {
        // Something other than CORS that a blind write of the properties would reset.
        var arranged = (await container.Service.GetPropertiesAsync()).Value;
        arranged.HourMetrics = new BlobMetrics { Version = "1.0", Enabled = true, IncludeApis = true, RetentionPolicy = new BlobRetentionPolicy { Enabled = true, Days = 3 } };
        await container.Service.SetPropertiesAsync(arranged);
        var before = await _storage.GetServicePropertiesAsync(CancellationToken.None);
        CorsRule[] rules =
        [
            new(["https://app.example.com", "https://admin.example.com"], ["PUT", "GET", "HEAD"],
                ["x-ms-blob-type", "x-ms-version", "content-type"], ["etag", "x-ms-request-id"], 3600),
            new(["*"], ["GET"], ["*"], ["*"], 60),
        ];

        await _storage.SetCorsRulesAsync(rules, CancellationToken.None);
        var after = await _storage.GetServicePropertiesAsync(CancellationToken.None);

        Assert.Equal(rules.Select(Describe), after.Cors.Select(Describe));
        Assert.Equal((true, 3), (after.HourMetrics.Enabled, after.HourMetrics.RetentionPolicy.Days));
        Assert.Equal(WithoutCors(before), WithoutCors(after));
    }

    [Fact]
    public async Task CorsRulesLetABrowserPreflightAnUploadFromAnAllowedOriginOnly()
    {
        await _storage.SetCorsRulesAsync(
            [new(["https://app.example.com"], ["PUT"], ["x-ms-blob-type", "content-type"], ["etag"], 600)],
            CancellationToken.None);
        var blob = await _storage.CreateUploadUriAsync(StorageTestContainer.UniqueBlobName(), StorageTestContainer.InAnHour, CancellationToken.None);

        using var allowed = await Preflight(blob, "https://app.example.com");
        using var otherOrigin = await Preflight(blob, "https://evil.example.com");

        Assert.True(allowed.IsSuccessStatusCode, $"preflight answered {allowed.StatusCode}");
        Assert.Equal("https://app.example.com", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False(otherOrigin.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task AnEmptyListRemovesAllCorsRules()
    {
        await _storage.SetCorsRulesAsync([new(["https://app.example.com"], ["GET"], ["*"], ["*"], 5)], CancellationToken.None);

        await _storage.SetCorsRulesAsync([], CancellationToken.None);

        var properties = await _storage.GetServicePropertiesAsync(CancellationToken.None);
        Assert.Empty(properties.Cors);
    }

    private Task<HttpResponseMessage> Preflight(Uri blob, string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, blob.AbsoluteUri);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "PUT");
        request.Headers.Add("Access-Control-Request-Headers", "x-ms-blob-type,content-type");
        return container.Client.SendAsync(request);
    }

    private static string Describe(CorsRule rule) =>
        $"{string.Join(',', rule.AllowedOrigins)}|{string.Join(',', rule.AllowedMethods)}|{string.Join(',', rule.AllowedHeaders)}|{string.Join(',', rule.ExposedHeaders)}|{rule.MaxAgeSeconds}";

    private static string Describe(BlobCorsRule rule) =>
        $"{rule.AllowedOrigins}|{rule.AllowedMethods}|{rule.AllowedHeaders}|{rule.ExposedHeaders}|{rule.MaxAgeInSeconds}";

    private static string WithoutCors(BlobServiceProperties properties)
    {
        var cors = properties.Cors;
        properties.Cors = [];
        try
        {
            return JsonSerializer.Serialize(properties);
        }
        finally
        {
            properties.Cors = cors;
        }
    }
}
