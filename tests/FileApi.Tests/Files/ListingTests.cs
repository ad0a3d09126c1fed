using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FileApi.Data;
using FileApi.Files;
using FileApi.Tests.Infrastructure;
using Npgsql;

namespace FileApi.Tests.Files;

/// <summary>Six files by two authors in two folders, made through the API.</summary>
public sealed class ListingFactory : FileApiFactory
{
    public const string Other = "other-author";
    public DateTimeOffset Middle { get; private set; }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await GrantAsync(Other, WorkspaceRole.Editor);
        var owner = CreateClientFor(Owner);
        var other = CreateClientFor(Other);
        await this.UploadReadyAsync(owner, "path/reports/Alpha.csv", [1]);
        await this.UploadReadyAsync(owner, "path/reports/2026/beta.csv", [1, 2]);
        await this.UploadReadyAsync(other, "path/reports/gamma.txt", [1, 2, 3]);
        Middle = DateTimeOffset.UtcNow;
        await Task.Delay(10);
        await this.UploadReadyAsync(other, "path/photos/alpha.jpg", [1, 2, 3, 4]);
        await this.UploadReadyAsync(owner, "path/photos/delta_50%.png", [1, 2, 3, 4, 5]);
        await this.UploadReadyAsync(owner, "path/reportsX/not-in-folder.txt", [1, 2, 3, 4, 5, 6]);
        await CreateClientFor(Owner).RegisterAsync($"{FilesBase}/path/never-uploaded.txt");
    }
}

public sealed class ListingTests(ListingFactory factory) : IClassFixture<ListingFactory>
{
    readonly HttpClient _api = factory.CreateClientFor(FileApiFactory.Owner);

    [Fact]
    public async Task AListingHasTheEvoShapeAndOnlyFilesWithAReadyVersion()
    {
        var json = await _api.GetFromJsonAsync<JsonElement>($"{factory.FilesBase}?limit=50&offset=0&deleted=False");

        Assert.Equal(6, json.GetProperty("count").GetInt32());
        Assert.Equal(6, json.GetProperty("total").GetInt64());
        Assert.Equal(50, json.GetProperty("limit").GetInt32());
        Assert.Equal(0, json.GetProperty("offset").GetInt64());
        var first = json.GetProperty("files")[0];
        Assert.Equal(JsonValueKind.String, first.GetProperty("version_id").ValueKind);
        Assert.StartsWith("http", first.GetProperty("links").GetProperty("self").GetString());
        Assert.False(first.TryGetProperty("deleted_at", out _));
        Assert.DoesNotContain(json.GetProperty("files").EnumerateArray(), f => f.GetProperty("name").GetString() == "never-uploaded.txt");
    }

    [Theory]
    [InlineData("file_name=ALPHA", new[] { "Alpha.csv", "alpha.jpg" })]
    [InlineData("file_name=_50%25", new[] { "delta_50%.png" })]
    [InlineData("folder=/reports/", new[] { "Alpha.csv", "beta.csv", "gamma.txt" })]
    [InlineData("folder=reports/2026", new[] { "beta.csv" })]
    [InlineData("folder=/reports/&file_name=a.c", new[] { "Alpha.csv", "beta.csv" })]
    public async Task FiltersSelectExactlyTheMatchingFiles(string filter, string[] expected)
    {
        var list = await ListAsync(filter);

        Assert.Equal(expected.Order(), list.Files.Select(f => f.Name).Order());
        Assert.Equal(expected.Length, list.Total);
    }

    [Fact]
    public async Task AuthorFiltersByWhoCreatedTheFile()
    {
        var list = await ListAsync($"author={FileApiFactory.UserId(ListingFactory.Other)}");

        Assert.Equal(["alpha.jpg", "gamma.txt"], list.Files.Select(f => f.Name).Order());
    }

    [Fact]
    public async Task DateFiltersUseTheirPrefixes()
    {
        var middle = Uri.EscapeDataString(factory.Middle.ToString("O"));

        var before = await ListAsync($"created_at=lt:{middle}");
        var after = await ListAsync($"created_at=gte:{middle}&modified_at=gt:{middle}");

        Assert.Equal(3, before.Total);
        Assert.Equal(3, after.Total);
        Assert.Empty(before.Files.Select(f => f.FileId).Intersect(after.Files.Select(f => f.FileId)));
    }

    [Theory]
    [InlineData("order_by=size", new long[] { 1, 2, 3, 4, 5, 6 })]
    [InlineData("order_by=size:desc", new long[] { 6, 5, 4, 3, 2, 1 })]
    [InlineData("order_by=created_at", new long[] { 1, 2, 3, 4, 5, 6 })]
    [InlineData("order_by=modified_at:desc", new long[] { 6, 5, 4, 3, 2, 1 })]
    public async Task OrderByOrdersTheListing(string order, long[] sizes)
    {
        var list = await ListAsync(order);

        Assert.Equal(sizes, list.Files.Select(f => f.Size));
    }

