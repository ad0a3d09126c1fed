using System.Net;
using System.Text.Json;
using FileApi.Tests.Infrastructure;
using Npgsql;

namespace FileApi.Tests.Files;

/// <summary>
/// A small tree made through the API, with what must not show as a folder: a folder whose only file was deleted, one
/// whose only file never finished uploading, and two spellings of one folder ("Photos", "photos").
/// </summary>
public sealed class FolderTreeFactory : FileApiFactory
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var api = CreateClientFor(Owner);
        foreach (var path in new[]
        {
            "a.txt", "B.txt", "docs/readme.md", "docs/guide.md", "docs/2026/q1.csv", "docs/2026/q2.csv", "docs/2026/deep/x.bin",
            "Docs-archive/old.txt", "Photos/A.jpg", "photos/b.jpg", "media/img/p.png",
        })
            await this.UploadReadyAsync(api, "path/" + path, [1, 2]);
        foreach (var path in new[] { "gone/deleted.txt", "docs/deleted.txt" })
        {
            var upload = await this.UploadReadyAsync(api, "path/" + path, [1]);
            (await api.DeleteAsync($"{FilesBase}/{upload.FileId}")).EnsureSuccessStatusCode();
        }
        await api.RegisterAsync($"{FilesBase}/path/pending/never-uploaded.txt");
    }
}

public sealed class FolderViewTests(FolderTreeFactory factory) : IClassFixture<FolderTreeFactory>
{
    readonly HttpClient _api = factory.CreateClientFor(FileApiFactory.Owner);

    public static TheoryData<string, string[], long[], string[]> Levels() => new()
    {
        { "/", ["Docs-archive", "docs", "media", "photos"], [1, 5, 1, 2], ["a.txt", "B.txt"] },
        { "/docs/", ["2026"], [3], ["guide.md", "readme.md"] },
        { "/DOCS/2026", ["deep"], [1], ["q1.csv", "q2.csv"] },
        { "/docs/2026/deep/", [], [], ["x.bin"] },
        { "/media/", ["img"], [1], [] },
        { "/photos/", [], [], ["A.jpg", "b.jpg"] },
        { "/gone/", [], [], [] },
        { "/pending/", [], [], [] },
        { "/nowhere/", [], [], [] },
    };

    [Theory]
    [MemberData(nameof(Levels))]
    public async Task FollowingLinksNextShowsEachSubfolderAndFileOfALevelExactlyOnce(string folder, string[] folders, long[] counts, string[] files)
    {
        foreach (var limit in new[] { 1, 2, 3, 100 })
        {
            var pages = await PagesAsync($"{factory.FilesBase}?folder={Uri.EscapeDataString(folder)}&delimiter=/&limit={limit}&offset=0&deleted=false");

            var seenFolders = pages.SelectMany(page => page.GetProperty("folders").EnumerateArray()).ToList();
            var seenFiles = pages.SelectMany(page => page.GetProperty("files").EnumerateArray()).Select(f => f.GetProperty("name").GetString()).ToList();
            Assert.Equal(folders.Select(Fold), seenFolders.Select(f => Fold(f.GetProperty("name").GetString()!)));
            Assert.Equal(counts, seenFolders.Select(f => f.GetProperty("file_count").GetInt64()));
            Assert.Equal(files, seenFiles);
            Assert.All(pages, page => Assert.Equal(folders.Length + files.Length, page.GetProperty("total").GetInt64()));
            Assert.All(pages, page => Assert.Equal(page.GetProperty("folders").GetArrayLength() + page.GetProperty("files").GetArrayLength(), page.GetProperty("count").GetInt32()));
            Assert.All(pages, page => Assert.InRange(page.GetProperty("count").GetInt32(), folders.Length + files.Length == 0 ? 0 : 1, limit));
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public async Task PagingByOffsetShowsEachSubfolderAndFileOfALevelExactlyOnce(string folder, string[] folders, long[] counts, string[] files)
    {
        _ = counts;
        var seenFolders = new List<string>();
        var seenFiles = new List<string>();
        long total = 1;
        for (var offset = 0; offset < total; offset += 2)
        {
            var page = await StrictJson.ReadAsync(await _api.GetAsync($"{factory.FilesBase}?folder={Uri.EscapeDataString(folder)}&delimiter=/&limit=2&offset={offset}"));
            total = page.GetProperty("total").GetInt64();
            seenFolders.AddRange(page.GetProperty("folders").EnumerateArray().Select(f => Fold(f.GetProperty("name").GetString()!)));
            seenFiles.AddRange(page.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("name").GetString()!));
            Assert.True(total == 0 || page.GetProperty("count").GetInt32() > 0);
        }

        Assert.Equal(folders.Select(Fold), seenFolders);
        Assert.Equal(files, seenFiles);
    }

    [Fact]
    public async Task ASubfolderNamesItselfAndLinksToItsOwnLevel()
    {
        var docs = await StrictJson.ReadAsync(await _api.GetAsync($"{factory.FilesBase}?folder=/docs/&delimiter=/"));
        var year = Assert.Single(docs.GetProperty("folders").EnumerateArray());

        Assert.Equal(("2026", "/docs/"), (year.GetProperty("name").GetString(), year.GetProperty("path").GetString()));
        var level = await StrictJson.ReadAsync(await _api.GetAsync(year.GetProperty("links").GetProperty("self").GetString()));
        Assert.Equal(["q1.csv", "q2.csv"], level.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("name").GetString()));
        Assert.All(level.GetProperty("files").EnumerateArray(), f => Assert.Equal("/docs/2026/", f.GetProperty("path").GetString()));
    }

