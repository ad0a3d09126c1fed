using System.Net;
using System.Net.Http.Json;
using FileApi.Data;
using FileApi.Files;
using FileApi.Http;
using FileApi.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace FileApi.Tests.Files;

/// <summary>
/// Two waiting polls per caller, three in all, five versions listed at most; a fake clock drives the shared re-read of
/// waited versions, every half second (as on SQL Server).
/// </summary>
public sealed class WaitCapsFactory : FileApiFactory
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings =>
    [
        new("Files:MaxWaitsPerCaller", "2"),
        new("Files:MaxWaits", "3"),
        new("Files:MaxVersionsListed", "5"),
        new("Files:WaitedVersionRereadInterval", WaitCapsTests.RereadInterval.ToString()),
    ];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }
}

public sealed class WaitCapsTests(WaitCapsFactory factory) : IClassFixture<WaitCapsFactory>
{
    // Bounds a wait for something that must happen, so a broken build fails instead of hanging; never a timing assertion.
    const int BoundSteps = 100;
    public static readonly TimeSpan RereadInterval = TimeSpan.FromMilliseconds(500);

    readonly HttpClient _owner = factory.CreateClientFor(FileApiFactory.Owner);

    VersionWaiters Waiters => factory.Services.GetRequiredService<VersionWaiters>();

    [Fact]
    public async Task ACallerOverItsShareOfWaitingPollsGets429AndAnInstanceOverItsTotalGets503()
    {
        await factory.GrantAsync("cap-viewer", WorkspaceRole.Viewer);
        await factory.GrantAsync("cap-other", WorkspaceRole.Viewer);
        var viewer = factory.CreateClientFor("cap-viewer");
        var other = factory.CreateClientFor("cap-other");
        var upload = await factory.RegisterAndPutAsync(_owner, "path/caps/waited.txt", [1, 2, 3]);
        var waitUrl = $"{factory.FilesBase}/{upload.FileId}?version_id={upload.VersionId}&wait=60";

        var held = new List<Task<HttpResponseMessage>> { _owner.GetAsync(waitUrl), _owner.GetAsync(waitUrl) };
        await UntilAsync(() => Waiters.ActivePolls == 2);
        using var ownersThird = await _owner.GetAsync(waitUrl);
        held.Add(viewer.GetAsync(waitUrl));
        await UntilAsync(() => Waiters.ActivePolls == 3);
        using var overTotal = await other.GetAsync(waitUrl);

        await StrictJson.ReadProblemAsync(ownersThird, HttpStatusCode.TooManyRequests, Problems.TooManyWaits);
        Assert.NotNull(ownersThird.Headers.RetryAfter);
        await StrictJson.ReadProblemAsync(overTotal, HttpStatusCode.ServiceUnavailable, Problems.WaitsUnavailable);
        Assert.NotNull(overTotal.Headers.RetryAfter);

        using var complete = await _owner.PostAsync($"{factory.FilesBase}/{upload.FileId}/versions/{upload.VersionId}/complete", null);
        Assert.Equal(HttpStatusCode.OK, complete.StatusCode);
        foreach (var answer in await Task.WhenAll(held))
            using (answer)
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(0, Waiters.ActivePolls);
        // The slots are free again.
        using var again = await other.GetAsync(waitUrl);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task AVersionFinishedByAnotherInstanceWakesItsWaiterAtTheSharedRead()
    {
        var upload = await factory.RegisterAndPutAsync(_owner, "path/caps/elsewhere.txt", [4]);
        var poll = _owner.GetAsync($"{factory.FilesBase}/{upload.FileId}?version_id={upload.VersionId}&wait=60");
        await UntilAsync(() => Waiters.ActivePolls == 1);

        // Another instance fails the version and announces nothing (as a SQL Server one): only the shared re-read can see it.
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var versionId = long.Parse(upload.VersionId);
            await scope.ServiceProvider.GetRequiredService<FileApiDb>().FileVersions
                .Where(v => v.FileId == upload.FileId && v.VersionId == versionId)
                .ExecuteUpdateAsync(set => set.SetProperty(v => v.Status, VersionStatus.Failed).SetProperty(v => v.FailureReason, "failed elsewhere"));
        }
        // Half-second steps of fake time, fewer than the poll's 60 s: only a poller read can answer it as failed.
        for (var step = 0; step < BoundSteps && !poll.IsCompleted; step++)
        {
            factory.Clock.Advance(RereadInterval);
            await Task.Delay(20);
        }

        using var answer = await poll;
        await StrictJson.ReadProblemAsync(answer, HttpStatusCode.Conflict, Problems.VersionFailed);
    }

    [Fact]
    public async Task IncludeVersionsListsTheNewestUpToVersionsLimit()
    {
        var uploaded = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var upload = await factory.RegisterAndPutAsync(_owner, "path/caps/history.txt", [(byte)i]);
            using var complete = await _owner.PostAsync($"{factory.FilesBase}/{upload.FileId}/versions/{upload.VersionId}/complete", null);
            Assert.Equal(HttpStatusCode.OK, complete.StatusCode);
            uploaded.Add(upload.VersionId);
        }
        var url = $"{factory.FilesBase}/path/caps/history.txt?include_versions=true";

        var two = await _owner.GetFromJsonAsync<FileResponse>(url + "&versions_limit=2", FileApiFactory.Json);
        var all = await _owner.GetFromJsonAsync<FileResponse>(url, FileApiFactory.Json);
        using var overMax = await _owner.GetAsync(url + "&versions_limit=6");
        using var zero = await _owner.GetAsync(url + "&versions_limit=0");

        Assert.Equal([uploaded[2], uploaded[1]], two!.Versions!.Select(v => v.VersionId));
        Assert.Equal(Enumerable.Reverse(uploaded), all!.Versions!.Select(v => v.VersionId));
        await StrictJson.ReadProblemAsync(overMax, HttpStatusCode.BadRequest, Problems.InvalidQuery);
        await StrictJson.ReadProblemAsync(zero, HttpStatusCode.BadRequest, Problems.InvalidQuery);
    }

    static Task UntilAsync(Func<bool> condition) => Eventually.UntilAsync(condition, "the waits to be admitted");
}
