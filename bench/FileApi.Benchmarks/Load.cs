using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace FileApi.Benchmarks;

/// <summary>Throughput and exact latency percentiles (every sample kept and sorted) of one workload.</summary>
sealed record LoadResult(double PerSecond, double P50Ms, double P99Ms, long Errors)
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

/// <summary>A closed-loop load generator like wrk: <c>connections</c> workers, each sending its next request as soon as the last answers.</summary>
static class HttpLoad
{
    public static async Task<LoadResult> RunAsync(int connections, TimeSpan warmup, TimeSpan duration, Func<int, long, Task<bool>> request)
    {
        var recording = false;
        var stop = false;
        var perWorker = Enumerable.Range(0, connections).Select(_ => new List<double>(100_000)).ToArray();
        long errors = 0;
        var workers = Enumerable.Range(0, connections).Select(worker => Task.Run(async () =>
        {
            for (long n = 0; !Volatile.Read(ref stop); n++)
            {
                var started = Stopwatch.GetTimestamp();
                var ok = await request(worker, n);
                var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (!Volatile.Read(ref recording))
                    continue;
                if (ok)
                    perWorker[worker].Add(ms);
                else
                    Interlocked.Increment(ref errors);
            }
        })).ToArray();
        await Task.Delay(warmup);
        foreach (var samples in perWorker)
            lock (samples)
                samples.Clear();
        Volatile.Write(ref recording, true);
        var watch = Stopwatch.StartNew();
        await Task.Delay(duration);
        Volatile.Write(ref recording, false);
        var elapsed = watch.Elapsed;
        Volatile.Write(ref stop, true);
        await Task.WhenAll(workers);
        return LoadResult.From(perWorker.SelectMany(s => s).ToList(), elapsed, errors);
    }
}

/// <summary>pgbench (/usr/bin/pgbench, Debian's postgresql-client) running a script at <c>clients</c> connections.</summary>
static partial class Pgbench
{
    public static async Task<LoadResult> RunAsync(string connectionString, string script, int clients, TimeSpan duration)
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
                "-n", "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", "2", "-M", "simple",
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
