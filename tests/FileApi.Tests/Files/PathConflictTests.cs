using System.Net;
using System.Net.Http.Json;
using FileApi.Data;
using FileApi.Files;
using FileApi.Http;
using FileApi.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FileApi.Tests.Files;

public class PathConflictTests(FileApiFactory factory) : IClassFixture<FileApiFactory>
{
    // Enough rounds that, without the path locks, some round lets both a file "x" and a file "x/y.txt" in.
    const int RaceRounds = 60;

    readonly HttpClient _api = factory.CreateClientFor(FileApiFactory.Owner);

    [Fact]
    public async Task RegisteringUnderALiveFileIs409PathConflictInAnyCase()
    {
        await _api.RegisterAsync($"{factory.FilesBase}/path/conflict/x");

        using var under = await _api.PutAsync($"{factory.FilesBase}/path/conflict/x/y.txt", null);
        using var underOtherCase = await _api.PutAsync($"{factory.FilesBase}/path/conflict/X/deeper/y.txt", null);

        await StrictJson.ReadProblemAsync(under, HttpStatusCode.Conflict, Problems.PathConflict);
        await StrictJson.ReadProblemAsync(underOtherCase, HttpStatusCode.Conflict, Problems.PathConflict);
        Assert.Equal(0, await LiveFilesAsync(f => f.PathKey.StartsWith("conflict/x/")));
    }

    [Fact]
    public async Task RegisteringAFileWhereLiveFilesAreIsAFolderIs409ButNeighboursAndNewVersionsAreFine()
    {
        var first = await _api.RegisterAsync($"{factory.FilesBase}/path/folder/a/b.txt");

        using var asFile = await _api.PutAsync($"{factory.FilesBase}/path/folder/A", null);
        var newVersion = await _api.RegisterAsync($"{factory.FilesBase}/path/folder/a/b.txt");
        var neighbour = await _api.RegisterAsync($"{factory.FilesBase}/path/folder/ab");
        var sibling = await _api.RegisterAsync($"{factory.FilesBase}/path/folder/a/c.txt");

        await StrictJson.ReadProblemAsync(asFile, HttpStatusCode.Conflict, Problems.PathConflict);
        Assert.Equal(first.FileId, newVersion.FileId);
        Assert.NotEqual(first.FileId, neighbour.FileId);
        Assert.NotEqual(first.FileId, sibling.FileId);
        Assert.Equal(0, await LiveFilesAsync(f => f.PathKey == "folder/a"));
    }

    [Fact]
    public async Task ADeletedFileFreesItsNameForAFolderAndIsRestoredBesideIt()
    {
        var file = await factory.UploadReadyAsync(_api, "path/freed/x", [1]);
        using var deleted = await _api.DeleteAsync($"{factory.FilesBase}/{file.FileId}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        var under = await _api.RegisterAsync($"{factory.FilesBase}/path/freed/x/y.txt");
        var noRedirects = factory.CreateClientFor(FileApiFactory.Owner, followRedirects: false);
        using var restore = await noRedirects.PutAsync($"{factory.FilesBase}/{file.FileId}?deleted=false", null);
        var restored = await restore.Content.ReadFromJsonAsync<FileResponse>(FileApiFactory.Json);

        Assert.NotEqual(file.FileId, under.FileId);
        Assert.Equal(HttpStatusCode.SeeOther, restore.StatusCode);
        Assert.Equal("x (restored)", restored!.Name);
    }

    [Fact]
    public async Task AFileAndAFolderRegisteredAtOnceNeverBothGetIn()
    {
        for (var round = 0; round < RaceRounds; round++)
        {
            var asFile = $"{factory.FilesBase}/path/race{round}/x";
            var asFolder = $"{factory.FilesBase}/path/race{round}/x/y{{0}}.txt";
            var answers = await Task.WhenAll(
                _api.PutAsync(asFile, null), _api.PutAsync(string.Format(asFolder, 1), null),
                _api.PutAsync(asFile, null), _api.PutAsync(string.Format(asFolder, 2), null));

            var fileIn = answers.Where((_, i) => i % 2 == 0).Any(a => a.StatusCode == HttpStatusCode.OK);
            var folderIn = answers.Where((_, i) => i % 2 == 1).Any(a => a.StatusCode == HttpStatusCode.OK);
            Assert.All(answers, a => Assert.Contains(a.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.Conflict }));
            Assert.True(fileIn ^ folderIn, $"round {round}: file {fileIn}, folder {folderIn}");
            var prefix = $"race{round}/x";
            var stored = await LiveFilesAsync(f => f.PathKey == prefix);
            var storedUnder = await LiveFilesAsync(f => f.PathKey.StartsWith(prefix + "/"));
            Assert.True(stored == 0 || storedUnder == 0, $"round {round}: {stored} file(s) x and {storedUnder} under x/");
            foreach (var answer in answers)
                answer.Dispose();
        }
    }

    async Task<int> LiveFilesAsync(System.Linq.Expressions.Expression<Func<StoredFile, bool>> where)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<FileApiDb>().Files
            .Where(f => f.WorkspaceId == factory.WorkspaceId && f.DeletedAt == null).CountAsync(where);
    }
}
