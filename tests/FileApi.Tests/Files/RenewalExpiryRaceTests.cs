using System.Net;
using System.Net.Http.Json;
using FileApi.Data;
using FileApi.Files;
using FileApi.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace FileApi.Tests.Files;

/// <summary>
/// A fake clock and short links, so an upload is abandoned after 3 seconds of the clock. Links are signed with this clock,
/// so it must stay within the 5 minutes a link starts in the past of the real one that Azurite reads.
/// </summary>
public class FakeClockFactory : FileApiFactory
{
    public static readonly TimeSpan AbandonedAfter = TimeSpan.FromSeconds(3);

    /// <summary>40 rounds advance the clock by at most 3.5 s each, so it stays under 5 minutes ahead.</summary>
    public static readonly TimeSpan AheadOfRealTime = TimeSpan.FromSeconds(30);

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings =>
        [new("Storage:UploadLinkLifetime", "00:00:02"), new("Lifecycle:ExpiryGrace", "00:00:01")];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }
}

public class RenewalExpiryRaceTests(FakeClockFactory factory) : IClassFixture<FakeClockFactory>
{
    readonly HttpClient _api = factory.CreateClientFor(FileApiFactory.Owner);

    [Fact]
    public async Task ARenewalRacingExpiryNeverReturnsALinkForAFailedVersion()
    {
        var (renewed, expired) = (0, 0);
        for (var round = 0; round < 40; round++)
        {
            // Links are signed with this clock and checked by Azurite against the real one. Kept a little ahead of it, so
            // a 2-second link still works for its first block on a slow machine (and within the 5 minutes a link starts early).
            if (DateTimeOffset.UtcNow + FakeClockFactory.AheadOfRealTime > factory.Clock.GetUtcNow())
                factory.Clock.SetUtcNow(DateTimeOffset.UtcNow + FakeClockFactory.AheadOfRealTime);
            var upload = await _api.RegisterAsync($"{factory.FilesBase}/path/race/round-{round}.bin");
            using (var block = await TestData.PutBlockAsync(upload.Upload, TestData.BlockId(0), [1, 2, 3]))
                Assert.Equal(HttpStatusCode.Created, block.StatusCode);
            // Half the rounds land just before the cutoff, half just after it.
            factory.Clock.Advance(FakeClockFactory.AbandonedAfter + TimeSpan.FromMilliseconds(round % 2 == 0 ? -500 : 500));

            var renewal = _api.PutAsync($"{factory.FilesBase}/{upload.FileId}?version_id={upload.VersionId}", null);
            var pass = RunReconcilerPassAsync();
            await Task.WhenAll(renewal, pass);
            using var answer = await renewal;

            var version = await factory.VersionAsync(upload);
            if (answer.StatusCode == HttpStatusCode.OK)
            {
                renewed++;
                var link = (await answer.Content.ReadFromJsonAsync<UploadResponse>(FileApiFactory.Json))!;
                Assert.Equal(VersionStatus.Uploading, version.Status);
                Assert.True(version.UploadExpiresAt > factory.Clock.GetUtcNow());
                Assert.Equal(upload.VersionId, link.VersionId);
            }
            else
            {
                expired++;
                await StrictJson.ReadProblemAsync(answer, HttpStatusCode.BadRequest, "urn:fileapi:problem:version-not-uploading");
                Assert.Equal(VersionStatus.Failed, version.Status);
                Assert.Equal(FailureCodes.Expired, version.FailureCode);
            }
        }

        Assert.True(renewed > 0 && expired > 0, $"renewed {renewed}, expired {expired}");
    }

    async Task RunReconcilerPassAsync()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var report = await scope.ServiceProvider.GetRequiredService<Reconciler>().RunPassAsync(sweepOrphans: false, CancellationToken.None);
        Assert.True(report.Ran);
    }
}
