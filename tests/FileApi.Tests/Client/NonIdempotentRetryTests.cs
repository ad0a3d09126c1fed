using System.Net;
using System.Net.Sockets;
using FileApi.Client;
using FileApi.Data;
using FileApi.Tests.Browser;
using FileApi.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FileApi.Tests.Client;

/// <summary>
/// A connection that drops after the server acted but before its answer arrived, on a real socket: the client must
/// not send a call that creates something a second time.
/// </summary>
public sealed class NonIdempotentRetryTests(KestrelFileApiFactory factory) : IClassFixture<KestrelFileApiFactory>
{
    [Fact]
    public async Task ARegistrationWhoseAnswerIsLostCreatesExactlyOneVersion()
    {
        await using var proxy = new AnswerDroppingProxy(factory.Port);
        var client = ClientThrough(proxy);
        var files = client.GetWorkspaceClient(factory.OrganizationId, factory.WorkspaceId);
        await files.GetWorkspaceAsync(); // A warm pooled connection, as in a real session.
        proxy.DropAnswers = true;

        var lost = await Assert.ThrowsAsync<FileApiException>(() => files.RegisterVersionAsync("retries/registered-once.txt"));

        Assert.Equal(0, lost.Status);
        Assert.True(proxy.AnswersDropped >= 1, "The proxy never dropped an answer, so the server was not reached.");
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FileApiDb>();
        var file = await db.Files.AsNoTracking().SingleAsync(f => f.WorkspaceId == factory.WorkspaceId && f.Name == "registered-once.txt");
        Assert.Equal(1, await db.FileVersions.CountAsync(v => v.FileId == file.Id));
    }

    [Fact]
    public async Task AnOrganisationWhoseAnswerIsLostIsCreatedExactlyOnce()
    {
        await using var proxy = new AnswerDroppingProxy(factory.Port);
        var client = ClientThrough(proxy);
        await client.GetWorkspacesAsync();
        proxy.DropAnswers = true;
        var name = "Created once " + Guid.NewGuid();

        var lost = await Assert.ThrowsAsync<FileApiException>(() => client.CreateOrganizationAsync(name));

        Assert.Equal(0, lost.Status);
        using var scope = factory.Services.CreateScope();
        Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<FileApiDb>().Organizations.CountAsync(o => o.Name == name));
    }

    [Fact]
    public async Task AnIdempotentCallWhoseAnswerIsLostIsRetried()
    {
        await using var proxy = new AnswerDroppingProxy(factory.Port) { DropAnswers = true, AnswersToDrop = 1 };
        var client = ClientThrough(proxy);

        var workspaces = await client.GetWorkspacesAsync();

        Assert.Contains(workspaces, w => w.Id == factory.WorkspaceId);
        Assert.Equal(1, proxy.AnswersDropped);
    }

    FileApiClient ClientThrough(AnswerDroppingProxy proxy)
    {
        var options = ClientTestKit.FastRetries(new FileApiClientOptions { Token = factory.TokenFor(FileApiFactory.Owner) });
        return new FileApiClient(new HttpClient { BaseAddress = proxy.BaseAddress }, new HttpClient(), options);
    }
}

/// <summary>
/// A loopback TCP proxy in front of the API. It forwards every request; once <see cref="DropAnswers"/> is set, it
/// waits for the first byte of the server's answer (so the server has acted) and then resets the client's connection
/// instead of passing the answer on.
/// </summary>
sealed class AnswerDroppingProxy : IAsyncDisposable
{
    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly int _upstreamPort;
    readonly CancellationTokenSource _stop = new();
    readonly Task _accepting;
    int _answersSeen;
    int _dropped;

    public AnswerDroppingProxy(int upstreamPort)
    {
        _upstreamPort = upstreamPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public Uri BaseAddress => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    public volatile bool DropAnswers;

    /// <summary>How many answers to drop once dropping; every one when unset.</summary>
    public int AnswersToDrop { get; init; } = int.MaxValue;

    public int AnswersDropped => Volatile.Read(ref _dropped);

    async Task AcceptAsync()
    {
        var connections = new List<Task>();
        try
        {
            while (true)
                connections.Add(ForwardAsync(await _listener.AcceptTcpClientAsync(_stop.Token)));
        }
        catch (OperationCanceledException)
        {
            await Task.WhenAll(connections);
        }
    }

    async Task ForwardAsync(TcpClient client)
    {
        using var upstream = new TcpClient();
        using (client)
        {
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, _upstreamPort, _stop.Token);
                var toServer = client.GetStream().CopyToAsync(upstream.GetStream(), _stop.Token);
                var toClient = AnswerAsync(upstream.GetStream(), client);
                await Task.WhenAny(toServer, toClient);
            }
            catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // Either side went away: the connection is over.
            }
        }
    }

    async Task AnswerAsync(NetworkStream fromServer, TcpClient client)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await fromServer.ReadAsync(buffer, _stop.Token)) > 0)
        {
            if (DropAnswers && Interlocked.Increment(ref _answersSeen) <= AnswersToDrop)
            {
                Interlocked.Increment(ref _dropped);
                client.Client.LingerState = new LingerOption(true, 0); // a reset, as when a network path dies
                client.Client.Close();
                return;
            }
            await client.GetStream().WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