    [Fact]
    public async Task WithoutADelimiterTheListingStaysFlat()
    {
        var flat = await StrictJson.ReadAsync(await _api.GetAsync($"{factory.FilesBase}?folder=/docs/&limit=50&offset=0&deleted=False"));

        Assert.False(flat.TryGetProperty("folders", out _));
        Assert.Equal(5, flat.GetProperty("total").GetInt64());
    }

    [Theory]
    [InlineData("delimiter=%5C")]
    [InlineData("delimiter=")]
    [InlineData("delimiter=/&deleted=true")]
    [InlineData("delimiter=/&file_name=a")]
    [InlineData("delimiter=/&author=someone")]
    [InlineData("delimiter=/&created_at=gte:2026-01-01")]
    [InlineData("delimiter=/&order_by=size")]
    [InlineData("delimiter=/&order_by=path:desc")]
    [InlineData("delimiter=/&cursor=bm90LWEtY3Vyc29y")]
    [InlineData("delimiter=/&limit=0")]
    public async Task WhatTheFolderViewCannotDoIsA400(string query)
    {
        using var response = await _api.GetAsync($"{factory.FilesBase}?{query}");

        await StrictJson.ReadProblemAsync(response, HttpStatusCode.BadRequest, "urn:fileapi:problem:invalid-query");
    }

    [Fact]
    public async Task AnInvalidFolderIsA400()
    {
        using var response = await _api.GetAsync($"{factory.FilesBase}?folder=a/../b&delimiter=/");

        await StrictJson.ReadProblemAsync(response, HttpStatusCode.BadRequest, "urn:fileapi:problem:invalid-path");
    }

    async Task<List<JsonElement>> PagesAsync(string url)
    {
        var pages = new List<JsonElement>();
        for (string? next = url; next is not null && pages.Count < 50;)
        {
            using var response = await _api.GetAsync(next);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await StrictJson.ReadAsync(response);
            pages.Add(page);
            next = page.GetProperty("links").GetProperty("next").GetString();
        }
        return pages;
    }

    static string Fold(string name) => name.ToLowerInvariant();
}

