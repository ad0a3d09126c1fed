using System.Xml.Linq;
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
        var before = await _storage.GetServicePropertiesAsync(CancellationToken.None);
        CorsRule[] rules =
        [
            new(["https://app.example.com", "https://admin.example.com"], ["PUT", "GET", "HEAD"],
                ["x-ms-blob-type", "x-ms-version", "content-type"], ["etag", "x-ms-request-id"], 3600),
            new(["*"], ["GET"], ["*"], ["*"], 60),
        ];

        await _storage.SetCorsRulesAsync(rules, CancellationToken.None);
        var after = await _storage.GetServicePropertiesAsync(CancellationToken.None);

        Assert.Equal(rules.Select(Describe), after.Root!.Element("Cors")!.Elements("CorsRule").Select(Describe));
        Assert.Equal(WithoutCors(before), WithoutCors(after));
    }

    [Fact]
    public async Task CorsRulesLetABrowserPreflightAnUploadFromAnAllowedOriginOnly()
    {
        await _storage.SetCorsRulesAsync(
            [new(["https://app.example.com"], ["PUT"], ["x-ms-blob-type", "content-type"], ["etag"], 600)],
            CancellationToken.None);
        var blob = _storage.CreateUploadUri(StorageTestContainer.UniqueBlobName(), StorageTestContainer.InAnHour);

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
        Assert.Empty(properties.Root!.Element("Cors")?.Elements("CorsRule") ?? []);
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

    private static string Describe(XElement rule) =>
        string.Join('|', new[] { "AllowedOrigins", "AllowedMethods", "AllowedHeaders", "ExposedHeaders", "MaxAgeInSeconds" }
            .Select(name => rule.Element(name)?.Value));

    private static string WithoutCors(XDocument properties)
    {
        var copy = new XDocument(properties);
        copy.Root!.Element("Cors")?.Remove();
        return copy.ToString(SaveOptions.DisableFormatting);
    }
}
