using System.Net;
using System.Text.Json;
using FileApi.Tests.Infrastructure;

namespace FileApi.Tests.Files;

/// <summary>Live files with equal sizes (ties) and no deleted_at (NULL keys), and deleted files, made through the API.</summary>
public class PagingFactory : FileApiFactory
{
    public List<Guid> Live { get; } = [];
    public List<Guid> Deleted { get; } = [];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var api = CreateClientFor(Owner);
        foreach (var (name, size) in new[] { ("b.txt", 2), ("a.txt", 2), ("c/e.txt", 1), ("c/d.txt", 3), ("f.txt", 3) })
            Live.Add((await this.UploadReadyAsync(api, $"path/live/{name}", new byte[size])).FileId);
        foreach (var (name, size) in new[] { ("x.txt", 1), ("y.txt", 1), ("z.txt", 4) })
        {
            var upload = await this.UploadReadyAsync(api, $"path/gone/{name}", new byte[size]);
            (await api.DeleteAsync($"{FilesBase}/{upload.FileId}")).EnsureSuccessStatusCode();
            Deleted.Add(upload.FileId);
        }
    }
}

public class ListingPagingTests(PagingFactory factory) : IClassFixture<PagingFactory>
{
    readonly HttpClient _api = factory.CreateClientFor(FileApiFactory.Owner);

    public static TheoryData<string, bool> Orders()
    {
        var data = new TheoryData<string, bool>();
        foreach (var order in new[] { "path", "name", "created_at", "modified_at", "size", "deleted_at" })
        {
            foreach (var direction in new[] { "asc", "desc" })
            {
                data.Add($"{order}:{direction}", false);
                data.Add($"{order}:{direction}", true);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task FollowingLinksNextReturnsEveryFileExactlyOnce(string orderBy, bool deleted)
    {
        var seen = new List<Guid>();
        var url = $"{factory.FilesBase}?limit=2&offset=0&deleted={deleted}&order_by={orderBy}";
        long? total = null;
        for (var page = 0; url is not null && page < 20; page++)
        {
            using var response = await _api.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await StrictJson.ReadAsync(response);
            total ??= body.GetProperty("total").GetInt64();
            seen.AddRange(body.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("file_id").GetGuid()));
            var next = body.GetProperty("links").GetProperty("next");
            url = next.ValueKind == JsonValueKind.Null ? null : next.GetString();
        }

        var expected = deleted ? factory.Deleted : factory.Live;
        Assert.Equal(expected.Count, total);
        Assert.Equal(expected.Order(), seen.Order());
    }

    [Theory]
    [MemberData(nameof(Orders))]
    public async Task PagingByOffsetReturnsEveryFileExactlyOnce(string orderBy, bool deleted)
    {
        var seen = new List<Guid>();
        long total = long.MaxValue;
        for (var offset = 0; offset < total; offset += 2)
        {
            using var response = await _api.GetAsync($"{factory.FilesBase}?limit=2&offset={offset}&deleted={deleted}&order_by={orderBy}");
            var body = await StrictJson.ReadAsync(response);
            total = body.GetProperty("total").GetInt64();
            var files = body.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("file_id").GetGuid()).ToList();
            Assert.NotEmpty(files);
            seen.AddRange(files);
        }

        Assert.Equal((deleted ? factory.Deleted : factory.Live).Order(), seen.Order());
    }
}
