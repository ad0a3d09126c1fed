using System.Security.Claims;
using System.Security.Cryptography;
using FileApi.Auth;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FileApi.Tests.Auth;

/// <summary>
/// The bearer scheme's token handler keeps a token that validated for a minute at most: told apart from a fresh
/// validation by parameters that would now refuse it (its signing key withdrawn).
/// </summary>
public sealed class ValidatedTokenCacheTests
{
    const string Issuer = "https://issuer.test/cache";
    const string Audience = "api://cache-tests";

    readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    readonly RsaSecurityKey _key = new(RSA.Create(2048)) { KeyId = "current" };
    readonly RsaSecurityKey _otherKey = new(RSA.Create(2048)) { KeyId = "current" };

    [Fact]
    public async Task AValidatedTokenIsAcceptedAgainWithoutValidationForAMinuteWithItsOwnCopyOfTheClaims()
    {
        var handler = new ValidatedTokenCache(_clock) { MapInboundClaims = false };
        var token = Token(expires: _clock.GetUtcNow().AddMinutes(30));

        var first = await handler.ValidateTokenAsync(token, Trusting(_key));
        first.ClaimsIdentity.AddClaim(new Claim("added_by_a_request", "x"));
        var withinTheMinute = await handler.ValidateTokenAsync(token, Trusting(_otherKey));
        _clock.Advance(ValidatedTokenCache.MaxAge + TimeSpan.FromSeconds(1));
        var afterTheMinute = await handler.ValidateTokenAsync(token, Trusting(_otherKey));

        Assert.True(first.IsValid);
        Assert.True(withinTheMinute.IsValid);
        Assert.Equal("user-1", withinTheMinute.ClaimsIdentity.FindFirst("oid")?.Value);
        Assert.Null(withinTheMinute.ClaimsIdentity.FindFirst("added_by_a_request"));
        Assert.False(afterTheMinute.IsValid);
    }

    [Fact]
    public async Task ATokenIsNeverKeptPastItsExpiryNorWhenItFailed()
    {
        var handler = new ValidatedTokenCache(_clock) { MapInboundClaims = false };
        var shortLived = Token(expires: _clock.GetUtcNow().AddSeconds(20));
        var refusedOnce = Token(expires: _clock.GetUtcNow().AddMinutes(30));

        Assert.True((await handler.ValidateTokenAsync(shortLived, Trusting(_key))).IsValid);
        Assert.False((await handler.ValidateTokenAsync(refusedOnce, Trusting(_otherKey))).IsValid);
        _clock.Advance(TimeSpan.FromSeconds(21));

        Assert.False((await handler.ValidateTokenAsync(shortLived, Trusting(_otherKey))).IsValid);
        Assert.True((await handler.ValidateTokenAsync(refusedOnce, Trusting(_key))).IsValid);
    }

    string Token(DateTimeOffset expires) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = Issuer,
        Audience = Audience,
        IssuedAt = _clock.GetUtcNow().UtcDateTime,
        NotBefore = _clock.GetUtcNow().UtcDateTime.AddMinutes(-1),
        Expires = expires.UtcDateTime,
        Claims = new Dictionary<string, object> { ["oid"] = "user-1" },
        SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
    });

    // The library judges lifetimes by the real clock; the tokens here are valid by both clocks until they expire.
    static TokenValidationParameters Trusting(SecurityKey key) => new()
    {
        ValidIssuer = Issuer,
        ValidAudience = Audience,
        IssuerSigningKey = key,
        ClockSkew = TimeSpan.Zero,
    };
}
