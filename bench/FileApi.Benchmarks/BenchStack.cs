using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using FileApi.Files;
using FileApi.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace FileApi.Benchmarks;

/// <summary>
/// The stack the bench measures: the real API on Kestrel (a real loopback socket, as wrk would see it), on the test
/// infrastructure's own PostgreSQL and Azurite, with a recorder of every SQL statement the API sends.
/// </summary>
sealed class BenchStack : FileApiFactory
{
    public SqlCapture Sql { get; } = new();
    public int Port { get; } = FreePort();
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");
    public Uri StorageUri => Azurite.ServiceUri;

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings =>
    [
        // The bench measures the API, not its request logs.
        new("Logging:LogLevel:Default", "Warning"),
        new("Logging:LogLevel:Microsoft.EntityFrameworkCore", "Warning"),
        // The app's own answer budget, not the tests' (which answer after completion, however loaded the machine).
        new("Events:AnswerWithin", "00:00:00.100"),
    ];

    public static async Task<BenchStack> StartAsync()
    {
        var stack = new BenchStack();
        stack.UseKestrel(stack.Port);
        await stack.InitializeAsync();
        return stack;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.ConfigureDbContext<FileApi.Data.FileApiDb>(options => options.AddInterceptors(Sql, Sql.Transactions)));
    }

    /// <summary>An HTTP client over real sockets, up to <paramref name="connections"/> at once, as <see cref="FileApiFactory.Owner"/>.</summary>
    public HttpClient Client(int connections = 32)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = BaseAddress,
            Timeout = TimeSpan.FromMinutes(5),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenFor(Owner));
        return client;
    }

    public static async Task<UploadResponse> RegisterAsync(HttpClient api, string url)
    {
        using var response = await api.PutAsync(url, content: null);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<UploadResponse>(Json))!;
    }

    public static async Task PutBlobAsync(HttpClient storage, Uri sas, byte[] content)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, sas) { Content = new ByteArrayContent(content) };
        request.Headers.Add("x-ms-blob-type", "BlockBlob");
        using var response = await storage.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Registers <paramref name="count"/> new files and commits one small blob to each, <paramref name="parallel"/> at a time.</summary>
    public async Task<UploadResponse[]> UploadedAsync(HttpClient api, HttpClient storage, string prefix, int count, int parallel = 16)
    {
        var uploads = new UploadResponse[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (i, _) =>
        {
            uploads[i] = await RegisterAsync(api, $"{FilesBase}/path/{prefix}/{i}.bin");
            await PutBlobAsync(storage, uploads[i].Upload, [(byte)i]);
        });
        return uploads;
    }

    public string BlobNameOf(UploadResponse upload) => BlobNames.For(OrganizationId, WorkspaceId, upload.FileId, long.Parse(upload.VersionId));

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
