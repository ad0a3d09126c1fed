using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using FileApi.Files;
using FileApi.Tests.Infrastructure;
using Npgsql;

namespace FileApi.Benchmarks;

/// <summary>
/// Lists a workspace of many files through the real API (in memory, on real PostgreSQL and Azurite) and
/// compares the latency of the first page with the latency of page N, reached by the cursor in links.next
/// and by offset. Figures are ratios against the first page, measured in the same run.
/// </summary>
static class ListingBenchmark
{
    public static async Task<int> RunAsync(int files, int pageSize, int page, int samples)
    {
        await using var factory = new FileApiFactory();
        await factory.InitializeAsync();
        var api = factory.CreateClientFor(FileApiFactory.Owner);

        var seeding = Stopwatch.StartNew();
        await SeedAsync(factory, files);
        Console.WriteLine($"Seeded {files:N0} files in {seeding.Elapsed.TotalSeconds:F1} s.");

        var first = $"{factory.FilesBase}?limit={pageSize}";
        var cursorPage = await WalkToPageAsync(api, first, page);
        var offsetPage = $"{factory.FilesBase}?limit={pageSize}&offset={(long)(page - 1) * pageSize}";

        // Warm up every path, then alternate so drift affects all three alike.
        foreach (var url in new[] { first, cursorPage, offsetPage })
            for (var i = 0; i < 5; i++)
                await TimeAsync(api, url);
        var timings = new Dictionary<string, List<double>> { [first] = [], [cursorPage] = [], [offsetPage] = [] };
        for (var i = 0; i < samples; i++)
            foreach (var url in timings.Keys)
                timings[url].Add(await TimeAsync(api, url));

        var baseline = Median(timings[first]);
        Console.WriteLine();
        Console.WriteLine($"| {files:N0} files, {pageSize} per page, {samples} samples each | median ms | p90 ms | ratio to page 1 |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        Row("page 1", timings[first], baseline);
        Row($"page {page:N0} via links.next cursor", timings[cursorPage], baseline);
        Row($"page {page:N0} via offset={(long)(page - 1) * pageSize:N0}", timings[offsetPage], baseline);
        return Median(timings[cursorPage]) / baseline <= 2 ? 0 : 1;
    }

    static async Task<string> WalkToPageAsync(HttpClient api, string first, int page)
    {
        var url = first;
        for (var i = 1; i < page; i++)
        {
            var listing = await api.GetFromJsonAsync<FileListResponse>(url, FileApiFactory.Json);
            url = listing!.Links.Next?.PathAndQuery ?? throw new InvalidOperationException($"The listing ended before page {page}.");
        }
        return url;
    }

    static async Task<double> TimeAsync(HttpClient api, string url)
    {
        var watch = Stopwatch.StartNew();
        using var response = await api.GetAsync(url);
        await response.Content.ReadAsByteArrayAsync();
        response.EnsureSuccessStatusCode();
        return watch.Elapsed.TotalMilliseconds;
    }

    static void Row(string name, List<double> samples, double baseline) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {Median(samples):F1} | {Percentile(samples, 0.9):F1} | {Median(samples) / baseline:F2} |"));

    static double Median(List<double> samples) => Percentile(samples, 0.5);

    static double Percentile(List<double> samples, double p)
    {
        var sorted = samples.Order().ToList();
        return sorted[(int)Math.Min(sorted.Count - 1, Math.Round(p * (sorted.Count - 1)))];
    }

    static async Task SeedAsync(FileApiFactory factory, int files)
    {
        await using var dataSource = NpgsqlDataSource.Create(factory.ConnectionString);
        const int batch = 100_000;
        for (var start = 0; start < files; start += batch)
        {
            await using var command = dataSource.CreateCommand("""
                WITH new_files AS (
                    INSERT INTO files (id, workspace_id, folder, name, path_key, latest_version_id, created_at, created_by_id,
                                       current_version_id, current_size, modified_at)
                    SELECT gen_random_uuid(), @workspace, '/folder-' || (n % 100) || '/', 'file-' || n || '.bin',
                           'folder-' || (n % 100) || '/file-' || n || '.bin', 1000, now(), 'seed', 1000, n, now()
                      FROM generate_series(@start, @end) AS n
                    RETURNING id)
                INSERT INTO file_versions (file_id, version_id, status, created_at, created_by_id, upload_expires_at, size, etag, ready_at)
                SELECT id, 1000, 'Ready', now(), 'seed', now(), 1, '"seed"', now() FROM new_files
                """);
            command.CommandTimeout = 600;
            command.Parameters.AddWithValue("workspace", factory.WorkspaceId);
            command.Parameters.AddWithValue("start", start);
            command.Parameters.AddWithValue("end", Math.Min(files, start + batch) - 1);
            await command.ExecuteNonQueryAsync();
        }
        foreach (var table in new[] { "files", "file_versions" })
        {
            await using var vacuum = dataSource.CreateCommand($"VACUUM ANALYZE {table}");
            vacuum.CommandTimeout = 600;
            await vacuum.ExecuteNonQueryAsync();
        }
    }
}
