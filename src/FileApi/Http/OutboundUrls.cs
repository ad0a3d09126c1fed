using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace FileApi.Http;

/// <summary>
/// The rules for URLs that callers make this service (or the blob service) request: webhook endpoints and import
/// sources. In Production only https to public addresses; elsewhere also http and loopback or private addresses,
/// so tests and developers can point at a local listener. Names are resolved again when connecting, and the
/// connection goes to the address that was checked, so a name that later resolves inward (DNS rebinding) is refused.
/// </summary>
public sealed class OutboundUrls(IHostEnvironment environment)
{
    /// <summary>The HttpClient whose connections pass <see cref="ConnectAsync"/> and that never follows redirects.</summary>
    public const string ClientName = "outbound";

    static readonly IPNetwork[] NonPublicNetworks = [.. new[]
    {
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
        "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
        "::/128", "::1/128", "64:ff9b:1::/48", "100::/64", "2001:db8::/32", "fc00::/7", "fe80::/10", "ff00::/8",
    }.Select(IPNetwork.Parse)];

    public bool AllowsPrivateNetworks => !environment.IsProduction();

    /// <summary>Checks what can be checked without resolving: an absolute http(s) URL without credentials, https in Production.</summary>
    public bool TryAccept(string? raw, [NotNullWhen(true)] out Uri? url, [NotNullWhen(false)] out string? error)
    {
        url = null;
        if (string.IsNullOrWhiteSpace(raw) || raw.Length > 8192 || !Uri.TryCreate(raw, UriKind.Absolute, out var parsed))
            error = "must be an absolute URL.";
        else if (parsed.Scheme != Uri.UriSchemeHttps && !(AllowsPrivateNetworks && parsed.Scheme == Uri.UriSchemeHttp))
            error = AllowsPrivateNetworks ? "must be an http or https URL." : "must be an https URL.";
        else if (parsed.UserInfo.Length > 0)
            error = "must not carry a user name or password.";
        else if (!AllowsPrivateNetworks && (parsed.IsLoopback || IPAddress.TryParse(parsed.IdnHost, out var literal) && !IsPublic(literal)))
            error = "must not point at a loopback, private or reserved address.";
        else
        {
            url = parsed;
            error = null;
        }
        return url is not null;
    }

    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        return !NonPublicNetworks.Any(network => network.Contains(address));
    }

    /// <summary>The addresses of <paramref name="host"/> this service may connect to; throws when there are none.</summary>
    public async Task<IPAddress[]> ResolveAllowedAsync(string host, CancellationToken ct)
    {
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        var allowed = AllowsPrivateNetworks ? addresses : addresses.Where(IsPublic).ToArray();
        if (allowed.Length == 0)
            throw new OutboundAddressRefusedException($"{host} resolves to no public address.");
        return allowed;
    }

    /// <summary>SocketsHttpHandler.ConnectCallback: connects only to an address that passed the rules at this moment.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var addresses = await ResolveAllowedAsync(context.DnsEndPoint.Host, ct);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>A URL's host resolved only to addresses outbound requests may not reach.</summary>
public sealed class OutboundAddressRefusedException(string message) : Exception(message);

public static class OutboundUrlsExtensions
{
    /// <summary>The outbound client; a request that has not answered within <paramref name="requestTimeout"/> is abandoned.</summary>
    public static IServiceCollection AddOutboundUrls(this IServiceCollection services, Func<IServiceProvider, TimeSpan> requestTimeout)
    {
        services.AddSingleton<OutboundUrls>();
        services.AddHttpClient(OutboundUrls.ClientName)
            .ConfigureHttpClient((provider, client) => client.Timeout = requestTimeout(provider))
            .ConfigurePrimaryHttpMessageHandler(provider => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseProxy = false, // a proxy would connect for us, past the address check
                ConnectCallback = provider.GetRequiredService<OutboundUrls>().ConnectAsync,
                ConnectTimeout = requestTimeout(provider),
                PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            });
        return services;
    }
}
