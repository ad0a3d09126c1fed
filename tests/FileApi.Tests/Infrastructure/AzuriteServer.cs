using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using FileApi.Storage;

namespace FileApi.Tests.Infrastructure;

/// <summary>
/// One Azurite blob service for the whole test run, on a free loopback port, in memory. Test classes share it
/// but not state: each creates its own container. A second one, <see cref="OAuthInstance"/>, takes Entra bearer
/// tokens as Azure does.
/// </summary>
public sealed class AzuriteServer : IDisposable
{
    public const string EmulatorAccountName = "devstoreaccount1";

    // Azurite's well-known development key (public, documented; not a secret).
    public const string EmulatorAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly Lazy<AzuriteServer> Shared = new(() => StartWithRetries(oauth: false, persistent: false));
    private static readonly Lazy<AzuriteServer> SharedOAuth = new(() => StartWithRetries(oauth: true, persistent: false));

    private Process _process;
    private readonly string _workspace;
    private readonly string _main;
    private readonly List<string> _arguments;
    private readonly StringBuilder _output = new();

    public static AzuriteServer Instance => Shared.Value;

    /// <summary>
    /// Azurite with <c>--oauth basic</c>: it accepts bearer tokens (checking their issuer, audience and lifetime,
    /// not their signature) and hands out user delegation keys. Bearer tokens need HTTPS, so it serves a
    /// self-signed certificate made for this run, which only <see cref="CreateHandler"/> trusts. Started on first use.
    /// </summary>
    public static AzuriteServer OAuthInstance => SharedOAuth.Value;

    public int Port { get; }
    public int ProcessId => _process.Id;

    /// <summary>The certificate an HTTPS instance serves; null for plain HTTP.</summary>
    public X509Certificate2? Certificate { get; }

    public Uri ServiceUri => new($"{(Certificate is null ? "http" : "https")}://127.0.0.1:{Port}/{EmulatorAccountName}");
    public string AccountName => EmulatorAccountName;
    public string AccountKey => EmulatorAccountKey;

    public StorageOptions For(string containerName) => new()
    {
        ServiceUri = ServiceUri,
        AccountName = AccountName,
        AccountKey = AccountKey,
        Container = containerName,
    };

    /// <summary>
    /// An HTTP client for requests straight to Azurite (upload links). Azurite closes a connection idle for 5 s (3.37 applies
    /// no other: its <c>--blobKeepAliveTimeout</c> is read under another name), and a request sent on it at that moment is
    /// reset after its body went out, which HttpClient does not retry; so this client drops idle connections sooner.
    /// </summary>
    public static HttpClient CreateStorageClient() => new(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromSeconds(2) });

    /// <summary>
    /// A client handler for this instance. Over HTTPS it trusts this instance's own certificate and nothing else
    /// that the system would not trust anyway: the host name is checked as usual, and the chain must end at it.
    /// </summary>
    public HttpClientHandler CreateHandler()
    {
        var handler = new HttpClientHandler();
        if (Certificate is { } trusted)
        {
            handler.ServerCertificateCustomValidationCallback = (_, presented, _, errors) =>
            {
                if (errors == SslPolicyErrors.None)
                    return true;
                if (presented is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                    return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(trusted);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(presented);
            };
        }
        return handler;
    }

    private AzuriteServer(int port, bool oauth, bool persistent)
    {
        Port = port;
        // Its working directory, and a persistent instance's data: whatever it writes stays out of the repo.
        _workspace = Directory.CreateTempSubdirectory("fileapi-azurite-").FullName;
        _main = Path.Combine(Node.NodeModules, "azurite", "dist", "src", "blob", "main.js");
        _arguments =
        [
            "--blobHost", "127.0.0.1", "--blobPort", port.ToString(),
            .. persistent ? new[] { "--location", Path.Combine(_workspace, "data") } : ["--inMemoryPersistence"],
            "--disableTelemetry", "--silent",
            // @azure/storage-blob 12.34 sends x-ms-version 2026-10-06, newer than Azurite 3.37 knows.
            "--skipApiVersionCheck",
        ];
        if (oauth)
        {
            Certificate = CreateCertificate(_workspace, out var certificatePath, out var keyPath);
            _arguments.AddRange(["--cert", certificatePath, "--key", keyPath, "--oauth", "basic"]);
        }
        _process = StartProcess();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop();
    }

    private Process StartProcess()
    {
        var start = Node.Start(_main, _arguments,
            "--require", Path.Combine(AppContext.BaseDirectory, "Infrastructure", "exit-with-parent.js"));
        start.WorkingDirectory = _workspace;
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node for Azurite.");
        process.OutputDataReceived += (_, e) => Record(e.Data);
        process.ErrorDataReceived += (_, e) => Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>
    /// An instance of its own for a test that stops and starts it (an outage), which the shared ones must never see.
    /// It keeps its blobs on disk, so they outlive a restart on the same port; <see cref="Dispose"/> removes it.
    /// </summary>
    public static AzuriteServer StartDedicated() => StartWithRetries(oauth: false, persistent: true);

    /// <summary>
    /// Stops a dedicated instance as a service shutdown does: SIGTERM to its recorded pid, so it saves its metadata
    /// and closes its port; then the process, which our stdin keeps alive, is ended by the same pid.
    /// </summary>
    public async Task StopServiceAsync()
    {
        await Processes.RunAsync("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!Output().Contains(ClosedMessage, StringComparison.Ordinal) && !_process.HasExited)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Azurite (pid {_process.Id}) did not close within 30 s:\n{Output()}");
            await Task.Delay(50);
        }
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>Starts a stopped dedicated instance again, on its port and with its data; returns once it answers.</summary>
    public void StartAgain()
    {
        lock (_output)
            _output.Clear();
        _process.Dispose();
        _process = StartProcess();
        WaitUntilAnswering();
    }

    private const string ClosedMessage = "Azurite Blob service successfully closed";

    public void Dispose() => Stop();

    private static AzuriteServer StartWithRetries(bool oauth, bool persistent)
    {
        // Another process may take the port between our probe and Azurite's bind; a new port fixes that.
        for (var attempt = 1; ; attempt++)
        {
            var server = new AzuriteServer(FreeLoopbackPort(), oauth, persistent);
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
        using var http = new HttpClient(CreateHandler()) { Timeout = TimeSpan.FromSeconds(2) };
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

    /// <summary>A self-signed server certificate for 127.0.0.1, valid for a day, as the PEM files Azurite reads.</summary>
    private static X509Certificate2 CreateCertificate(string directory, out string certificatePath, out string keyPath)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        certificatePath = Path.Combine(directory, "cert.pem");
        keyPath = Path.Combine(directory, "key.pem");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        // The public part is all a client needs.
        return X509CertificateLoader.LoadCertificate(certificate.RawData);
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
