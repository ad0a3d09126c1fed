using System.Net;
using FileApi.Tests.Infrastructure;

namespace FileApi.Tests.Workspaces;

public sealed class RateLimitedFactory : FileApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings =>
    [
        new("RateLimiting:Enabled", "true"),
        new("RateLimiting:RequestsPerSecond", "1"),
        new("RateLimiting:Burst", "3"),
    ];
}

public sealed class RateLimitingTests(RateLimitedFactory factory) : IClassFixture<RateLimitedFactory>
{
    [Fact]
    public async Task ACallerOverTheLimitGets429WithRetryAfterAndOthersAreUnaffected()
    {
        var busy = factory.CreateClientFor("busy");
        var url = $"/file/v2/workspaces";

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 6 && limited is null; i++)
        {
            var response = await busy.GetAsync(url);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
                limited = response;
        }
        using var other = await factory.CreateClientFor("calm").GetAsync(url);

        Assert.NotNull(limited);
        Assert.Equal(HttpStatusCode.OK, statuses[0]);
        Assert.NotNull(limited!.Headers.RetryAfter);
        Assert.Contains("urn:fileapi:problem:rate-limited", await limited.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }
}
