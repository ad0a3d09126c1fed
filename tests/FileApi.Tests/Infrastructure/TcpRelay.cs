using System.Net;
using System.Net.Sockets;

namespace FileApi.Tests.Infrastructure;

/// <summary>
/// A loopback TCP relay in front of a real server (PostgreSQL, Azurite), so a test can take that server away from the
/// app and give it back without stopping it for everyone else. <see cref="Cut"/> closes the port and every relayed
/// connection, as a server that goes down would; <see cref="Restore"/> listens on the same port again.
/// </summary>
public sealed class TcpRelay : IDisposable
{
    readonly Func<DnsEndPoint> _target;
    readonly Lock _gate = new();
    readonly List<TcpClient> _connections = [];
    TcpListener? _listener;

    /// <param name="target">Where to relay to, asked at each new connection (a server may be chosen after the relay).</param>
    public TcpRelay(Func<DnsEndPoint> target)
    {
        _target = target;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Restore();
    }

    public int Port { get; }

    public void Restore()
    {
        lock (_gate)
        {
            if (_listener is not null)
                return;
            var listener = new TcpListener(IPAddress.Loopback, Port);
            // Closed relayed connections linger in TIME_WAIT on this port; listening again must not wait for them.
            listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Start();
            _listener = listener;
            _ = AcceptAsync(listener);
        }
    }

    public void Cut()
    {
        lock (_gate)
        {
            _listener?.Stop();
            _listener = null;
            foreach (var connection in _connections)
                connection.Dispose();
            _connections.Clear();
        }
    }

    async Task AcceptAsync(TcpListener listener)
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync();
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return; // cut
            }
            _ = RelayAsync(client);
        }
    }

    async Task RelayAsync(TcpClient client)
    {
        using var server = new TcpClient();
        lock (_gate)
            _connections.AddRange([client, server]);
        try
        {
            var target = _target();
            await server.ConnectAsync(target.Host, target.Port);
            using var both = new CancellationTokenSource();
            var up = client.GetStream().CopyToAsync(server.GetStream(), both.Token);
            var down = server.GetStream().CopyToAsync(client.GetStream(), both.Token);
            await Task.WhenAny(up, down);
            await both.CancelAsync();
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // One side went away (or the relay was cut): the other is closed below.
        }
        finally
        {
            lock (_gate)
            {
                _connections.Remove(client);
                _connections.Remove(server);
            }
            client.Dispose();
        }
    }

    public void Dispose() => Cut();
}
