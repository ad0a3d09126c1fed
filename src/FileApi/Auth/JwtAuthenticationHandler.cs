// Why this folder exists: Microsoft.AspNetCore.Authentication.JwtBearer and Microsoft.Identity.Web cannot be
// restored from our NuGet source (the IdentityModel 7+ packages they depend on are missing from it). Bearer tokens
// are therefore validated here, on ASP.NET Core's AuthenticationHandler and System.Security.Cryptography, with
// settings that map onto an Entra ID app registration. When those packages become available, replace this folder
// with AddJwtBearer / AddMicrosoftIdentityWebApi; CallerIdentity and LocalTokenIssuer can stay.

using System.Buffers;
using System.Buffers.Text;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace FileApi.Auth;

/// <summary>
/// Validates <c>Authorization: Bearer &lt;jwt&gt;</c> (RFC 7519 / RFC 7515, compact form, asymmetric algorithms only)
/// and answers failures per RFC 6750 with a problem+json body.
/// </summary>
internal sealed class JwtAuthenticationHandler(
    IOptionsMonitor<JwtAuthenticationOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    SigningKeyProvider signingKeys)
    : AuthenticationHandler<JwtAuthenticationOptions>(options, logger, encoder)
{
    const string Realm = "fileapi";

    // The descriptions are fixed texts: nothing from the token is echoed, so a client cannot inject into the
    // WWW-Authenticate header, and RFC 6750 limits error_description to these characters anyway.
    const string TooLarge = "The token is too large.";
    const string Malformed = "The token is malformed.";
    const string AlgorithmNotAllowed = "The token's signing algorithm is not allowed.";
    const string UnknownSigningKey = "The token's signing key is unknown.";
    const string AlgorithmDoesNotMatchKey = "The token's signing algorithm does not match its signing key.";
    const string BadSignature = "The token's signature is invalid.";
    const string NoExpiry = "The token has no expiry.";
    const string Expired = "The token has expired.";
    const string NotYetValid = "The token is not valid yet.";
    const string WrongIssuer = "The token's issuer is not accepted.";
    const string WrongAudience = "The token's audience is not accepted.";

    static readonly SearchValues<char> CompactTokenChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.");

    // A JSON object with a claim twice is ambiguous (which "aud" did the issuer mean?), so it is refused.
    static readonly JsonDocumentOptions StrictJson = new() { AllowDuplicateProperties = false, MaxDepth = 32 };

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string authorization = Request.Headers.Authorization.ToString();
        var separator = authorization.IndexOf(' ');
        var scheme = separator < 0 ? authorization : authorization[..separator];
        if (!scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
            return AuthenticateResult.NoResult();

        var token = separator < 0 ? "" : authorization[(separator + 1)..].Trim();
        if (token.Length > Options.MaxTokenLength) return Reject(TooLarge);

        var parts = token.Split('.');
        if (parts.Length != 3 || parts[0].Length == 0 || parts[1].Length == 0 || token.AsSpan().ContainsAnyExcept(CompactTokenChars))
            return Reject(Malformed);

        string? algorithm, keyId;
        try
        {
            using var header = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[0]), StrictJson);
            if (header.RootElement.ValueKind != JsonValueKind.Object) return Reject(Malformed);
            // "crit" names extensions the recipient must understand (RFC 7515 4.1.11); this handler understands none.
            if (header.RootElement.TryGetProperty("crit", out _)) return Reject(Malformed);
            algorithm = StringClaim(header.RootElement, "alg");
            keyId = StringClaim(header.RootElement, "kid");
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return Reject(Malformed);
        }

        // SupportedAlgorithms is checked again here so that options configured in code, bypassing validation,
        // still cannot let "none" or an HMAC algorithm through.
        if (algorithm is null || !JwtAuthenticationOptions.SupportedAlgorithms.Contains(algorithm)
            || !Options.EffectiveAllowedAlgorithms().Contains(algorithm))
            return Reject(AlgorithmNotAllowed);

        var key = keyId is null ? null : await signingKeys.FindAsync(keyId, Context.RequestAborted);
        if (key is null) return Reject(UnknownSigningKey);
        if (!key.Supports(algorithm)) return Reject(AlgorithmDoesNotMatchKey);

        byte[] signature;
        try
        {
            signature = Base64Url.DecodeFromChars(parts[2]);
        }
        catch (FormatException)
        {
            return Reject(Malformed);
        }

        var signedData = Encoding.ASCII.GetBytes(token, 0, parts[0].Length + 1 + parts[1].Length);
        if (!key.Verify(algorithm, signedData, signature)) return Reject(BadSignature);

        // Claims are only looked at once the signature shows they come from the issuer.
        JsonDocument payload;
        try
        {
            payload = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1]), StrictJson);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return Reject(Malformed);
        }

        using (payload)
        {
            return payload.RootElement.ValueKind == JsonValueKind.Object
                ? ValidateClaims(payload.RootElement)
                : Reject(Malformed);
        }
    }

    AuthenticateResult ValidateClaims(JsonElement payload)
    {
        var now = TimeProvider.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        var skew = Options.ClockSkew.TotalSeconds;

        if (NumericDate(payload, "exp") is not { } expires) return Reject(NoExpiry);
        var notBefore = NumericDate(payload, "nbf");
        var issuedAt = NumericDate(payload, "iat");
        if (double.IsNaN(expires) || notBefore is double.NaN || issuedAt is double.NaN) return Reject(Malformed);

        if (now - skew >= expires) return Reject(Expired);
        if (now + skew < notBefore || now + skew < issuedAt) return Reject(NotYetValid);

        var issuer = StringClaim(payload, "iss");
        if (issuer is null || !Options.EffectiveIssuers().Contains(issuer, StringComparer.Ordinal)) return Reject(WrongIssuer);

        if (!HasAcceptedAudience(payload)) return Reject(WrongAudience);

        var identity = new ClaimsIdentity(ClaimsOf(payload, issuer), Scheme.Name, nameType: "name", roleType: "roles");
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }

    bool HasAcceptedAudience(JsonElement payload)
    {
        if (!payload.TryGetProperty("aud", out var audience)) return false;
        var accepted = Options.EffectiveAudiences();
        return audience.ValueKind switch
        {
            JsonValueKind.String => accepted.Contains(audience.GetString()!, StringComparer.Ordinal),
            JsonValueKind.Array => audience.EnumerateArray().Any(item =>
                item.ValueKind == JsonValueKind.String && accepted.Contains(item.GetString()!, StringComparer.Ordinal)),
            _ => false,
        };
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        // Only this handler's own fixed descriptions reach the client, never another exception's message.
        var description = result.Failure switch
        {
            null => null,
            InvalidTokenException invalid => invalid.Message,
            _ => "The token could not be validated.",
        };

        Response.Headers.WWWAuthenticate = description is null
            ? $"Bearer realm=\"{Realm}\""
            : $"Bearer realm=\"{Realm}\", error=\"invalid_token\", error_description=\"{description}\"";
        await TypedResults.Problem(
            detail: description ?? "This request needs a bearer token.",
            statusCode: StatusCodes.Status401Unauthorized,
            title: "Unauthorized",
            type: "urn:fileapi:problem:unauthorized").ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = $"Bearer realm=\"{Realm}\", error=\"insufficient_scope\"";
        await TypedResults.Problem(
            detail: "The caller is not allowed to do this.",
            statusCode: StatusCodes.Status403Forbidden,
            title: "Forbidden",
            type: "urn:fileapi:problem:forbidden").ExecuteAsync(Context);
    }

    static AuthenticateResult Reject(string description) => AuthenticateResult.Fail(new InvalidTokenException(description));

    static string? StringClaim(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    // NumericDate (RFC 7519 2): seconds since the epoch, possibly fractional. Null when the claim is absent,
    // NaN when it is there but not a number, so callers can tell missing from malformed.
    static double? NumericDate(JsonElement payload, string name)
    {
        if (!payload.TryGetProperty(name, out var value)) return null;
        return value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var seconds) && double.IsFinite(seconds) ? seconds : double.NaN;
    }

    // Every claim is kept under its own short name; arrays ("roles", "aud", "groups") become one claim per item.
    static IEnumerable<Claim> ClaimsOf(JsonElement payload, string issuer)
    {
        foreach (var property in payload.EnumerateObject())
        {
            var values = property.Value.ValueKind == JsonValueKind.Array ? property.Value.EnumerateArray().ToArray() : [property.Value];
            foreach (var value in values)
            {
                var (text, valueType) = value.ValueKind switch
                {
                    JsonValueKind.String => (value.GetString(), ClaimValueTypes.String),
                    JsonValueKind.Number => (value.GetRawText(), value.TryGetInt64(out _) ? ClaimValueTypes.Integer64 : ClaimValueTypes.Double),
                    JsonValueKind.True or JsonValueKind.False => (value.GetRawText(), ClaimValueTypes.Boolean),
                    JsonValueKind.Object or JsonValueKind.Array => (value.GetRawText(), "JSON"),
                    _ => (null, null),
                };
                if (text is not null) yield return new Claim(property.Name, text, valueType, issuer);
            }
        }
    }

    /// <summary>Carries a rejection from authentication to the challenge; the message is one of the fixed descriptions above.</summary>
    sealed class InvalidTokenException(string description) : Exception(description);
}
