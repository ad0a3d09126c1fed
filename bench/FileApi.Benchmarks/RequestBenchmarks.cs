using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Runtime;
using FileApi.Files;

namespace FileApi.Benchmarks;

/// <summary>Register and poll by wrk at 32 connections, against pgbench at 32 clients running the statements the API sent for that request.</summary>
static class RequestBenchmarks
{
    const int Connections = 32;

    public static async Task RegisterAsync(BenchStack stack, BenchSettings settings, Report report)
    {
        using var api = stack.Client(Connections);
        var marker = Guid.NewGuid().ToString("N");
        UploadResponse? captured = null;
        var statements = await stack.Sql.CaptureAsync(async () => captured = await BenchStack.RegisterAsync(api, $"{stack.FilesBase}/path/bench/register/{marker}.bin"));
        // Each pgbench transaction registers a new path, as each API request does: the marker and the new file id become per-transaction values.
        var substitutions = new Dictionary<string, string> { [marker] = "' || CAST(:n AS text) || '", [$"'{captured!.FileId}'"] = "gen_random_uuid()" };
        string Script(bool pipelines) => SqlCapture.PgbenchScript(statements, substitutions, header: "\\set n random(1, 1000000000000)\n", pipelines);

        string NewPaths(string run) => $"""return wrk.format(nil, "{stack.FilesBase}/path/bench/{run}/" .. id .. "-" .. n .. ".bin")""";
        var files = new Uri(stack.BaseAddress, stack.FilesBase);
        await WarmUpAsync("register", files, "PUT", stack, settings, NewPaths("warm-up"));
        var measured = await Wrk.RunAsync(files, "PUT", stack.TokenFor(BenchStack.Owner), Connections, settings.Warmup, settings.Duration,
            request: NewPaths("load-" + Guid.NewGuid().ToString("N")[..8]));
        await AgainstPgbenchAsync(stack, settings, report, $"register (PUT by path, new file), {Connections} connections", measured,
            Script(pipelines: false), Save("register", Script(pipelines: true)), $"{statements.Count} statements: {Summary(statements)}");
    }

    /// <summary>
    /// Two rows: against pgbench planning every statement (simple protocol, how the issue's baseline was taken), and
    /// against pgbench preparing them, as the API's data source does after a statement's fifth run on a connection.
    /// The second is the database's own speed for these statements; the gap to it is the API's own work per request.
    /// </summary>
    static async Task AgainstPgbenchAsync(BenchStack stack, BenchSettings settings, Report report, string measure, LoadResult measured,
        string simpleScript, string preparedScript, string note)
    {
        var planned = await Pgbench.RunAsync(stack.ConnectionString, simpleScript, Connections, settings.Duration, "simple");
        report.Add(measure, Report.Rate(measured), "pgbench " + Report.Rate(planned), measured.PerSecond / planned.PerSecond, note);
        var prepared = await Pgbench.RunAsync(stack.ConnectionString, preparedScript, Connections, settings.Duration, "prepared");
        report.Add("… the same, against pgbench with prepared statements", "", "pgbench -M prepared " + Report.Rate(prepared), measured.PerSecond / prepared.PerSecond);
    }

    /// <summary>
    /// Two rows: a ready version whose upload links have all expired (the steady state of a poll), and a version made ready
    /// just now, whose upload links are still valid (the common case: a client polls right after uploading). Neither asks
    /// storage anything: its download link is pinned to the snapshot (Azurite) or blob version (Azure) taken at readiness.
    /// Both are measured on a warmed API, so neither pays the JIT for the other.
    /// </summary>
    public static async Task PollAsync(BenchStack stack, BenchSettings settings, Report report)
    {
        using var api = stack.Client(Connections);
        using var storage = FileApi.Tests.Infrastructure.AzuriteServer.CreateStorageClient();
        await WarmUpAsync("poll", new Uri(stack.BaseAddress, PollUrl(stack, await ReadyVersionAsync(stack, api, storage))), "GET", stack, settings);

        var steady = await ReadyVersionAsync(stack, api, storage);
        // BENCH ONLY: backdates the version's upload_expires_at in the database by an hour, as if its 30-min links had
        // long expired, so the poll measures the steady state of a ready version (a running API never does this).
        await stack.ExpireUploadLinksAsync(steady);
        await PollOneAsync(stack, api, steady, "poll (GET a ready version by id, upload links expired)", settings, report);

        var fresh = await ReadyVersionAsync(stack, api, storage);
        await PollOneAsync(stack, api, fresh, "poll (GET a version ready just now, upload links still valid)", settings, report);
    }

