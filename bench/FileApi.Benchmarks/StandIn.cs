using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Azure.Storage.Blobs;
using FileApi.Tests.Infrastructure;

namespace FileApi.Benchmarks;

/// <summary>
/// The local event stand-in (src/FileApi.LocalEventGrid) as its own process: a proxy in front of the bench's Azurite
/// that delivers BlobCreated to the bench's API for every commit that passes through it.
/// </summary>
sealed class StandIn : IDisposable
{
    readonly Process _process;

    StandIn(Process process, Uri serviceUri) => (_process, ServiceUri) = (process, serviceUri);

    public int ProcessId => _process.Id;

    /// <summary>The blob endpoint through the proxy, path style.</summary>
    public Uri ServiceUri { get; }

    /// <summary>The API's link (path and signature untouched) addressed to the proxy instead of Azurite.</summary>
    public Uri Via(Uri link) => new UriBuilder(link) { Host = ServiceUri.Host, Port = ServiceUri.Port }.Uri;

    public static async Task<StandIn> StartAsync(BenchStack stack)
    {
        var azurite = AzuriteServer.Instance;
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "FileApi.LocalEventGrid.dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        start.Environment["DOTNET_ENVIRONMENT"] = start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Error";
        start.Environment["EventGrid__WebhookUrl"] = new Uri(stack.BaseAddress, "/events/storage").AbsoluteUri;
        start.Environment["EventGrid__WebhookSecret"] = FileApiFactory.WebhookSecret;
        start.Environment["Azurite__ServiceUri"] = azurite.ServiceUri.GetLeftPart(UriPartial.Authority);
        start.Environment["Azurite__AccountName"] = azurite.AccountName;
        start.Environment["Azurite__AccountKey"] = azurite.AccountKey;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("stand-in: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var standIn = new StandIn(process, new Uri($"http://127.0.0.1:{port}/{azurite.AccountName}"));
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var deadline = DateTime.UtcNow.AddSeconds(60); ; await Task.Delay(100))
        {
            try
            {
                using var _ = await probe.GetAsync(standIn.ServiceUri + "?comp=list");
                return standIn;
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && DateTime.UtcNow < deadline && !process.HasExited)
            {
            }
        }
    }

    /// <summary>CPU seconds a process used, from /proc (utime + stime of the process itself).</summary>
    public static double CpuSeconds(int processId)
    {
        var stat = File.ReadAllText($"/proc/{processId}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>
    /// Share of one core the stand-in and Azurite use idle, with each number of blobs stored (seeded straight into Azurite),
    /// over a fixed window; the ratio is each size's against the first.
    /// </summary>
    public static async Task IdleCpuAsync(BenchStack stack, BenchSettings settings, Report report)
    {
        var container = new BlobContainerClient(
            $"DefaultEndpointsProtocol=http;AccountName={AzuriteServer.EmulatorAccountName};AccountKey={AzuriteServer.EmulatorAccountKey};BlobEndpoint={AzuriteServer.Instance.ServiceUri}",
            "idle-" + Guid.NewGuid().ToString("N")[..12], new BlobClientOptions(FileApi.Storage.BlobStorage.ServiceVersion));
        await container.CreateIfNotExistsAsync();
        using var relay = await StartAsync(stack);
        var stored = 0;
        double? first = null;
        foreach (var blobs in settings.IdleBlobs)
        {
            await Parallel.ForEachAsync(Enumerable.Range(stored, blobs - stored), new ParallelOptions { MaxDegreeOfParallelism = 32 },
                async (i, ct) => await container.GetBlobClient($"idle/{i:D7}").UploadAsync(BinaryData.FromBytes([1]), ct));
            stored = blobs;
            // Let Azurite settle after the seeding before measuring it idle.
            await Task.Delay(TimeSpan.FromSeconds(3));
            var (relayBefore, azuriteBefore) = (CpuSeconds(relay.ProcessId), CpuSeconds(AzuriteServer.Instance.ProcessId));
            var watch = Stopwatch.StartNew();
            await Task.Delay(settings.IdleWindow);
            var seconds = watch.Elapsed.TotalSeconds;
            var relayShare = (CpuSeconds(relay.ProcessId) - relayBefore) / seconds * 100;
            var azuriteShare = (CpuSeconds(AzuriteServer.Instance.ProcessId) - azuriteBefore) / seconds * 100;
            var total = relayShare + azuriteShare;
            first ??= Math.Max(total, 0.1);
            report.Add($"stand-in idle CPU, {blobs:N0} blobs stored",
                string.Create(CultureInfo.InvariantCulture, $"{total:F1}% of a core (stand-in {relayShare:F1}%, Azurite {azuriteShare:F1}%)"),
                $"{settings.IdleBlobs[0]:N0} blobs", total / first.Value, $"{settings.IdleWindow.TotalSeconds:F0} s window, /proc/<pid>/stat utime+stime");
        }
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill();
        _process.WaitForExit(5000);
        _process.Dispose();
    }
}
