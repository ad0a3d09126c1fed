// Why this exists: JwtBearer reads signing keys from an OpenID metadata endpoint only. Development and tests trust a
// JWKS file instead (written by LocalTokenIssuer), and must see a rotated key without a restart, so the file is handed
// to the library through TokenValidationParameters.IssuerSigningKeyResolver and parsed by its JsonWebKeySet.

using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace FileApi.Auth;

/// <summary>
/// The public keys in <c>Auth:LocalSigningKeysPath</c>, read again whenever the file's time stamp or length changes.
/// A file that cannot be read or parsed leaves the keys read before in use.
/// </summary>
internal sealed partial class LocalSigningKeys(IOptions<JwtAuthenticationOptions> options, ILogger<LocalSigningKeys> logger)
{
    sealed record KeySet(IReadOnlyList<SecurityKey> Keys, (DateTime WrittenAt, long Length)? Stamp);

    readonly Lock _reloadLock = new();
    KeySet _current = new([], null);

    public IReadOnlyList<SecurityKey> Current
    {
        get
        {
            var path = options.Value.LocalSigningKeysPath!;
            var keys = Volatile.Read(ref _current);
            var stamp = StampOf(path);
            if (stamp is null || stamp == keys.Stamp) return keys.Keys;

            lock (_reloadLock)
            {
                if (_current.Stamp == stamp) return _current.Keys;
                try
                {
                    var jwks = new JsonWebKeySet(File.ReadAllText(path));
                    // Only keys meant for signatures, of a type that can verify one ("oct" secrets never can here).
                    var signingKeys = jwks.GetSigningKeys();
                    LogKeysLoaded(signingKeys.Count, path);
                    Volatile.Write(ref _current, new KeySet([.. signingKeys], stamp));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or System.Text.Json.JsonException)
                {
                    LogKeysUnavailable(e, path);
                }

                return _current.Keys;
            }
        }
    }

    static (DateTime, long)? StampOf(string path)
    {
        var file = new FileInfo(path);
        return file.Exists ? (file.LastWriteTimeUtc, file.Length) : null;
    }

    [LoggerMessage(LogLevel.Information, "Loaded {Count} signing keys from {Path}.")]
    partial void LogKeysLoaded(int count, string path);

    [LoggerMessage(LogLevel.Error, "Signing keys could not be loaded from {Path}; the keys loaded before stay in use.")]
    partial void LogKeysUnavailable(Exception exception, string path);
}
