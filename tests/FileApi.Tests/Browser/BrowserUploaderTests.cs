using System.Globalization;
using System.Net.Http.Json;
using FileApi.Files;
using FileApi.Storage;
using FileApi.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace FileApi.Tests.Browser;

/// <summary>
/// The uploader page at /app/ in real headless Chromium, against the API over HTTP and Azurite: it signs in, uploads
/// straight to blob storage in blocks, lists and downloads, and resumes after a reload. Small blocks (64 KiB) make a
/// few-megabyte file many blocks. Put Block requests are counted from Playwright's request events.
/// </summary>
[Collection(BlobServiceCorsCollection.Name)]
public sealed partial class BrowserUploaderTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    const int BlockSize = 64 * 1024;
    const int Concurrency = 4;
    const string Query = "?block_size=65536&concurrency=4";
    const string PendingUploadsKey = "fileapi.uploads.v1";

    // Collects every value the page shows as bytes uploaded, in order (each change's old value, then the last one).
    const string RecordProgressScript = """
        () => {
          window.progressSamples = [];
          new MutationObserver((records) => {
            for (const record of records) if (record.oldValue !== null) window.progressSamples.push(Number(record.oldValue));
          }).observe(document.getElementById("uploads"), { subtree: true, attributes: true, attributeOldValue: true, attributeFilter: ["data-loaded"] });
        }
        """;

    [Fact]
    public async Task ThePageUploadsInBlocksWithByteExactProgressListsTheVersionsAndDownloadsTheSameBytes()
    {
        var first = TestData.RandomBytes(3 * 1024 * 1024 + 12_345);
        using var file = new TemporaryFile("quarterly report.bin", first);
        var page = await browser.OpenUploaderAsync(Query);
        var requests = BlobRequests.Count(page, browser.Api.Origin);

        await SignInAsync(page);
        await page.EvaluateAsync(RecordProgressScript);
        await page.SetInputFilesAsync("#files", file.Path);
        var row = await WaitUntilFinishedAsync(page, file.Name);

        var (value, max) = await ProgressAsync(row);
        Assert.Equal(first.Length, value);
        Assert.Equal(first.Length, max);
        Assert.Contains($"100% · {Bytes(first.Length)} of {Bytes(first.Length)} bytes", await row.InnerTextAsync());
        var samples = (await page.EvaluateAsync<long[]>("() => window.progressSamples")).Append(first.Length).ToArray();
        Assert.True(samples.Zip(samples.Skip(1)).All(pair => pair.First <= pair.Second), "progress went backwards: " + string.Join(", ", samples));
        Assert.True(samples.Where(sample => sample > 0 && sample < first.Length).Distinct().Count() >= 10,
            "progress moved in fewer than 10 steps: " + string.Join(", ", samples));
        Assert.Equal(BlockCount(first.Length), requests.PutBlocks);
        Assert.Equal(["2026-06-06"], requests.ServiceVersions); // the API's and the .NET client's, on every Put Block and Put Block List
        var firstVersion = await GetFileAsync(file.Name);

        // The same name again, with other bytes: a second version of the same file.
        var second = TestData.RandomBytes(2 * BlockSize + 1);
        file.Replace(second);
        await page.SetInputFilesAsync("#files", file.Path);
        await page.Locator(".upload[data-state='done']").Nth(1).WaitForAsync();
        var secondVersion = await GetFileAsync(file.Name);
        Assert.Equal(firstVersion.FileId, secondVersion.FileId);

        var versions = page.Locator($"tr[data-file-id='{secondVersion.FileId}'] li.version");
        var latest = versions.And(page.Locator($"[data-version-id='{secondVersion.VersionId}'].latest"));
        await latest.WaitForAsync();
        Assert.Equal([secondVersion.VersionId, firstVersion.VersionId],
            await versions.EvaluateAllAsync<string[]>("items => items.map(item => item.dataset.versionId)"));
        Assert.Equal(second, await DownloadAsync(page, latest, file.Name));
        Assert.Equal(first, await DownloadAsync(page, versions.And(page.Locator($"[data-version-id='{firstVersion.VersionId}']")), file.Name));

        await SaveScreenshotAsync(page);
    }

    [Fact]
    public async Task AfterAReloadMidUploadPickingTheFileAgainSendsOnlyTheMissingBlocks()
    {
        const int blocksBeforeReload = 10;
        var content = TestData.RandomBytes(40 * BlockSize + 777);
        using var file = new TemporaryFile("resumed.bin", content);
        var page = await browser.OpenUploaderAsync(Query);
        await SignInAsync(page);

        // The first blocks go through and the next ones (one per parallel request) are held, so the reload lands
        // mid-transfer with exactly those stored. Unrouting would let the held ones go on, so the route stays, and
        // lets everything through once every request of the first page has reached it.
        var sent = 0;
        var allHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync(url => url.Contains("comp=block&", StringComparison.Ordinal), async route =>
        {
            var number = Interlocked.Increment(ref sent);
            if (number <= blocksBeforeReload || allHeld.Task.IsCompleted)
            {
                await route.ContinueAsync();
                return;
            }
            if (number == blocksBeforeReload + Concurrency)
                allHeld.TrySetResult();
            await release.Task;
            try
            {
                await route.AbortAsync();
            }
            catch (PlaywrightException)
            {
                // The page that asked has gone.
            }
        });
        await page.SetInputFilesAsync("#files", file.Path);
        await page.WaitForFunctionAsync(
            $"() => JSON.parse(localStorage.getItem('{PendingUploadsKey}') ?? '[]').some(r => r.storedBytes >= {blocksBeforeReload * BlockSize})");
        await allHeld.Task.WaitAsync(TimeSpan.FromMinutes(1));

        await page.ReloadAsync();
        release.TrySetResult();
        var requests = BlobRequests.Count(page, browser.Api.Origin);
        await page.Locator($"#pending li[data-name='{file.Name}']").WaitForAsync();

        await page.SetInputFilesAsync("#files", file.Path);
        var row = await WaitUntilFinishedAsync(page, file.Name);

        var blocks = BlockCount(content.Length);
        var text = await row.InnerTextAsync();
        Assert.True(text.Contains($"resumed: {blocksBeforeReload} of {blocks} blocks were already stored", StringComparison.Ordinal), text);
        Assert.Equal(blocks - blocksBeforeReload, requests.PutBlocks);
        Assert.Equal(1, requests.Renewals);
        Assert.Equal((content.Length, content.Length), await ProgressAsync(row));
        Assert.True(await page.Locator("#pending-card").IsHiddenAsync());
        Assert.Equal("[]", await page.EvaluateAsync<string>($"() => localStorage.getItem('{PendingUploadsKey}')"));

        var stored = await GetFileAsync(file.Name);
        Assert.Equal(content.Length, stored.Size);
        using var downloaded = await TestData.GetAsync(stored.Download);
        Assert.Equal(content, await downloaded.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task ABlockAnsweredWith403RenewsTheLinkAndIsSentAgain()
    {
        var content = TestData.RandomBytes(4 * BlockSize + 5);
        using var file = new TemporaryFile("renewed.bin", content);
        var page = await browser.OpenUploaderAsync(Query);
        await SignInAsync(page);
        var requests = BlobRequests.Count(page, browser.Api.Origin);

        // What blob storage answers once a SAS has expired.
        var refused = 0;
        await page.RouteAsync(url => url.Contains("comp=block&", StringComparison.Ordinal), async route =>
        {
            if (Interlocked.Increment(ref refused) == 1)
                await route.FulfillAsync(new RouteFulfillOptions
                {
                    Status = 403,
                    Headers = new Dictionary<string, string> { ["Access-Control-Allow-Origin"] = browser.Api.Origin, ["x-ms-error-code"] = "AuthenticationFailed" },
                    Body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthenticationFailed</Code></Error>",
                });
            else
                await route.ContinueAsync();
        });
        await page.SetInputFilesAsync("#files", file.Path);
        await WaitUntilFinishedAsync(page, file.Name);

        Assert.Equal(1, requests.Renewals);
        Assert.Equal(BlockCount(content.Length) + 1, requests.PutBlocks);
        Assert.Equal(content.Length, (await GetFileAsync(file.Name)).Size);
    }

    [Fact]
    public async Task CancellingStopsTheUploadForgetsItAndAbortsTheVersion()
    {
        var content = TestData.RandomBytes(8 * BlockSize);
        using var file = new TemporaryFile("cancelled.bin", content);
        var page = await browser.OpenUploaderAsync(Query);
        await SignInAsync(page);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync(url => url.Contains("comp=block&", StringComparison.Ordinal), async route =>
        {
            await release.Task;
            try
            {
                await route.AbortAsync();
            }
            catch (PlaywrightException)
            {
            }
        });

        await page.SetInputFilesAsync("#files", file.Path);
        var row = page.Locator(".upload", new PageLocatorOptions { HasText = file.Name });
        await page.Locator($".upload[data-state='uploading']").WaitForAsync();
        var abort = page.WaitForResponseAsync(response => response.Request.Method == "DELETE" && response.Url.Contains("/versions/", StringComparison.Ordinal));
        await row.Locator("button.cancel").ClickAsync();
        await page.Locator(".upload[data-state='cancelled']").WaitForAsync();
        release.TrySetResult();
        var aborted = await abort;

        Assert.Equal(204, aborted.Status);
        using var api = browser.Api.CreateClientFor(FileApiFactory.Owner);
        var version = new Uri(aborted.Url).AbsolutePath.Split('/');
        using var read = await api.GetAsync($"{browser.Api.FilesBase}/{version[^3]}?version_id={version[^1]}");
        Assert.Equal(System.Net.HttpStatusCode.Conflict, read.StatusCode);
        Assert.Contains("aborted", await read.Content.ReadAsStringAsync());

        Assert.Equal("[]", await page.EvaluateAsync<string>($"() => localStorage.getItem('{PendingUploadsKey}')"));
        await page.ReloadAsync();
        await page.Locator("#upload-card:not([hidden])").WaitForAsync();
        Assert.True(await page.Locator("#pending-card").IsHiddenAsync());
    }

    [Fact]
    public async Task AtStartTheApiLetsItsOwnOriginUploadToBlobStorage()
    {
        var storage = browser.Api.Services.GetRequiredService<BlobStorage>();

        var properties = await storage.GetServicePropertiesAsync(CancellationToken.None);

        var rule = Assert.Single(properties.Cors);
        Assert.Equal(browser.Api.Origin, rule.AllowedOrigins);
        Assert.Equal("PUT,GET,HEAD,OPTIONS", rule.AllowedMethods);
        Assert.Equal("*", rule.AllowedHeaders);
        Assert.Equal("ETag,x-ms-*,Content-Length,Content-Range", rule.ExposedHeaders);
    }

    async Task SignInAsync(IPage page)
    {
        await browser.SignInAsync(page, FileApiFactory.Owner);
        await page.Locator("#upload-card:not([hidden])").WaitForAsync();
        await page.SelectOptionAsync("#workspace", browser.Api.WorkspaceId.ToString());
    }

    static async Task<ILocator> WaitUntilFinishedAsync(IPage page, string fileName)
    {
        var row = page.Locator(".upload", new PageLocatorOptions { HasText = fileName });
        await page.Locator(".upload[data-state='done'], .upload[data-state='failed']", new PageLocatorOptions { HasText = fileName }).WaitForAsync();
        Assert.True(await row.GetAttributeAsync("data-state") == "done", await row.InnerTextAsync());
        return row;
    }

    static async Task<byte[]> DownloadAsync(IPage page, ILocator version, string fileName)
    {
        var download = await page.RunAndWaitForDownloadAsync(() => version.Locator(".download").ClickAsync());
        Assert.Equal(fileName, download.SuggestedFilename);
        return await File.ReadAllBytesAsync(await download.PathAsync());
    }

    static async Task<(long Value, long Max)> ProgressAsync(ILocator row)
    {
        var values = await row.Locator("progress").EvaluateAsync<double[]>("progress => [progress.value, progress.max]");
        return ((long)values[0], (long)values[1]);
    }

    async Task<FileResponse> GetFileAsync(string path)
    {
        using var api = browser.Api.CreateClientFor(FileApiFactory.Owner);
        return (await api.GetFromJsonAsync<FileResponse>($"{browser.Api.FilesBase}/path/{Uri.EscapeDataString(path)}", FileApiFactory.Json))!;
    }

    /// <summary>Written to the test output folder; with FILEAPI_UPDATE_SCREENSHOTS=1 also to docs/images for the docs.</summary>
    static async Task SaveScreenshotAsync(IPage page)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "screenshots", "browser-uploader.png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        if (Environment.GetEnvironmentVariable("FILEAPI_UPDATE_SCREENSHOTS") == "1")
            File.Copy(path, Path.Combine(Repository.Root, "docs", "images", "browser-uploader.png"), overwrite: true);
    }

    /// <summary>Counts, from Playwright's request events, the Put Block requests and the upload link renewals a page sends.</summary>
    sealed class BlobRequests
    {
        readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _serviceVersions = new();
        int _putBlocks;
        int _renewals;

        /// <summary>The x-ms-version values the page sent to blob storage.</summary>
        public IReadOnlyList<string> ServiceVersions => _serviceVersions.Keys.Order().ToList();

        public int PutBlocks => Volatile.Read(ref _putBlocks);

        public int Renewals => Volatile.Read(ref _renewals);

        public static BlobRequests Count(IPage page, string apiOrigin)
        {
            var counts = new BlobRequests();
            page.Request += (_, request) =>
            {
                if (request.Method != "PUT")
                    return;
                if (request.Url.Contains("comp=block", StringComparison.Ordinal))
                    counts._serviceVersions[request.Headers.GetValueOrDefault("x-ms-version") ?? "(none)"] = true;
                if (request.Url.Contains("comp=block&", StringComparison.Ordinal))
                    Interlocked.Increment(ref counts._putBlocks);
                else if (request.Url.StartsWith(apiOrigin, StringComparison.Ordinal) && request.Url.Contains("?version_id=", StringComparison.Ordinal))
                    Interlocked.Increment(ref counts._renewals);
            };
            return counts;
        }
    }

    static int BlockCount(long size) => (int)((size + BlockSize - 1) / BlockSize);

    static string Bytes(long count) => count.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A file on disk for the file input, so it keeps one modification time however often it is picked.</summary>
    internal sealed class TemporaryFile : IDisposable
    {
        readonly string _directory = Directory.CreateTempSubdirectory("fileapi-browser-").FullName;

        public TemporaryFile(string name, byte[] content)
        {
            Name = name;
            Path = System.IO.Path.Combine(_directory, name);
            File.WriteAllBytes(Path, content);
        }

        public string Name { get; }

        public string Path { get; }

        /// <summary>New bytes and a later modification time: another file as far as the page can tell.</summary>
        public void Replace(byte[] content)
        {
            var modified = File.GetLastWriteTimeUtc(Path).AddSeconds(1);
            File.WriteAllBytes(Path, content);
            File.SetLastWriteTimeUtc(Path, modified);
        }

        public void Dispose() => Directory.Delete(_directory, recursive: true);
    }
}
