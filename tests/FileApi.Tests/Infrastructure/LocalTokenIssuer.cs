using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace FileApi.Auth;

/// <summary>
/// Mints RS256 tokens for tests with a local key, whose JWKS (<see cref="PublicKeysPath"/>) an in-test OpenID provider
/// publishes (<see cref="FileApi.Tests.Infrastructure.OidcServer.AuthorityFor"/>). Locally tokens come from the development
/// identity provider (src/FileApi.DevIdentity), in production from Entra ID. Kept in the API's namespace, where it began.
/// </summary>
public sealed class LocalTokenIssuer : IDisposable
{
    public const string PrivateKeyFileName = "signing-key.pem";
    public const string PublicKeysFileName = "signing-keys.json";

    /// <summary>The <c>tid</c> of minted tokens; fixed, so local data keyed by tenant survives a new key.</summary>
    public const string LocalTenantId = "00000000-0000-0000-0000-000000000001";

    /// <summary>The delegated scope of minted user tokens: the default of <c>Auth:Scope</c>.</summary>
    public const string UserScope = "access_as_user";

    static readonly JsonSerializerOptions IndentedJson = new() { WriteIndented = true };

    readonly RSA _key;
    readonly Lock _signingLock = new();
    readonly TimeProvider _timeProvider;

    LocalTokenIssuer(RSA key, string keyId, string publicKeysPath, TimeProvider timeProvider)
    {
        _key = key;
        KeyId = keyId;
        PublicKeysPath = publicKeysPath;
        _timeProvider = timeProvider;
    }

    /// <summary>The RFC 7638 thumbprint of the key: stable for as long as the key file is kept.</summary>
    public string KeyId { get; }

    public string PublicKeysPath { get; }

    /// <summary>
    /// Loads the key in <paramref name="directory"/>, creating it on first use, and (re)writes the public JWKS beside it.
    /// Delete <see cref="PrivateKeyFileName"/> to rotate: the in-test provider publishes the new JWKS, which the API fetches
    /// at the first token naming the new key.
    /// </summary>
    public static LocalTokenIssuer LoadOrCreate(string directory, TimeProvider? timeProvider = null)
    {
        Directory.CreateDirectory(directory);
        var privateKeyPath = Path.Combine(directory, PrivateKeyFileName);
        if (!File.Exists(privateKeyPath))
        {
            using var newKey = RSA.Create(2048);
            WriteAtomically(privateKeyPath, newKey.ExportPkcs8PrivateKeyPem(), isPrivate: true);
        }

        var key = RSA.Create();
        key.ImportFromPem(File.ReadAllText(privateKeyPath));
        var parameters = key.ExportParameters(includePrivateParameters: false);
        var (n, e) = (Base64Url.EncodeToString(parameters.Modulus), Base64Url.EncodeToString(parameters.Exponent));
        // RFC 7638: the hash of the required members, in lexicographic order, without white space.
        var keyId = Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes($$"""{"e":"{{e}}","kty":"RSA","n":"{{n}}"}""")));

        var publicKeysPath = Path.Combine(directory, PublicKeysFileName);
        var jwks = JsonSerializer.Serialize(new { keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = keyId, n, e } } }, IndentedJson);
        // Rewritten only when different, so the API does not reload keys for nothing.
        if (!File.Exists(publicKeysPath) || File.ReadAllText(publicKeysPath) != jwks)
            WriteAtomically(publicKeysPath, jwks, isPrivate: false);

        return new LocalTokenIssuer(key, keyId, publicKeysPath, timeProvider ?? TimeProvider.System);
    }

    /// <summary>
    /// A user's signed token shaped like an Entra ID access token, with the API's delegated scope in <c>scp</c>
    /// (<paramref name="scope"/>, <see cref="UserScope"/> unless named). <paramref name="extraClaims"/> are applied last, so they
    /// can add claims (<c>roles</c>) and also replace standard ones (an <c>exp</c> in the past, another <c>tid</c> or <c>scp</c>).
    /// </summary>
    public string Mint(string subjectId, string name, string? email, string issuer, string audience, TimeSpan lifetime,
        IDictionary<string, object>? extraClaims = null, string scope = UserScope)
    {
        var claims = StandardClaims(subjectId, issuer, audience, lifetime);
        claims["name"] = name;
        claims["preferred_username"] = email ?? name;
        claims["scp"] = scope;
        claims["idtyp"] = "user";
        if (email is not null) claims["email"] = email;
        foreach (var (type, value) in extraClaims ?? new Dictionary<string, object>()) claims[type] = value;
        return Sign(claims);
    }

    /// <summary>
    /// An app-only token, as a daemon (or Event Grid) gets with client credentials: <c>idtyp=app</c>, app roles, no scope.
    /// </summary>
    public string MintApp(string appId, string issuer, string audience, TimeSpan lifetime, IReadOnlyList<string> roles)
    {
        var claims = StandardClaims(appId, issuer, audience, lifetime);
        claims["azp"] = appId;
        claims["idtyp"] = "app";
        claims["roles"] = roles;
        return Sign(claims);
    }

    Dictionary<string, object> StandardClaims(string subjectId, string issuer, string audience, TimeSpan lifetime)
    {
        var now = _timeProvider.GetUtcNow().ToUnixTimeSeconds();
        return new Dictionary<string, object>
        {
            ["iss"] = issuer,
            ["aud"] = audience,
            ["sub"] = subjectId,
            ["oid"] = subjectId,
            ["tid"] = LocalTenantId,
            ["iat"] = now,
            ["nbf"] = now,
            ["exp"] = now + (long)lifetime.TotalSeconds,
        };
    }

    string Sign(Dictionary<string, object> claims)
    {
        var header = new { alg = "RS256", kid = KeyId, typ = "JWT" };
        var signingInput = $"{Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(header))}.{Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(claims))}";
        byte[] signature;
        // RSA instances are not documented as thread-safe.
        lock (_signingLock)
        {
            signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }

        return $"{signingInput}.{Base64Url.EncodeToString(signature)}";
    }

    /// <summary>
    /// A stable user id for a local user name (case-insensitive), so <c>dev token --user alice</c> always yields the
    /// same caller: an RFC 9562 version 8 UUID made from the SHA-256 of the name.
    /// </summary>
    public static Guid UserIdFor(string userName)
    {
        Span<byte> bytes = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes("fileapi-local-user:" + userName.Trim().ToLowerInvariant()), bytes);
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes[..16], bigEndian: true);
    }

    public void Dispose() => _key.Dispose();

    // Written to a temporary file and renamed, so the API never reads half a key file.
    static void WriteAtomically(string path, string contents, bool isPrivate)
    {
        var temporaryPath = $"{path}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (isPrivate && !OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temporaryPath, options))
        {
            stream.Write(Encoding.UTF8.GetBytes(contents));
        }

        File.Move(temporaryPath, path, overwrite: true);
    }
}
