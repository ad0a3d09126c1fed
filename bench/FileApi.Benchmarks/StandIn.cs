using System.Diagnostics;
using System.Globalization;
using Azure.Storage.Blobs;
using FileApi.Tests.Infrastructure;

namespace FileApi.Benchmarks;

/// <summary>The local Event Grid stand-in (src/FileApi.LocalEventGrid) as its own process, watching one container for the bench's API.</summary>
sealed class StandIn : IDisposable
{
    readonly Process _process;

    StandIn(Process process) => _process = process;

    public int ProcessId => _process.Id;

    public static StandIn Start(BenchStack stack, string container)
    {
        var azurite = AzuriteServer.Instance;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "FileApi.LocalEventGrid.dll"));
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Error";
        start.Environment["Relay__WebhookUrl"] = new Uri(stack.BaseAddress, "/events/storage").AbsoluteUri;
        start.Environment["Relay__WebhookSecret"] = FileApiFactory.WebhookSecret;
        start.Environment["Storage__ServiceUri"] = azurite.ServiceUri.AbsoluteUri;
        start.Environment["Storage__AccountName"] = azurite.AccountName;
        start.Environment["Storage__AccountKey"] = azurite.AccountKey;
        start.Environment["Storage__Container"] = container;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("stand-in: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new StandIn(process);
    }

    /// <summary>CPU seconds a process used, from /proc (utime + stime of the process itself).</summary>
    public static double CpuSeconds(int processId)
    {
        var stat = File.ReadAllText($"/proc/{processId}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>Share of one core the stand-in and Azurite use together, idle, with <c>blobs</c> blobs stored, for each size.</summary>
    public static async Task IdleCpuAsync(BenchStack stack, BenchSettings settings, Report report)
    {
        var container = new BlobContainerClient(
            $"DefaultEndpointsProtocol=http;AccountName={AzuriteServer.EmulatorAccountName};AccountKey={AzuriteServer.EmulatorAccountKey};BlobEndpoint={AzuriteServer.Instance.ServiceUri}",
            "idle-" + Guid.NewGuid().ToString("N")[..12], new BlobClientOptions(FileApi.Storage.BlobStorage.ServiceVersion));
        await container.CreateIfNotExistsAsync();
        using var relay = Start(stack, container.Name);
        var stored = 0;
        double? first = null;
        foreach (var blobs in settings.IdleBlobs)
        {
            await Parallel.ForEachAsync(Enumerable.Range(stored, blobs - stored), new ParallelOptions { MaxDegreeOfParallelism = 32 },
                async (i, ct) => await container.GetBlobClient($"idle/{i:D7}").UploadAsync(BinaryData.FromBytes([1]), ct));
            stored = blobs;
            // Let the stand-in see (and deliver) what was just stored before measuring it idle.
            await Task.Delay(TimeSpan.FromSeconds(5));
            var (relayBefore, azuriteBefore) = (CpuSeconds(relay.ProcessId), CpuSeconds(AzuriteServer.Instance.ProcessId));
            var watch = Stopwatch.StartNew();
            await Task.Delay(settings.IdleWindow);
            var seconds = watch.Elapsed.TotalSeconds;
            var relayShare = (CpuSeconds(relay.ProcessId) - relayBefore) / seconds * 100;
            var azuriteShare = (CpuSeconds(AzuriteServer.Instance.ProcessId) - azuriteBefore) / seconds * 100;
            var total = relayShare + azuriteShare;
            first ??= Math.Max(total, 0.1);
            report.Add($"stand-in idle CPU, {blobs:N0} blobs stored", string.Create(CultureInfo.InvariantCulture, $"{total:F1}% of a core (stand-in {relayShare:F1}%, Azurite {azuriteShare:F1}%)"),
                $"{settings.IdleBlobs[0]:N0} blobs", total / first.Value);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill();
        _process.WaitForExit(5000);
        _process.Dispose();
    }
}
