using System.Collections.Concurrent;
using Azure.Core;

namespace FileApi.Tests.Infrastructure;

/// <summary>Plays the app's managed identity: hands out the token a test chooses and records the scopes asked for.</summary>
public sealed class TestTokenCredential(Func<string> token) : TokenCredential
{
    public ConcurrentQueue<string> RequestedScopes { get; } = new();

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        foreach (var scope in requestContext.Scopes)
            RequestedScopes.Enqueue(scope);
        return new AccessToken(token(), DateTimeOffset.UtcNow.AddHours(1));
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        new(GetToken(requestContext, cancellationToken));
}