/// <summary>
/// A folder of 3,000 files in 60 subfolders (with 1,000 files of its own), seeded straight into the database, paged in
/// the folder view while files and folders keep appearing and disappearing all over it.
/// </summary>
public sealed class LargeFolderViewTests(FileApiFactory factory) : IClassFixture<FileApiFactory>
{
    [Fact]
    public async Task CursorPagingShowsEveryStandingSubfolderAndFileOnceWhileTheFolderChanges()
    {
        await using var dataSource = NpgsqlDataSource.Create(factory.ConnectionString);
        var standingFiles = await SeedAsync(dataSource, Enumerable.Range(0, 1000).Select(i => $"big/own-{i:D4}.bin"));
        var standingFolders = Enumerable.Range(0, 60).Select(i => $"sub-{i:D2}").ToList();
        await SeedAsync(dataSource, standingFolders.SelectMany(folder => Enumerable.Range(0, 50).Select(i => $"big/{folder}/deeper-{i % 3}/f{i}.bin")));
        var churn = await SeedAsync(dataSource, Enumerable.Range(0, 400).Select(i => $"big/churn-{i:D3}.bin"));
        var api = factory.CreateClientFor(FileApiFactory.Owner);

        using var stop = new CancellationTokenSource();
        var changes = Task.Run(async () =>
        {
            for (var round = 0; !stop.IsCancellationRequested; round++)
            {
                // New files and new folders land all over the key space, and churn files disappear.
                await SeedAsync(dataSource, Enumerable.Range(0, 20).Select(i => $"big/{(char)('a' + i % 26)}-added-{round}-{i}.bin"));
                await SeedAsync(dataSource, Enumerable.Range(0, 5).Select(i => $"big/{(char)('a' + i * 5)}-new-folder-{round}/f.bin"));
                await using var delete = dataSource.CreateCommand("UPDATE files SET deleted_at = now(), deleted_by_id = 'test' WHERE id = ANY(@ids)");
                delete.Parameters.AddWithValue("ids", churn.Skip(round * 20 % churn.Length).Take(20).ToArray());
                await delete.ExecuteNonQueryAsync();
            }
        });

        var folders = new List<string>();
        var files = new List<Guid>();
        var url = $"{factory.FilesBase}?folder=/big/&delimiter=/&limit=37";
        var pages = 0;
        while (url is not null)
        {
            var page = await StrictJson.ReadAsync(await api.GetAsync(url));
            folders.AddRange(page.GetProperty("folders").EnumerateArray().Select(f => f.GetProperty("name").GetString()!));
            files.AddRange(page.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("file_id").GetGuid()));
            url = page.GetProperty("links").GetProperty("next").GetString();
            pages++;
        }
        stop.Cancel();
        await changes;

        Assert.Equal(folders.Count, folders.Distinct().Count());
        Assert.Equal(files.Count, files.Distinct().Count());
        Assert.Empty(standingFolders.Except(folders));
        Assert.Empty(standingFiles.Except(files));
        Assert.True(pages >= (60 + 1000) / 37);
    }

    async Task<Guid[]> SeedAsync(NpgsqlDataSource dataSource, IEnumerable<string> paths)
    {
        var list = paths.ToArray();
        var ids = list.Select(_ => Guid.NewGuid()).ToArray();
        await using var command = dataSource.CreateCommand("""
            WITH new_files AS (
                INSERT INTO files (id, workspace_id, folder, name, path_key, latest_version_id, created_at, created_by_id,
                                   current_version_id, current_size, modified_at)
                SELECT id, @workspace, '/' || regexp_replace(path, '[^/]*$', ''), regexp_replace(path, '^.*/', ''), lower(path),
                       1000, now(), 'seed', 1000, 1, now()
                  FROM unnest(@ids, @paths) AS seed(id, path)
                RETURNING id)
            INSERT INTO file_versions (file_id, version_id, status, created_at, created_by_id, upload_expires_at, size, etag, ready_at)
            SELECT id, 1000, 'Ready', now(), 'seed', now(), 1, '"seed"', now() FROM new_files
            """);
        command.Parameters.AddWithValue("workspace", factory.WorkspaceId);
        command.Parameters.AddWithValue("ids", ids);
        command.Parameters.AddWithValue("paths", list);
        await command.ExecuteNonQueryAsync();
        return ids;
    }
}
