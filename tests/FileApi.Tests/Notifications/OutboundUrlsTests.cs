using FileApi.Http;
using FileApi.Notifications;
using Microsoft.Extensions.Hosting.Internal;

namespace FileApi.Tests.Notifications;

public sealed class OutboundUrlsTests
{
    static OutboundUrls In(string environment) => new(new HostingEnvironment { EnvironmentName = environment });

    [Theory]
    [InlineData("http://hooks.example.com/in")]
    [InlineData("https://127.0.0.1/in")]
    [InlineData("https://localhost/in")]
    [InlineData("https://10.1.2.3/in")]
    [InlineData("https://172.20.0.1/in")]
    [InlineData("https://192.168.1.10/in")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://[::1]/in")]
    [InlineData("https://[fd00::1]/in")]
    [InlineData("https://[::ffff:10.0.0.1]/in")]
    [InlineData("https://user:pass@hooks.example.com/in")]
    [InlineData("ftp://hooks.example.com/in")]
    public void ProductionRefusesUrlsThatAreNotHttpsToPublicHosts(string url)
    {
        Assert.False(In("Production").TryAccept(url, out _, out var error));
        Assert.NotNull(error);
    }

    [Theory]
    [InlineData("https://hooks.example.com/in")]
    [InlineData("https://93.184.216.34/in")]
    public void ProductionAcceptsHttpsToPublicHosts(string url) => Assert.True(In("Production").TryAccept(url, out _, out _));

    [Theory]
    [InlineData("Development")]
    [InlineData("Testing")]
    public void DevelopmentAndTestingAcceptLoopbackHttp(string environment) =>
        Assert.True(In(environment).TryAccept("http://127.0.0.1:5000/in", out _, out _));

    [Fact]
    public async Task InProductionANameThatResolvesToLoopbackIsRefusedWhenConnecting()
    {
        await Assert.ThrowsAsync<OutboundAddressRefusedException>(() => In("Production").ResolveAllowedAsync("localhost", CancellationToken.None));
        Assert.NotEmpty(await In("Testing").ResolveAllowedAsync("localhost", CancellationToken.None));
    }

    [Fact]
    public void RetriesBackOffExponentiallyUpToTheCap()
    {
        var options = new WebhooksOptions();

        Assert.Equal(
            [TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(8)],
            Enumerable.Range(1, 5).Select(options.RetryDelay));
        Assert.Equal(TimeSpan.FromHours(2), options.RetryDelay(12));
        Assert.Equal(TimeSpan.FromHours(2), options.RetryDelay(1000));
        Assert.Equal(TimeSpan.FromHours(24), options.RetryFor);
    }
}
