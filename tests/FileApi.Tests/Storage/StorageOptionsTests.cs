using FileApi.Storage;
using FileApi.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FileApi.Tests.Storage;

public sealed class StorageOptionsTests
{
    private static readonly Dictionary<string, string?> Valid = new()
    {
        ["Storage:ServiceUri"] = "https://myaccount.blob.core.windows.net",
        ["Storage:AccountName"] = "myaccount",
        ["Storage:AccountKey"] = AzuriteServer.EmulatorAccountKey,
    };

    [Fact]
    public void AddBlobStorageBindsTheStorageSectionWithDefaults()
    {
        using var services = Services(Valid);

        var options = services.GetRequiredService<IOptions<StorageOptions>>().Value;

        Assert.Equal(("files", TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(10)),
            (options.Container, options.UploadLinkLifetime, options.DownloadLinkLifetime));
        Assert.Same(services.GetRequiredService<BlobStorage>(), services.GetRequiredService<BlobStorage>());
    }

    [Fact]
    public void DownloadLinkLifetimeUnderFiveMinutesIsRejected()
    {
        using var services = Services(With("Storage:DownloadLinkLifetime", "00:04:59"));

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<StorageOptions>>().Value);

        Assert.Contains("DownloadLinkLifetime", error.Message);
    }

    [Fact]
    public void UploadLinkLifetimeMayBeSecondsLong()
    {
        using var services = Services(With("Storage:UploadLinkLifetime", "00:00:02"));

        Assert.Equal(TimeSpan.FromSeconds(2), services.GetRequiredService<IOptions<StorageOptions>>().Value.UploadLinkLifetime);
    }

    [Theory]
    [InlineData("Storage:ServiceUri", null, "ServiceUri")]
    [InlineData("Storage:AccountName", null, "AccountName")]
    [InlineData("Storage:AccountKey", "not base64!", "AccountKey")]
    [InlineData("Storage:Container", "Bad_Name", "Container")]
    [InlineData("Storage:ServiceUri", "http://127.0.0.1:10000/otheraccount", "ServiceUri")]
    public void InvalidSettingsAreRejectedNamingTheSetting(string key, string? value, string named)
    {
        using var services = Services(With(key, value));

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<StorageOptions>>().Value);

        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void WithoutAnAccountKeyTheClientUsesEntraIdAndUserDelegationLinks()
    {
        using var services = Services(With("Storage:AccountKey", null));

        // Nothing is fetched until the first request or link, so this needs no Azure.
        Assert.NotNull(services.GetRequiredService<BlobStorage>());
    }

    [Theory]
    [InlineData("Storage:UploadLinkLifetime")]
    [InlineData("Storage:DownloadLinkLifetime")]
    public void WithoutAnAccountKeyLinksMayNotOutliveAUserDelegationKey(string key)
    {
        using var services = Services(new(With("Storage:AccountKey", null)) { [key] = "6.00:00:01" });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<StorageOptions>>().Value);

        Assert.Contains(key, error.Message);
    }

    private static Dictionary<string, string?> With(string key, string? value) => new(Valid) { [key] = value };

    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddBlobStorage()
            .BuildServiceProvider();
    }
}
