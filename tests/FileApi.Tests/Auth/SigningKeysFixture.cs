using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FileApi.Auth;

namespace FileApi.Tests.Auth;

/// <summary>
/// The keys a test class signs with: a <see cref="LocalTokenIssuer"/> (RSA) and an EC P-256 key, both published in
/// one JWKS file that the test hosts trust.
/// </summary>
public sealed class SigningKeysFixture : IDisposable
{
    public const string EcKeyId = "ec-test-key";

    readonly TemporaryDirectory _directory = new();

    public SigningKeysFixture()
    {
        Issuer = LocalTokenIssuer.LoadOrCreate(_directory.Path);
        RsaKey = RSA.Create();
        RsaKey.ImportFromPem(File.ReadAllText(Path.Combine(_directory.Path, LocalTokenIssuer.PrivateKeyFileName)));
        EcKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var jwks = JsonNode.Parse(File.ReadAllText(Issuer.PublicKeysPath))!;
        jwks["keys"]!.AsArray().Add(JwkOf(EcKey, EcKeyId));
        JwksPath = Path.Combine(_directory.Path, "trusted-keys.json");
        File.WriteAllText(JwksPath, jwks.ToJsonString());
    }

    public LocalTokenIssuer Issuer { get; }

    /// <summary>The issuer's private key, to sign tokens the issuer itself would never mint.</summary>
    public RSA RsaKey { get; }

    public ECDsa EcKey { get; }

    public string JwksPath { get; }

    public string Mint(string user = "alice", string issuer = AuthTestHost.Issuer, string audience = AuthTestHost.Audience,
        IDictionary<string, object>? extraClaims = null) =>
        Issuer.Mint(LocalTokenIssuer.UserIdFor(user).ToString(), user, $"{user}@example.test", issuer, audience, TimeSpan.FromMinutes(10), extraClaims);

    public byte[] SignRs256(byte[] data) => RsaKey.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    public static JsonObject JwkOf(ECDsa key, string keyId)
    {
        var parameters = key.ExportParameters(includePrivateParameters: false);
        return new JsonObject
        {
            ["kty"] = "EC",
            ["use"] = "sig",
            ["crv"] = "P-256",
            ["kid"] = keyId,
            ["x"] = Base64Url.EncodeToString(parameters.Q.X),
            ["y"] = Base64Url.EncodeToString(parameters.Q.Y),
        };
    }

    public void Dispose()
    {
        Issuer.Dispose();
        RsaKey.Dispose();
        EcKey.Dispose();
        _directory.Dispose();
    }
}

/// <summary>Builds tokens by hand: forged, tampered or signed with keys and algorithms <see cref="LocalTokenIssuer"/> does not use.</summary>
static class TestTokens
{
    /// <param name="sign">Returns the signature of the signing input; an empty one makes an unsigned token.</param>
    public static string Sign(object header, string payloadJson, Func<byte[], byte[]> sign)
    {
        var signingInput = $"{Encode(JsonSerializer.SerializeToUtf8Bytes(header))}.{Encode(Encoding.UTF8.GetBytes(payloadJson))}";
        return $"{signingInput}.{Encode(sign(Encoding.ASCII.GetBytes(signingInput)))}";
    }

    public static JsonObject PayloadOf(string token) => JsonNode.Parse(Base64Url.DecodeFromChars(token.Split('.')[1]))!.AsObject();

    public static JsonObject HeaderOf(string token) => JsonNode.Parse(Base64Url.DecodeFromChars(token.Split('.')[0]))!.AsObject();

    public static string Encode(byte[] bytes) => Base64Url.EncodeToString(bytes);
}
