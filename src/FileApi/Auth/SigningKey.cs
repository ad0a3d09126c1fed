using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text.Json;

namespace FileApi.Auth;

/// <summary>
/// A public signing key from a JWKS. Only the key parameters are kept and each verification builds its own
/// <see cref="RSA"/> or <see cref="ECDsa"/>: instances are not documented as thread-safe, and a key rotated out
/// while a request still uses it could not be disposed safely.
/// </summary>
internal sealed class SigningKey
{
    const int MinimumRsaKeyBits = 2048;

    readonly RSAParameters? _rsa;
    readonly ECParameters? _ec;
    readonly string? _curve;

    SigningKey(string id, string? algorithm, RSAParameters? rsa, ECParameters? ec, string? curve)
    {
        Id = id;
        Algorithm = algorithm;
        _rsa = rsa;
        _ec = ec;
        _curve = curve;
    }

    public string Id { get; }

    // When a JWK names its algorithm, tokens signed with that key may use only that one.
    public string? Algorithm { get; }

    /// <summary>Whether a token with this <c>alg</c> may be verified with this key (RFC 7518 pairs ES256 with P-256 only, and so on).</summary>
    public bool Supports(string algorithm) =>
        (Algorithm is null || Algorithm == algorithm) && algorithm switch
        {
            "RS256" or "RS384" or "RS512" or "PS256" => _rsa is not null,
            "ES256" => _curve == "P-256",
            "ES384" => _curve == "P-384",
            _ => false,
        };

    public bool Verify(string algorithm, ReadOnlySpan<byte> signedData, ReadOnlySpan<byte> signature)
    {
        if (!Supports(algorithm)) return false;

        if (_rsa is { } rsaParameters)
        {
            using var rsa = RSA.Create(rsaParameters);
            return algorithm switch
            {
                "RS256" => rsa.VerifyData(signedData, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
                "RS384" => rsa.VerifyData(signedData, signature, HashAlgorithmName.SHA384, RSASignaturePadding.Pkcs1),
                "RS512" => rsa.VerifyData(signedData, signature, HashAlgorithmName.SHA512, RSASignaturePadding.Pkcs1),
                "PS256" => rsa.VerifyData(signedData, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss),
                _ => false,
            };
        }

        // JWS carries ECDSA signatures as r||s, which is what VerifyData expects by default.
        using var ecdsa = ECDsa.Create(_ec!.Value);
        return ecdsa.VerifyData(signedData, signature, algorithm == "ES256" ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA384);
    }

    /// <summary>Reads one JWK; false, with the reason, for a key this API cannot or must not use.</summary>
    public static bool TryParse(JsonElement jwk, [NotNullWhen(true)] out SigningKey? key, out string reason)
    {
        key = null;
        if (jwk.ValueKind != JsonValueKind.Object)
        {
            reason = "not an object";
            return false;
        }

        var id = StringMember(jwk, "kid");
        var use = StringMember(jwk, "use");
        var algorithm = StringMember(jwk, "alg");
        if (string.IsNullOrEmpty(id))
        {
            reason = "no kid";
            return false;
        }

        if (use is not null && use != "sig")
        {
            reason = $"use is '{use}'";
            return false;
        }

        try
        {
            switch (StringMember(jwk, "kty"))
            {
                case "RSA":
                    var rsaParameters = new RSAParameters { Modulus = BytesMember(jwk, "n"), Exponent = BytesMember(jwk, "e") };
                    using (var rsa = RSA.Create(rsaParameters))
                    {
                        if (rsa.KeySize < MinimumRsaKeyBits)
                        {
                            reason = $"RSA key of {rsa.KeySize} bits";
                            return false;
                        }
                    }

                    key = new SigningKey(id, algorithm, rsaParameters, null, null);
                    break;

                case "EC":
                    var curveName = StringMember(jwk, "crv");
                    var (curve, coordinateLength) = curveName switch
                    {
                        "P-256" => (ECCurve.NamedCurves.nistP256, 32),
                        "P-384" => (ECCurve.NamedCurves.nistP384, 48),
                        _ => (default(ECCurve), 0),
                    };
                    var (x, y) = (BytesMember(jwk, "x"), BytesMember(jwk, "y"));
                    if (coordinateLength == 0 || x.Length != coordinateLength || y.Length != coordinateLength)
                    {
                        reason = $"unsupported or malformed EC key (crv '{curveName}')";
                        return false;
                    }

                    var ecParameters = new ECParameters { Curve = curve, Q = new ECPoint { X = x, Y = y } };
                    // Importing checks that the point lies on the curve.
                    using (ECDsa.Create(ecParameters)) { }
                    key = new SigningKey(id, algorithm, null, ecParameters, curveName);
                    break;

                case var keyType:
                    // Symmetric ("oct") keys in particular: a shared secret must never verify a token here.
                    reason = $"key type '{keyType}'";
                    return false;
            }
        }
        catch (Exception e) when (e is FormatException or CryptographicException)
        {
            reason = "malformed key material";
            return false;
        }

        reason = "";
        return true;
    }

    static string? StringMember(JsonElement jwk, string name) =>
        jwk.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    static byte[] BytesMember(JsonElement jwk, string name) =>
        Base64Url.DecodeFromChars(StringMember(jwk, name) ?? throw new FormatException($"JWK has no '{name}'."));
}
