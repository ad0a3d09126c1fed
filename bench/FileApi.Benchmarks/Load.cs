using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace FileApi.Benchmarks;

/// <summary>Throughput and exact latency percentiles (every sample kept and sorted) of one workload.</summary>
/// <param name="CpuMsPerRequest">For a load on the in-process API: this process's CPU time over the measured run per request answered.</param>
sealed record LoadResult(double PerSecond, double P50Ms, double P99Ms, long Errors, double? CpuMsPerRequest = null)
{
    public static LoadResult From(List<double> latenciesMs, TimeSpan elapsed, long errors)
    {
        latenciesMs.Sort();
        return new(latenciesMs.Count / elapsed.TotalSeconds, Stats.PercentileOfSorted(latenciesMs, 0.50), Stats.PercentileOfSorted(latenciesMs, 0.99), errors);
    }
}

static class Stats
{
    /// <summary>Nearest-rank percentile of sorted samples.</summary>
    public static double PercentileOfSorted(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[(int)Math.Clamp(Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static double Percentile(IEnumerable<double> samples, double p) => PercentileOfSorted(samples.Order().ToList(), p);
}

/// <summary>
/// wrk (Debian's wrk), the load generator: 2 threads, <c>connections</c> connections, each sending its next request as
/// soon as the last answers. It runs in a process of its own, in C, so the load it costs is small and not the API's:
/// an in-process .NET client took about as much CPU as the API it measured.
/// </summary>
static partial class Wrk
{
    /// <param name="request">Lua for wrk's <c>request()</c> body, given <c>id</c> (the thread) and <c>n</c> (its request count); null for a fixed GET.</param>
    public static async Task<LoadResult> RunAsync(Uri url, string method, string bearerToken, int connections, TimeSpan warmup, TimeSpan duration, string? request = null)
    {
        var folder = Directory.CreateTempSubdirectory("fileapi-bench-wrk-").FullName;
        try
        {
            var scriptPath = Path.Combine(folder, "script.lua");
            await File.WriteAllTextAsync(scriptPath, $$"""
                wrk.method = "{{method}}"
                wrk.headers["Authorization"] = "Bearer {{bearerToken}}"
                local threads = 0
                function setup(thread) thread:set("id", threads); threads = threads + 1 end
                function init(args) n = 0 end
                {{(request is null ? "" : $"function request() n = n + 1; {request} end")}}
                """);
            await RunWrkAsync(url, connections, warmup, scriptPath);
            // The API runs in this process and the bench itself idles during a run, so this process's CPU time is the API's.
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var output = await RunWrkAsync(url, connections, duration, scriptPath);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            var answered = long.Parse(RequestsCompleted().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
            var perSecond = double.Parse(RequestsPerSecond().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
            var errors = NonSuccess().Match(output) is { Success: true } e ? long.Parse(e.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
            errors += SocketErrors().Matches(output).Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
            return new LoadResult(perSecond, LatencyMs(output, "50%"), LatencyMs(output, "99%"), errors, cpu.TotalMilliseconds / Math.Max(1, answered));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    static async Task<string> RunWrkAsync(Uri url, int connections, TimeSpan duration, string scriptPath)
    {
        var start = new ProcessStartInfo(Executable()) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-t", "2", "-c", connections.ToString(CultureInfo.InvariantCulture),
            "-d", $"{Math.Max(1, (int)Math.Ceiling(duration.TotalSeconds))}s", "--latency", "-s", scriptPath, url.AbsoluteUri })
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"wrk failed ({process.ExitCode}): {await errors}\n{await output}");
        return await output;
    }

    /// <summary>A line of wrk's latency distribution, e.g. "     99%   12.34ms", in milliseconds.</summary>
    static double LatencyMs(string output, string percentile)
    {
        var match = Regex.Match(output, $@"^\s*{Regex.Escape(percentile)}\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value };
    }

    static string Executable() =>
        File.Exists("/usr/bin/wrk") ? "/usr/bin/wrk" : throw new InvalidOperationException("wrk is missing: apt-get install wrk (scripts/bench installs it)");

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"(\d+) requests in ")]
    private static partial Regex RequestsCompleted();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex NonSuccess();

    [GeneratedRegex(@"(?:connect|read|write|timeout) (\d+)")]
    private static partial Regex SocketErrors();
}

/// <summary>pgbench (/usr/bin/pgbench, Debian's postgresql-client) running a script at <c>clients</c> connections.</summary>
static partial class Pgbench
{
    /// <param name="protocol">pgbench's -M: "simple" plans every statement anew; "prepared" plans it once per connection, as the API's data source does.</param>
    public static async Task<LoadResult> RunAsync(string connectionString, string script, int clients, TimeSpan duration, string protocol)
    {
        var folder = Directory.CreateTempSubdirectory("fileapi-bench-pgbench-").FullName;
        try
        {
            var scriptPath = Path.Combine(folder, "script.sql");
            await File.WriteAllTextAsync(scriptPath, script);
            var settings = new NpgsqlConnectionStringBuilder(connectionString);
            var conninfo = $"host={settings.Host} port={settings.Port} user={settings.Username} dbname={settings.Database}";
            var arguments = new List<string>
            {
                "-n", "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", "2", "-M", protocol,
                "-T", ((int)Math.Ceiling(duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture),
                "-f", scriptPath, "-l", "--log-prefix", Path.Combine(folder, "log"), conninfo,
            };
            var start = new ProcessStartInfo(Executable()) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in arguments)
                start.ArgumentList.Add(argument);
            if (settings.Password is { Length: > 0 } password)
                start.Environment["PGPASSWORD"] = password;
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"pgbench failed ({process.ExitCode}): {await errors}\n{await output}\nScript:\n{script}");

            var tps = double.Parse(Tps().Match(await output).Groups[1].Value, CultureInfo.InvariantCulture);
            var failed = FailedCount().Match(await output) is { Success: true } f ? long.Parse(f.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
            // Per-transaction log lines: client_id transaction_no time_us script_no time_epoch time_us
            var latencies = new List<double>();
            foreach (var log in Directory.EnumerateFiles(folder, "log.*"))
                foreach (var line in File.ReadLines(log))
                {
                    var fields = line.Split(' ');
                    if (fields.Length > 2 && double.TryParse(fields[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var us))
                        latencies.Add(us / 1000);
                }
            latencies.Sort();
            return new LoadResult(tps, Stats.PercentileOfSorted(latencies, 0.50), Stats.PercentileOfSorted(latencies, 0.99), failed);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    static string Executable() =>
        File.Exists("/usr/bin/pgbench") ? "/usr/bin/pgbench"
            : Directory.EnumerateFiles("/usr/lib/postgresql", "pgbench", SearchOption.AllDirectories).FirstOrDefault()
              ?? throw new InvalidOperationException("pgbench is missing: apt-get install postgresql-client");

    [GeneratedRegex(@"tps = ([\d.]+)")]
    private static partial Regex Tps();

    [GeneratedRegex(@"number of failed transactions: (\d+)")]
    private static partial Regex FailedCount();
}
