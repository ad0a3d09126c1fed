using FileApi.Tests.Infrastructure;
using Microsoft.Playwright;

namespace FileApi.Tests.Browser;

/// <summary>
/// The uploader page's folder tree (the API's folder view, with breadcrumbs), and the content type and metadata it
/// declares for each upload. Part of <see cref="BrowserUploaderTests"/> so that they share its one API and so its one
/// origin in the blob service's CORS rules, which every class would otherwise set for its own.
/// </summary>
public sealed partial class BrowserUploaderTests
{
    [Fact]
    public async Task ThePageDeclaresTypeAndMetadataAndBrowsesTheFolderTreeWithBreadcrumbs()
    {
        using var files = new TemporaryFolder();
        var collars = files.Write("collars.csv", "hole,x,y\nDH1,10,20\n");
        var notes = files.Write("notes.txt", "drilled in March");
        var page = await browser.OpenUploaderAsync();
        await SignInAsync(page);

        await page.FillAsync("#folder", "surveys");
        await page.FillAsync("#metadata", "survey=S-42\ncrs = EPSG:28355\n");
        await page.SetInputFilesAsync("#files", collars);
        await page.Locator(".upload[data-state='done']", new PageLocatorOptions { HasText = "collars.csv" }).WaitForAsync();
        await page.FillAsync("#folder", "surveys/2026");
        await page.FillAsync("#metadata", "");
        await page.SetInputFilesAsync("#files", notes);
        await page.Locator(".upload[data-state='done']", new PageLocatorOptions { HasText = "notes.txt" }).WaitForAsync();

        // The root shows one subfolder and no files of its own. The list refreshes after each upload, so the count may
        // still be the first upload's for a moment: wait for the second.
        var surveys = page.Locator("tr.folder[data-folder='/surveys/']");
        await page.Locator("tr.folder[data-folder='/surveys/']", new PageLocatorOptions { HasText = "2 files" }).WaitForAsync();
        Assert.Contains("2 files", await surveys.InnerTextAsync());
        Assert.Equal(0, await page.Locator("#files-body tr[data-name='collars.csv']").CountAsync());

        await surveys.Locator("button").ClickAsync();
        await page.Locator("tr.folder[data-folder='/surveys/2026/']").WaitForAsync();
        Assert.Equal("Workspace root / surveys", await BreadcrumbsAsync(page));
        var csv = page.Locator("#files-body tr[data-name='collars.csv']");
        Assert.Equal("text/csv", (await csv.Locator(".content-type").InnerTextAsync()).Trim());
        Assert.Equal(["crs EPSG:28355", "survey S-42"], await csv.Locator(".metadata li").EvaluateAllAsync<string[]>("items => items.map(item => item.textContent)"));
        await csv.Locator("li.version.latest").WaitForAsync();
        await SaveFolderScreenshotAsync(page);

        var stored = await GetFileAsync("surveys/collars.csv");
        Assert.Equal("text/csv", stored.ContentType);
        Assert.Equal(new Dictionary<string, string> { ["crs"] = "EPSG:28355", ["survey"] = "S-42" }, stored.Metadata);
        using (var download = await TestData.GetAsync(stored.Download))
            Assert.Equal("text/csv", download.Content.Headers.ContentType?.MediaType);

        await page.Locator("tr.folder[data-folder='/surveys/2026/'] button").ClickAsync();
        var text = page.Locator("#files-body tr[data-name='notes.txt']");
        await text.WaitForAsync();
        Assert.Equal("Workspace root / surveys / 2026", await BreadcrumbsAsync(page));
        Assert.Equal("text/plain", (await text.Locator(".content-type").InnerTextAsync()).Trim());
        Assert.Equal(0, await text.Locator(".metadata li").CountAsync());
        Assert.Equal("surveys/2026", await page.InputValueAsync("#folder")); // uploads now go where the list is

        await page.Locator("#breadcrumbs button[data-folder='/']").ClickAsync();
        await page.Locator("#breadcrumbs .current", new PageLocatorOptions { HasText = "Workspace root" }).WaitForAsync();
        await surveys.WaitForAsync();
        Assert.Equal(0, await page.Locator("#files-body tr[data-name='notes.txt']").CountAsync());
    }

    [Fact]
    public async Task AMetadataLineWithoutAnEqualsSignStopsTheUploadBeforeItStarts()
    {
        using var files = new TemporaryFolder();
        var file = files.Write("refused.txt", "x");
        var page = await browser.OpenUploaderAsync();
        await SignInAsync(page);

        await page.FillAsync("#metadata", "just words");
        await page.SetInputFilesAsync("#files", file);

        await page.Locator("#upload-error", new PageLocatorOptions { HasText = "not key=value" }).WaitForAsync();
        Assert.Equal(0, await page.Locator(".upload").CountAsync());
        using var api = browser.Api.CreateClientFor(FileApiFactory.Owner);
        using var missing = await api.GetAsync($"{browser.Api.FilesBase}/path/refused.txt");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
    }

    static async Task<string> BreadcrumbsAsync(IPage page) =>
        string.Join(" ", await page.Locator("#breadcrumbs > *").EvaluateAllAsync<string[]>("items => items.map(item => item.textContent)"));

    /// <summary>Written to the test output folder; with FILEAPI_UPDATE_SCREENSHOTS=1 also to docs/images for the docs.</summary>
    static async Task SaveFolderScreenshotAsync(IPage page)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "screenshots", "browser-folders.png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        if (Environment.GetEnvironmentVariable("FILEAPI_UPDATE_SCREENSHOTS") == "1")
            File.Copy(path, Path.Combine(Repository.Root, "docs", "images", "browser-folders.png"), overwrite: true);
    }

    sealed class TemporaryFolder : IDisposable
    {
        readonly string _directory = Directory.CreateTempSubdirectory("fileapi-browser-").FullName;

        public string Write(string name, string content)
        {
            var path = Path.Combine(_directory, name);
            File.WriteAllText(path, content);
            return path;
        }

        public void Dispose() => Directory.Delete(_directory, recursive: true);
    }
}
