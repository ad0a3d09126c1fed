using System.Collections.Frozen;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace FileApi.Auth;

/// <summary>
/// The public keys tokens are verified with, from a local JWKS file or from the authority's OpenID configuration.
/// Keys are cached; a token with an unknown <c>kid</c> triggers a refresh (that is how issuers roll keys over),
/// but at most once per <see cref="JwtAuthenticationOptions.KeyRefreshMinimumInterval"/> so random <c>kid</c>s
/// cannot make this service hammer the identity provider.
/// </summary>
internal sealed partial class SigningKeyProvider(
    IOptionsMonitor<JwtAuthenticationOptions> optionsMonitor,
    IHttpClientFactory httpClientFactory,
    TimeProvider timeProvider,
    ILogger<SigningKeyProvider> logger)
{
    public const string HttpClientName = "FileApi.Auth.SigningKeys";

    // Even without an unknown kid, keys removed by the issuer should stop working eventually.
    static readonly TimeSpan PeriodicRefreshInterval = TimeSpan.FromHours(24);

    // After a failed fetch (network blip at startup), retry sooner than the normal minimum interval.
    static readonly TimeSpan FailedRefreshRetryInterval = TimeSpan.FromSeconds(30);

    // One refresh at a time: callers that waited for it find its result and do not fetch again.
    readonly SemaphoreSlim _refreshLock = new(1, 1);
    KeySet? _keys;
    long _nextRemoteFetchTicks;

    sealed record KeySet(FrozenDictionary<string, SigningKey> Keys, DateTimeOffset LoadedAt, (DateTime, long)? FileStamp)
    {
        public static readonly KeySet Empty = new(FrozenDictionary<string, SigningKey>.Empty, DateTimeOffset.MinValue, null);
    }

    JwtAuthenticationOptions Options => optionsMonitor.Get(JwtAuthenticationOptions.SchemeName);

    public async ValueTask<SigningKey?> FindAsync(string keyId, CancellationToken cancellationToken)
    {
        var keys = Volatile.Read(ref _keys);
        if (keys is null || IsOutdated(keys))
            keys = await RefreshAsync(keys, cancellationToken);

        if (keys.Keys.TryGetValue(keyId, out var key)) return key;

        keys = await RefreshAsync(keys, cancellationToken);
        return keys.Keys.GetValueOrDefault(keyId);
    }

    bool IsOutdated(KeySet keys) => Options.LocalSigningKeysPath is { Length: > 0 } path
        ? keys.FileStamp != StampOf(path)
        : timeProvider.GetUtcNow() - keys.LoadedAt >= PeriodicRefreshInterval;

    async ValueTask<KeySet> RefreshAsync(KeySet? seen, CancellationToken cancellationToken)
    {
        var options = Options;
        var isRemote = string.IsNullOrEmpty(options.LocalSigningKeysPath);
        if (isRemote && !RemoteFetchAllowed()) return Volatile.Read(ref _keys) ?? KeySet.Empty;

        await _refreshLock.WaitAsync(cancellationToken);
        try
        {
            var current = _keys;
            if (current is not null && !ReferenceEquals(current, seen)) return current;
            if (!isRemote) return await ReadLocalFileAsync(options.LocalSigningKeysPath!, cancellationToken) ?? current ?? KeySet.Empty;
            if (!RemoteFetchAllowed()) return current ?? KeySet.Empty;

            var now = timeProvider.GetUtcNow();
            var fetched = await FetchRemoteAsync(options, now, cancellationToken);
            if (fetched is not null) Volatile.Write(ref _keys, fetched);

            // Set after the keys: a caller turned away by the rate limit reads _keys next and must find the new ones.
            var wait = fetched is null && options.KeyRefreshMinimumInterval > FailedRefreshRetryInterval
                ? FailedRefreshRetryInterval
                : options.KeyRefreshMinimumInterval;
            Interlocked.Exchange(ref _nextRemoteFetchTicks, (now + wait).UtcTicks);
            return fetched ?? current ?? KeySet.Empty;
        }
        finally
        {
            _refreshLock.Release();
        }
    }

    bool RemoteFetchAllowed() => timeProvider.GetUtcNow().UtcTicks >= Interlocked.Read(ref _nextRemoteFetchTicks);

    async Task<KeySet?> FetchRemoteAsync(JwtAuthenticationOptions options, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var metadataAddress = new Uri(options.EffectiveMetadataAddress()!);
        try
        {
            var client = httpClientFactory.CreateClient(HttpClientName);
            using var metadata = await GetJsonAsync(client, metadataAddress, cancellationToken);
            var jwksUri = metadata.RootElement.TryGetProperty("jwks_uri", out var value) && value.ValueKind == JsonValueKind.String
                && Uri.TryCreate(value.GetString(), UriKind.Absolute, out var uri) && (uri.Scheme == "https" || (uri.Scheme == "http" && !options.RequireHttpsMetadata))
                ? uri
                : throw new InvalidDataException($"The OpenID configuration at {metadataAddress} has no usable jwks_uri.");

            using var jwks = await GetJsonAsync(client, jwksUri, cancellationToken);
            var keys = ParseKeySet(jwks, jwksUri.ToString());
            LogKeysLoaded(keys.Count, jwksUri.ToString());
            return new KeySet(keys, now, null);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogKeysUnavailable(e, metadataAddress.ToString());
            return null;
        }
    }

    async Task<KeySet?> ReadLocalFileAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            // The stamp is taken before reading, so a write during the read shows up as a change next time.
            var stamp = StampOf(path);
            await using var stream = File.OpenRead(path);
            using var jwks = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
            var keys = ParseKeySet(jwks, path);
            LogKeysLoaded(keys.Count, path);
            var loaded = new KeySet(keys, timeProvider.GetUtcNow(), stamp);
            Volatile.Write(ref _keys, loaded);
            return loaded;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidDataException)
        {
            LogKeysUnavailable(e, path);
            return null;
        }
    }

    static (DateTime, long)? StampOf(string path)
    {
        var file = new FileInfo(path);
        return file.Exists ? (file.LastWriteTimeUtc, file.Length) : null;
    }

    static async Task<JsonDocument> GetJsonAsync(HttpClient client, Uri uri, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync(uri, cancellationToken);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        return await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
    }

    FrozenDictionary<string, SigningKey> ParseKeySet(JsonDocument jwks, string source)
    {
        var keys = new Dictionary<string, SigningKey>(StringComparer.Ordinal);
        if (!jwks.RootElement.TryGetProperty("keys", out var jwkArray) || jwkArray.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{source} is not a JWKS (no \"keys\" array).");

        foreach (var jwk in jwkArray.EnumerateArray())
        {
            if (!SigningKey.TryParse(jwk, out var key, out var reason))
                LogKeySkipped(source, reason);
            else if (!keys.TryAdd(key.Id, key))
                LogKeySkipped(source, $"duplicate kid '{key.Id}'");
        }

        return keys.ToFrozenDictionary(StringComparer.Ordinal);
    }

    [LoggerMessage(LogLevel.Information, "Loaded {Count} signing keys from {Source}.")]
    partial void LogKeysLoaded(int count, string source);

    [LoggerMessage(LogLevel.Warning, "A signing key from {Source} was skipped: {Reason}.")]
    partial void LogKeySkipped(string source, string reason);

    [LoggerMessage(LogLevel.Error, "Signing keys could not be loaded from {Source}; the keys loaded before stay in use.")]
    partial void LogKeysUnavailable(Exception exception, string source);
}