    /// <summary>
    /// Loads the request untimed until the API's JIT is done with it: wrk's own warm-up is not enough on two saturated
    /// cores, where tier-1 compilation starves while the load runs and dynamic PGO compiles each hot method twice
    /// (instrumented, then final). Without it, register was measured 12 s into its load with much of its path still
    /// unoptimized (tier-0) code and the JIT's thread taking 12% of the machine. Each round is a load, then a bounded
    /// wait until this process compiles nothing and idles; it stops once a round compiles little.
    /// </summary>
    static async Task WarmUpAsync(string name, Uri url, string method, BenchStack stack, BenchSettings settings, string? request = null)
    {
        for (var round = 1; round <= 4; round++)
        {
            var methods = JitInfo.GetCompiledMethodCount();
            await Wrk.RunAsync(url, method, stack.TokenFor(BenchStack.Owner), Connections, TimeSpan.Zero, settings.Warmup, request);
            var settled = await Settle.UntilQuietAsync(TimeSpan.FromSeconds(30));
            var compiled = JitInfo.GetCompiledMethodCount() - methods;
            Console.WriteLine($"  {name} warm-up round {round}: {compiled} methods compiled; {settled}");
            if (compiled < 50)
                break;
        }
    }

    static string PollUrl(BenchStack stack, UploadResponse upload) => $"{stack.FilesBase}/{upload.FileId}?version_id={upload.VersionId}";

    static async Task<UploadResponse> ReadyVersionAsync(BenchStack stack, HttpClient api, HttpClient storage)
    {
        var upload = await BenchStack.RegisterAsync(api, $"{stack.FilesBase}/path/bench/poll/{Guid.NewGuid():N}.bin");
        await BenchStack.PutBlobAsync(storage, upload.Upload, "polled"u8.ToArray());
        using (var completed = await api.PostAsync($"{stack.FilesBase}/{upload.FileId}/versions/{upload.VersionId}/complete", content: null))
            completed.EnsureSuccessStatusCode();
        return upload;
    }

    static async Task PollOneAsync(BenchStack stack, HttpClient api, UploadResponse upload, string measure, BenchSettings settings, Report report)
    {
        var url = PollUrl(stack, upload);
        var statements = await stack.Sql.CaptureAsync(async () => (await api.GetFromJsonAsync<FileResponse>(url, BenchStack.Json))!.ToString());
        string Script(bool pipelines) => SqlCapture.PgbenchScript(statements, new Dictionary<string, string>(), pipelines: pipelines);

        var methods = JitInfo.GetCompiledMethodCount();
        var measured = await Wrk.RunAsync(new Uri(stack.BaseAddress, url), "GET", stack.TokenFor(BenchStack.Owner), Connections, settings.Warmup, settings.Duration);
        // What the JIT still compiled over wrk's warm-up and the measured run (each a few hundred after the warm-up, thousands before).
        var compiled = JitInfo.GetCompiledMethodCount() - methods;
        await AgainstPgbenchAsync(stack, settings, report, $"{measure}, {Connections} connections", measured, Script(pipelines: false), Save("poll", Script(pipelines: true)),
            $"{statements.Count} statements: {Summary(statements)}; {compiled} methods compiled while loaded");
    }

    /// <summary>Keeps the pgbench script next to the bench's binaries, to read what one request sent.</summary>
    static string Save(string name, string script)
    {
        var path = Path.Combine(AppContext.BaseDirectory, $"captured-{name}.sql");
        File.WriteAllText(path, script);
        Console.WriteLine($"  statements of one {name} request: {path}");
        return script;
    }

    /// <summary>The first word or two of each statement, to show in the table what one request costs.</summary>
    static string Summary(IEnumerable<string> statements) =>
        string.Join(", ", statements.Select(s => s.TrimStart().Split([' ', '\n', '\r'], 2)[0]));
}

/// <summary>Waits, bounded, until this process (the API's host) compiles no more methods and is nearly idle.</summary>
static class Settle
{
    static readonly TimeSpan Window = TimeSpan.FromMilliseconds(250);

    /// <summary>"settled in 1.2 s (40 methods compiled meanwhile)", or "not settled after 30.0 s (...)": settled is two quiet windows in a row.</summary>
    public static async Task<string> UntilQuietAsync(TimeSpan atMost)
    {
        var started = Stopwatch.StartNew();
        var methodsAtStart = JitInfo.GetCompiledMethodCount();
        var quietWindows = 0;
        while (quietWindows < 2 && started.Elapsed < atMost)
        {
            var methods = JitInfo.GetCompiledMethodCount();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            await Task.Delay(Window);
            var busy = (Process.GetCurrentProcess().TotalProcessorTime - cpu) / Window;
            quietWindows = JitInfo.GetCompiledMethodCount() == methods && busy < 0.05 ? quietWindows + 1 : 0;
        }
        var compiled = JitInfo.GetCompiledMethodCount() - methodsAtStart;
        return string.Create(CultureInfo.InvariantCulture,
            $"{(quietWindows >= 2 ? "settled in" : "not settled after")} {started.Elapsed.TotalSeconds:F1} s ({compiled} methods compiled meanwhile)");
    }
}