    [Theory]
    [InlineData("order_by=path")]
    [InlineData("order_by=name:desc")]
    [InlineData("order_by=modified_at")]
    [InlineData("order_by=size:desc")]
    public async Task FollowingNextReturnsEveryFileOnceInTheSameOrderAsOnePage(string order)
    {
        var whole = await ListAsync($"{order}&limit=100");

        var paged = new List<Guid>();
        var url = $"{factory.FilesBase}?{order}&limit=2";
        while (url is not null)
        {
            var page = await _api.GetFromJsonAsync<FileListResponse>(url, FileApiFactory.Json);
            paged.AddRange(page!.Files.Select(f => f.FileId));
            Assert.Equal(6, page.Total);
            url = page.Links.Next?.PathAndQuery;
        }

        Assert.Equal(whole.Files.Select(f => f.FileId), paged);
    }

    [Fact]
    public async Task OffsetPagingStopsWhenOffsetReachesTotal()
    {
        var seen = new List<Guid>();
        for (var offset = 0; ; offset += 4)
        {
            var page = await ListAsync($"limit=4&offset={offset}");
            seen.AddRange(page.Files.Select(f => f.FileId));
            Assert.Equal(offset > 0, page.Links.Prev is not null);
            if (offset + 4 >= page.Total)
                break;
            Assert.NotEmpty(page.Files);
        }
        Assert.Equal(6, seen.Distinct().Count());
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=5001")]
    [InlineData("offset=-1")]
    [InlineData("order_by=owner")]
    [InlineData("order_by=name:sideways")]
    [InlineData("created_at=2026-01-01")]
    [InlineData("created_at=between:2026-01-01")]
    [InlineData("deleted=perhaps")]
    [InlineData("cursor=not-a-cursor")]
    [InlineData("folder=a/../b")]
    public async Task BadListingParametersAre400(string query)
    {
        using var response = await _api.GetAsync($"{factory.FilesBase}?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    async Task<FileListResponse> ListAsync(string query)
    {
        using var response = await _api.GetAsync($"{factory.FilesBase}?{(query.Contains("limit=") ? "" : "limit=100&")}{query}");
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<FileListResponse>(FileApiFactory.Json))!;
    }
}

/// <summary>10,000 files, seeded straight into the database: listing only reads rows.</summary>
public sealed class LargeListingTests(FileApiFactory factory) : IClassFixture<FileApiFactory>
{
    [Fact]
    public async Task CursorPagingThroughTenThousandFilesReturnsEachOnceWhileFilesComeAndGo()
    {
        var stable = await SeedAsync("stable", 10_000);
        var churn = await SeedAsync("churn", 2_000);
        var api = factory.CreateClientFor(FileApiFactory.Owner);

        using var stop = new CancellationTokenSource();
        var changes = Task.Run(async () =>
        {
            var round = 0;
            await using var dataSource = NpgsqlDataSource.Create(factory.ConnectionString);
            while (!stop.IsCancellationRequested)
            {
                // New files land all over the key space, and churn files disappear.
                await SeedAsync($"added{round}", 50, dataSource);
                await using var delete = dataSource.CreateCommand(
                    $"UPDATE files SET deleted_at = now(), deleted_by_id = 'test' WHERE id = ANY(@ids)");
                delete.Parameters.AddWithValue("ids", churn.Skip(round * 50).Take(50).ToArray());
                await delete.ExecuteNonQueryAsync();
                round++;
            }
        });

        var seen = new List<Guid>();
        var url = $"{factory.FilesBase}?limit=500";
        var pages = 0;
        while (url is not null)
        {
            var page = await api.GetFromJsonAsync<FileListResponse>(url, FileApiFactory.Json);
            seen.AddRange(page!.Files.Select(f => f.FileId));
            url = page.Links.Next?.PathAndQuery;
            pages++;
        }
        stop.Cancel();
        await changes;

        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Empty(stable.Except(seen));
        Assert.True(pages >= 20);
    }

    async Task<Guid[]> SeedAsync(string prefix, int count, NpgsqlDataSource? dataSource = null)
    {
        var own = dataSource is null ? NpgsqlDataSource.Create(factory.ConnectionString) : null;
        var source = dataSource ?? own!;
        try
        {
            var ids = Enumerable.Range(0, count).Select(_ => Guid.NewGuid()).ToArray();
            await using var command = source.CreateCommand("""
                WITH new_files AS (
                    INSERT INTO files (id, workspace_id, folder, name, path_key, latest_version_id, created_at, created_by_id,
                                       current_version_id, current_size, modified_at)
                    SELECT id, @workspace, '/', @prefix || '-' || md5(id::text) || '.bin', lower(@prefix || '-' || md5(id::text) || '.bin'),
                           1000, now(), 'seed', 1000, 1, now()
                      FROM unnest(@ids) AS id
                    RETURNING id)
                INSERT INTO file_versions (file_id, version_id, status, created_at, created_by_id, upload_expires_at, size, etag, ready_at)
                SELECT id, 1000, 'Ready', now(), 'seed', now(), 1, '"seed"', now() FROM new_files
                """);
            command.Parameters.AddWithValue("workspace", factory.WorkspaceId);
            command.Parameters.AddWithValue("prefix", prefix);
            command.Parameters.AddWithValue("ids", ids);
            await command.ExecuteNonQueryAsync();
            return ids;
        }
        finally
        {
            if (own is not null)
                await own.DisposeAsync();
        }
    }
}
