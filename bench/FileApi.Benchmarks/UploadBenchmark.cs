using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using FileApi.Tests.Infrastructure;

namespace FileApi.Benchmarks;

/// <summary>
/// One large file uploaded three ways to the same Azurite with the same block size and concurrency, each its own
/// process so its peak RSS (VmHWM) is its own, each doing the same whole job (register, blocks, commit, complete): the
/// fileapi CLI, the official JS SDK's uploadFile and Azure.Storage.Blobs' parallel BlobClient.UploadAsync, the SDKs
/// between their own register and complete calls to the API.
/// </summary>
static class UploadBenchmark
{
    const int BlockMiB = 8;
    const int Concurrency = 4;
    const int WarmupMiB = BlockMiB * Concurrency * 2;
    static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);

    public static async Task RunAsync(BenchStack stack, BenchSettings settings, Report report)
    {
        var folder = Directory.CreateTempSubdirectory("fileapi-bench-upload-");
        try
        {
            var file = Path.Combine(folder.FullName, "content.bin");
            await WriteRandomFileAsync(file, settings.UploadMiB * 1024L * 1024);
            var bytes = new FileInfo(file).Length;

            // Every client does the CLI's whole job in its own process, from its start: register the version, send the
            // blocks, commit, complete. The SDK clients call the API themselves (one PUT, one POST) around their upload.
            var filesUrl = stack.BaseAddress.AbsoluteUri.TrimEnd('/') + stack.FilesBase;
            var token = stack.TokenFor(FileApiFactory.Owner);
            var (block, concurrency) = ((BlockMiB << 20).ToString(CultureInfo.InvariantCulture), Concurrency.ToString(CultureInfo.InvariantCulture));
            var clients = new (string Name, Func<ProcessStartInfo> Start)[]
            {
                ("cli", () => Cli(stack, folder.FullName, file)),
                ("js", () => Node.Start(Path.Combine(AppContext.BaseDirectory, "js", "upload-file.js"), [filesUrl, RemotePath("js"), token, file, block, concurrency])),
                ("dotnet", () => Self("--sdk-upload", filesUrl, RemotePath("dotnet"), token, file, block, concurrency)),
            };

            // Untimed: each client once uploads a smaller file of several blocks of the same size. Whichever client ran
            // first used to pay for warming the API's register and complete paths, Azurite's block path (Node's JIT) and
            // the disk: in two of four runs the first timed run, always the CLI's, was the slowest of the six.
            var warmup = Path.Combine(folder.FullName, "warmup.bin");
            await WriteRandomFileAsync(warmup, WarmupMiB << 20);
            foreach (var (_, start) in clients)
                await RunAsync(WithFile(start(), file, warmup), WarmupMiB << 20);

            // Three rounds, each client first, second and third once (CLI, JS, .NET; JS, .NET, CLI; .NET, CLI, JS): the first
            // timed run after the warm-up was still the slowest more often than not, and with two rounds in opposite orders
            // that was always the CLI's. Each figure is bytes over seconds of all three runs, peak of all three.
            var runs = clients.ToDictionary(client => client.Name, _ => new List<Run>());
            foreach (var round in Enumerable.Range(0, clients.Length).Select(shift => clients.Skip(shift).Concat(clients.Take(shift))))
                foreach (var (name, start) in round)
                    runs[name].Add(await RunAsync(start(), bytes));
            var (cli, js, sdk) = (Run.Of(runs["cli"], bytes), Run.Of(runs["js"], bytes), Run.Of(runs["dotnet"], bytes));

            // Issue 11's bound for the client: block size × concurrency + 64 MB.
            var budget = BlockMiB * Concurrency + 64e6 / 1048576;
            var size = $"{settings.UploadMiB:N0} MiB, {BlockMiB} MiB × {Concurrency}";
            report.Add($"upload {size}: CLI", cli.Describe(), $"JS SDK uploadFile {js.Describe()}", cli.MiBPerSecond / js.MiBPerSecond,
                string.Create(CultureInfo.InvariantCulture,
                    $"3 runs each, each client once first, second and third; each client's whole job in its own process: start, register, blocks, commit, complete; "
                    + $"runs {Runs(runs["cli"])} vs {Runs(runs["js"])}; peak RSS ratio {cli.PeakMiB / js.PeakMiB:F2}; CLI peak {(cli.PeakMiB <= budget ? "within" : "OVER")} block × concurrency + 64 MB = {budget:F0} MiB"));
            report.Add($"upload {size}: CLI", cli.Describe(), $"Azure.Storage.Blobs UploadAsync {sdk.Describe()}", cli.MiBPerSecond / sdk.MiBPerSecond,
                string.Create(CultureInfo.InvariantCulture, $"runs {Runs(runs["cli"])} vs {Runs(runs["dotnet"])}; peak RSS ratio {cli.PeakMiB / sdk.PeakMiB:F2}"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    static string Runs(List<Run> runs) => string.Join("/", runs.Select(run => run.MiBPerSecond.ToString("F0", CultureInfo.InvariantCulture))) + " MiB/s";

    /// <summary>
    /// The child-process side of the .NET SDK figure, the same job as the CLI's:
    /// <c>--sdk-upload FILES-URL REMOTE-PATH TOKEN FILE BLOCK-BYTES CONCURRENCY</c>.
    /// </summary>
    public static async Task<int> SdkUploadAsync(string[] args)
    {
        var (files, remotePath, token, file) = (args[1], args[2], args[3], args[4]);
        var (block, concurrency) = (int.Parse(args[5], CultureInfo.InvariantCulture), int.Parse(args[6], CultureInfo.InvariantCulture));
        using var api = new HttpClient();
        api.DefaultRequestHeaders.Authorization = new("Bearer", token);
        using var registered = await api.PutAsJsonAsync($"{files}/path/{remotePath}", new { size = new FileInfo(file).Length });
        registered.EnsureSuccessStatusCode();
        var link = (await registered.Content.ReadFromJsonAsync<FileApi.Files.UploadResponse>(FileApiFactory.Json))!;
        var blob = new BlobClient(link.Upload, new BlobClientOptions(FileApi.Storage.BlobStorage.ServiceVersion));
        await blob.UploadAsync(file, new BlobUploadOptions
        {
            TransferOptions = new StorageTransferOptions { InitialTransferSize = block, MaximumTransferSize = block, MaximumConcurrency = concurrency },
        });
        using var completed = await api.PostAsync($"{files}/{link.FileId}/versions/{Uri.EscapeDataString(link.VersionId)}/complete", content: null);
        completed.EnsureSuccessStatusCode();
        return 0;
    }

    sealed record Run(double Seconds, double MiBPerSecond, double PeakMiB, double CpuSeconds)
    {
        public static Run Of(List<Run> runs, long bytes) =>
            new(runs.Sum(run => run.Seconds), runs.Count * (bytes / 1048576.0) / runs.Sum(run => run.Seconds), runs.Max(run => run.PeakMiB), runs.Average(run => run.CpuSeconds));

        public string Describe() => string.Create(CultureInfo.InvariantCulture, $"{MiBPerSecond:F0} MiB/s, peak RSS {PeakMiB:F0} MiB, CPU {CpuSeconds:F1} s");
    }

    /// <summary>Runs a client to completion (bounded), sampling its VmHWM, which only grows, until it exits.</summary>
    static async Task<Run> RunAsync(ProcessStartInfo start, long bytes)
    {
        start.RedirectStandardOutput = start.RedirectStandardError = start.RedirectStandardInput = true;
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        long peakKiB = 0, cpuTicks = 0;
        using var limit = new CancellationTokenSource(Limit);
        while (!process.HasExited)
        {
            peakKiB = Math.Max(peakKiB, PeakRssKiB(process.Id));
            cpuTicks = Math.Max(cpuTicks, CpuTicks(process.Id));
            if (limit.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{start.FileName} {string.Join(' ', start.ArgumentList)} did not finish within {Limit}.");
            }
            await Task.WhenAny(process.WaitForExitAsync(), Task.Delay(50));
        }
        var seconds = watch.Elapsed.TotalSeconds;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{start.FileName} exited with {process.ExitCode}:\n{await error}\n{await output}");
        return new Run(seconds, bytes / 1048576.0 / seconds, peakKiB / 1024.0, cpuTicks / 100.0);
    }

    static long PeakRssKiB(int processId)
    {
        try
        {
            var line = File.ReadLines($"/proc/{processId}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return 0; // exited between the check and the read
        }
    }

    /// <summary>
    /// utime + stime of the process in clock ticks (USER_HZ, 100 on Linux), from /proc/&lt;pid&gt;/stat: the CPU a client
    /// takes from the two cores Azurite and the API also need, a figure that swings less than MiB/s on a shared machine.
    /// The last sample before exit, so up to one 50 ms sampling interval is missed.
    /// </summary>
    static long CpuTicks(int processId)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{processId}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return 0; // exited between the check and the read
        }
    }

    static ProcessStartInfo Cli(BenchStack stack, string home, string file)
    {
        var start = new ProcessStartInfo("dotnet");
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "FileApi.Cli.dll"), "upload", file, RemotePath("cli"),
            "--block-size", BlockMiB.ToString(CultureInfo.InvariantCulture), "--concurrency", Concurrency.ToString(CultureInfo.InvariantCulture), "--no-resume", "--quiet" })
            start.ArgumentList.Add(argument);
        start.Environment["FILEAPI_URL"] = stack.BaseAddress.AbsoluteUri;
        start.Environment["FILEAPI_TOKEN"] = stack.TokenFor(FileApiFactory.Owner);
        start.Environment["FILEAPI_ORG"] = stack.OrganizationId.ToString();
        start.Environment["FILEAPI_WORKSPACE"] = stack.WorkspaceId.ToString();
        start.Environment["XDG_STATE_HOME"] = Path.Combine(home, "state");
        start.Environment["XDG_CONFIG_HOME"] = Path.Combine(home, "config");
        return start;
    }

    static ProcessStartInfo Self(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "FileApi.Benchmarks.dll"));
        foreach (var argument in args)
            start.ArgumentList.Add(argument);
        return start;
    }

    static ProcessStartInfo WithFile(ProcessStartInfo start, string file, string instead)
    {
        var at = start.ArgumentList.IndexOf(file);
        start.ArgumentList[at] = instead;
        return start;
    }

    static string RemotePath(string client) => $"bench/upload-{client}-{Guid.NewGuid():N}.bin";

    static async Task WriteRandomFileAsync(string path, long length)
    {
        var chunk = new byte[4 << 20];
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, useAsync: true);
        for (long written = 0; written < length; written += chunk.Length)
        {
            Random.Shared.NextBytes(chunk);
            await file.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, length - written)));
        }
        // On disk before any timed run, so the kernel's writeback of the new file does not fall in the first one.
        file.Flush(flushToDisk: true);
    }
}
