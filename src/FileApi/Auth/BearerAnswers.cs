using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FileApi.Auth;

/// <summary>
/// The API's 401 and 403 answers to bearer callers: RFC 6750 <c>WWW-Authenticate</c> and a problem+json body.
/// </summary>
static class BearerAnswers
{
    const string Realm = "fileapi";

    public static JwtBearerEvents Events() => new()
    {
        OnChallenge = async context =>
        {
            context.HandleResponse();
            var description = context.AuthenticateFailure switch
            {
                null => null,
                // The handler refuses an oversized token unread, with the same exception as a malformed one.
                ArgumentException when IsTooLarge(context) => "The token is too large.",
                var failure => Describe(failure),
            };
            context.Response.Headers.WWWAuthenticate = description is null
                ? $"Bearer realm=\"{Realm}\""
                : $"Bearer realm=\"{Realm}\", error=\"invalid_token\", error_description=\"{description}\"";
            await TypedResults.Problem(
                detail: description ?? "This request needs a bearer token.",
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Unauthorized",
                type: "urn:fileapi:problem:unauthorized").ExecuteAsync(context.HttpContext);
        },
        OnForbidden = async context =>
        {
            context.Response.Headers.WWWAuthenticate = $"Bearer realm=\"{Realm}\", error=\"insufficient_scope\"";
            await TypedResults.Problem(
                detail: "The caller is not allowed to do this.",
                statusCode: StatusCodes.Status403Forbidden,
                title: "Forbidden",
                type: "urn:fileapi:problem:forbidden").ExecuteAsync(context.HttpContext);
        },
    };

    static bool IsTooLarge(JwtBearerChallengeContext context)
    {
        var limit = context.Options.TokenHandlers.OfType<JsonWebTokenHandler>().Select(handler => handler.MaximumTokenSizeInBytes).DefaultIfEmpty(int.MaxValue).Min();
        return context.Request.Headers.Authorization.ToString().Length - "Bearer ".Length > limit;
    }

    // Fixed texts only: the library's messages name keys, claims and values, and nothing from the token may be
    // echoed into a header. RFC 6750 limits error_description to these characters anyway.
    static string Describe(Exception failure) => failure switch
    {
        SecurityTokenExpiredException => "The token has expired.",
        SecurityTokenNotYetValidException => "The token is not valid yet.",
        SecurityTokenNoExpirationException => "The token has no expiry.",
        SecurityTokenInvalidLifetimeException => "The token's lifetime is not valid.",
        SecurityTokenInvalidIssuerException => "The token's issuer is not accepted.",
        SecurityTokenInvalidAudienceException => "The token's audience is not accepted.",
        SecurityTokenInvalidAlgorithmException => "The token's signing algorithm is not allowed.",
        SecurityTokenSignatureKeyNotFoundException => "The token's signing key is unknown.",
        SecurityTokenInvalidSignatureException => "The token's signature is invalid.",
        SecurityTokenMalformedException => "The token is malformed.",
        // JsonWebTokenHandler reports a token it cannot read as an ArgumentException.
        ArgumentException => "The token is malformed.",
        _ => "The token could not be validated.",
    };
}
