using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using FileApi.Storage;

namespace FileApi.Tests.Infrastructure;

/// <summary>
/// One Azurite blob service for the whole test run, on a free loopback port, in memory. Test classes share it
/// but not state: each creates its own container.
/// </summary>
public sealed class AzuriteServer
{
    public const string EmulatorAccountName = "devstoreaccount1";

    // Azurite's well-known development key (public, documented; not a secret).
    public const string EmulatorAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly Lazy<AzuriteServer> Shared = new(StartWithRetries);

    private readonly Process _process;
    private readonly string _workspace;
    private readonly StringBuilder _output = new();

    public static AzuriteServer Instance => Shared.Value;

    public int Port { get; }
    public int ProcessId { get; }
    public Uri ServiceUri => new($"http://127.0.0.1:{Port}/{EmulatorAccountName}");
    public string AccountName => EmulatorAccountName;
    public string AccountKey => EmulatorAccountKey;

    public StorageOptions For(string containerName) => new()
    {
        ServiceUri = ServiceUri,
        AccountName = AccountName,
        AccountKey = AccountKey,
        Container = containerName,
    };

    private AzuriteServer(int port)
    {
        Port = port;
        // Its working directory: in-memory Azurite writes nothing, but whatever it might stays out of the repo.
        _workspace = Directory.CreateTempSubdirectory("fileapi-azurite-").FullName;
        var main = Path.Combine(Node.NodeModules, "azurite", "dist", "src", "blob", "main.js");
        var start = Node.Start(main,
            [
                "--blobHost", "127.0.0.1", "--blobPort", port.ToString(),
                "--inMemoryPersistence", "--disableTelemetry", "--silent",
                // @azure/storage-blob 12.34 sends x-ms-version 2026-10-06, newer than Azurite 3.37 knows.
                "--skipApiVersionCheck",
            ],
            "--require", Path.Combine(AppContext.BaseDirectory, "Infrastructure", "exit-with-parent.js"));
        start.WorkingDirectory = _workspace;
        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node for Azurite.");
        ProcessId = _process.Id;
        _process.OutputDataReceived += (_, e) => Record(e.Data);
        _process.ErrorDataReceived += (_, e) => Record(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop();
    }

    private static AzuriteServer StartWithRetries()
    {
        // Another process may take the port between our probe and Azurite's bind; a new port fixes that.
        for (var attempt = 1; ; attempt++)
        {
            var server = new AzuriteServer(FreeLoopbackPort());
            try
            {
                server.WaitUntilAnswering();
                return server;
            }
            catch (InvalidOperationException) when (attempt < 3 && server.Output().Contains("EADDRINUSE"))
            {
                server.Stop();
            }
        }
    }

    private void WaitUntilAnswering()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"Azurite (pid {ProcessId}) exited with {_process.ExitCode}:\n{Output()}");
            try
            {
                // Any HTTP answer, even an authorization error, means it is serving.
                using var _ = http.GetAsync(ServiceUri + "?comp=list").GetAwaiter().GetResult();
                return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (DateTime.UtcNow > deadline)
            {
                Stop();
                throw new TimeoutException($"Azurite (pid {ProcessId}) did not answer on port {Port} within 60 s:\n{Output()}");
            }
            Thread.Sleep(100);
        }
    }

    private void Stop()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException) { } // already gone
        try
        {
            Directory.Delete(_workspace, recursive: true);
        }
        catch (IOException) { }
    }

    private static int FreeLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private void Record(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }

    private string Output()
    {
        lock (_output)
            return _output.ToString();
    }
}
