using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using FileApi.Files;
using Npgsql;

namespace FileApi.Benchmarks;

/// <summary>
/// Lists a workspace of many files (seeded straight into the database, in a workspace of its own) and compares
/// the first page with page N, reached by the cursor in links.next and by offset, against the 10 ms target.
/// </summary>
static class ListingBenchmark
{
    const int PageSize = 100;

    public static async Task RunAsync(BenchStack stack, BenchSettings settings, Report report)
    {
        var workspaceId = await stack.AddWorkspaceAsync(BenchStack.Owner);
        var filesBase = $"/file/v2/orgs/{stack.OrganizationId}/workspaces/{workspaceId}/files";
        using var api = stack.Client(1);
        var seeding = Stopwatch.StartNew();
        await SeedAsync(stack.ConnectionString, workspaceId, settings.ListingFiles);
        Console.WriteLine($"  seeded {settings.ListingFiles:N0} files in {seeding.Elapsed.TotalSeconds:F1} s");

        var page = Math.Min(settings.ListingPage, settings.ListingFiles / PageSize);
        var first = $"{filesBase}?limit={PageSize}";
        var cursorPage = await WalkToPageAsync(api, first, page);
        var offsetPage = $"{filesBase}?limit={PageSize}&offset={(long)(page - 1) * PageSize}";
        var byName = $"{filesBase}?limit={PageSize}&order_by=name";
        var bySize = $"{filesBase}?limit={PageSize}&order_by=size";
        var bySizeCursor = await WalkToPageAsync(api, bySize, page);
        var folderView = $"{filesBase}?limit={PageSize}&delimiter=/";
        var ownFiles = $"{filesBase}?limit={PageSize}&folder=/folder-1/&delimiter=/";
        var urls = new[] { first, cursorPage, offsetPage, byName, bySize, bySizeCursor, folderView, ownFiles };
        await ExplainAsync(stack, api, urls);

        // Warm up every path, then alternate so drift affects all alike.
        foreach (var url in urls)
            for (var i = 0; i < 3; i++)
                await TimeAsync(api, url);
        var timings = urls.ToDictionary(u => u, _ => new List<double>());
        for (var i = 0; i < settings.ListingSamples; i++)
            foreach (var url in urls)
                timings[url].Add(await TimeAsync(api, url));

        var total = (await api.GetFromJsonAsync<FileListResponse>(first, BenchStack.Json))!;
        var page1 = Stats.Percentile(timings[first], 0.5);
        report.Add($"listing page 1 of {settings.ListingFiles:N0} files (exact total)", $"p50 {Report.Ms(page1)}", "target 10 ms", page1 / 10,
            $"total {total.Total.ToString("N0", CultureInfo.InvariantCulture)}");
        Row(report, $"listing page {page:N0} via links.next", timings[cursorPage], page1);
        Row(report, $"listing page {page:N0} via offset", timings[offsetPage], page1);
        Row(report, "listing page 1 by name", timings[byName], page1);
        Row(report, "listing page 1 by size", timings[bySize], page1);
        Row(report, $"listing page {page:N0} by size via links.next", timings[bySizeCursor], page1);
        Row(report, "folder view of the root (its 100 subfolders)", timings[folderView], page1);
        Row(report, "folder view of one folder (its own files)", timings[ownFiles], page1);
    }

    static void Row(Report report, string name, List<double> samples, double page1)
    {
        var median = Stats.Percentile(samples, 0.5);
        report.Add(name, $"p50 {Report.Ms(median)}", $"page 1 {Report.Ms(page1)}", median / page1);
    }

    /// <summary>
    /// Captures the statements each listing request sends and writes their plans, EXPLAIN (ANALYZE, BUFFERS), to
    /// explain-listing.txt beside the bench's binaries: what an index should make of each.
    /// </summary>
    static async Task ExplainAsync(BenchStack stack, HttpClient api, IEnumerable<string> urls)
    {
        await using var dataSource = NpgsqlDataSource.Create(stack.ConnectionString);
        var plans = new System.Text.StringBuilder();
        foreach (var url in urls)
        {
            var statements = await stack.Sql.CaptureAsync(() => TimeAsync(api, url));
            plans.Append("== GET ").AppendLine(url);
            foreach (var statement in statements.Where(s => s.TrimStart().StartsWith("SELECT", StringComparison.OrdinalIgnoreCase)
                || s.TrimStart().StartsWith("WITH", StringComparison.OrdinalIgnoreCase)))
            {
                plans.AppendLine(statement.Trim()).AppendLine("--");
                await using var explain = dataSource.CreateCommand("EXPLAIN (ANALYZE, BUFFERS) " + statement);
                await using var reader = await explain.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                    plans.AppendLine(reader.GetString(0));
                plans.AppendLine();
            }
        }
        var path = Path.Combine(AppContext.BaseDirectory, "explain-listing.txt");
        await File.WriteAllTextAsync(path, plans.ToString());
        Console.WriteLine($"  plans of the listing statements: {path}");
    }

    static async Task<string> WalkToPageAsync(HttpClient api, string first, int page)
    {
        var url = first;
        for (var i = 1; i < page; i++)
        {
            var listing = await api.GetFromJsonAsync<FileListResponse>(url, BenchStack.Json);
            url = listing!.Links.Next?.PathAndQuery ?? throw new InvalidOperationException($"The listing ended before page {page}.");
        }
        return url;
    }

    static async Task<double> TimeAsync(HttpClient api, string url)
    {
        var watch = Stopwatch.StartNew();
        using var response = await api.GetAsync(url);
        await response.Content.CopyToAsync(Stream.Null);
        response.EnsureSuccessStatusCode();
        return watch.Elapsed.TotalMilliseconds;
    }

    static async Task SeedAsync(string connectionString, Guid workspaceId, int files)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
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
            command.Parameters.AddWithValue("workspace", workspaceId);
            command.Parameters.AddWithValue("start", start);
            command.Parameters.AddWithValue("end", Math.Min(files, start + batch) - 1);
            await command.ExecuteNonQueryAsync();
        }
        // Straight into the tables, so the usage row the write paths keep is written here too.
        await using (var usage = dataSource.CreateCommand("""
            INSERT INTO workspace_usage (workspace_id, files, bytes)
            SELECT @workspace, count(*), COALESCE(sum(v.size), 0)
              FROM files f JOIN file_versions v ON v.file_id = f.id AND v.version_id = f.current_version_id
             WHERE f.workspace_id = @workspace AND f.deleted_at IS NULL
            ON CONFLICT (workspace_id) DO UPDATE SET files = EXCLUDED.files, bytes = EXCLUDED.bytes
            """))
        {
            usage.CommandTimeout = 600;
            usage.Parameters.AddWithValue("workspace", workspaceId);
            await usage.ExecuteNonQueryAsync();
        }
        foreach (var table in new[] { "files", "file_versions", "workspace_usage" })
        {
            await using var vacuum = dataSource.CreateCommand($"VACUUM ANALYZE {table}");
            vacuum.CommandTimeout = 600;
            await vacuum.ExecuteNonQueryAsync();
        }
    }
}
