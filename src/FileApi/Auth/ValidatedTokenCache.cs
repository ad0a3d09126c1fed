using Microsoft.Extensions.Caching.Memory;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FileApi.Auth;

// Own code because neither JwtBearer nor Microsoft.Identity.Web keeps a validated token: each request parses the
// token, checks its RSA signature and builds its claims again, the largest CPU cost of a poll (a client polls with
// one token for its whole lifetime). Only a token that validated is kept, by its exact text, so a hit is a token
// already proven genuine; validation itself stays the library's, with the scheme's parameters.
/// <summary>
/// The JwtBearer token handler, remembering each valid token for at most <see cref="MaxAge"/> and never past its
/// <c>exp</c>, so a key the issuer withdraws stops accepting its tokens within that minute as well.
/// </summary>
public sealed class ValidatedTokenCache(TimeProvider clock) : JsonWebTokenHandler
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(1);
    const int MaxTokens = 10_000;

    readonly MemoryCache _valid = new(new MemoryCacheOptions { SizeLimit = MaxTokens });

    sealed record Validated(TokenValidationResult Result, ClaimsIdentityTemplate Identity, DateTimeOffset NotAfter);

    /// <summary>The claims of a validated token; each request gets its own copy, as handlers and policies may add to it.</summary>
    sealed record ClaimsIdentityTemplate(System.Security.Claims.ClaimsIdentity Identity);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var now = clock.GetUtcNow();
        if (_valid.TryGetValue(token, out Validated? hit) && hit!.NotAfter > now)
            return new TokenValidationResult
            {
                IsValid = true,
                SecurityToken = hit.Result.SecurityToken,
                ClaimsIdentity = hit.Identity.Identity.Clone(),
                Issuer = hit.Result.Issuer,
                TokenType = hit.Result.TokenType,
            };

        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result is { IsValid: true, SecurityToken: JsonWebToken jwt, ClaimsIdentity: { } identity })
        {
            var notAfter = new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero);
            if (notAfter > now + MaxAge)
                notAfter = now + MaxAge;
            if (notAfter > now)
                _valid.Set(token, new Validated(result, new ClaimsIdentityTemplate(identity.Clone()), notAfter),
                    new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = notAfter - now });
        }
        return result;
    }
}
