using System.Collections.Concurrent;
using FileApi.Tests.Auth;
using FileApi.Tests.Infrastructure;
using Microsoft.Playwright;

namespace FileApi.Tests.Browser;

/// <summary>The page with access tokens that live 8 seconds, so an upload can outlast one.</summary>
public sealed class ShortLivedTokenBrowserFixture() : BrowserFixture(TimeSpan.FromSeconds(8));

/// <summary>
/// The page signs in with MSAL.js at the development OpenID provider (authorization code with PKCE, by redirect),
/// as it would at Entra, and asks MSAL for a token before every API call.
/// </summary>
[Collection(BlobServiceCorsCollection.Name)]
public sealed class BrowserSignInTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task ThePageSignsInAtTheProvidersLoginPageAndSignsOutThere()
    {
        var page = await browser.OpenUploaderAsync();

        await browser.SignInAsync(page, FileApiFactory.Owner);

        Assert.Equal($"Signed in as {FileApiFactory.Owner}", await page.InnerTextAsync("#who"));
        await page.Locator("#upload-card:not([hidden])").WaitForAsync();
        // The provider ends its session and sends the browser back to the page, signed out.
        await page.RunAndWaitForRequestAsync(() => page.ClickAsync("#sign-out"), "**/oauth2/v2.0/logout**");
        await page.WaitForURLAsync($"{browser.Api.Origin}/app/**");
        await page.Locator("#sign-in:not([hidden])").WaitForAsync();
        await page.ClickAsync("#microsoft-sign-in");
        await page.WaitForURLAsync($"{browser.Api.Identity.Url}login**");
    }

    [Fact]
    public async Task TheSettingsComeFromTheApiAndHoldNoSecret()
    {
        using var response = await browser.Api.CreateClient().GetAsync("/app/config.json");
        var config = await response.Content.ReadAsStringAsync();

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(
            $$"""{"client_id":"{{DevIdentityServer.BrowserClientId}}","authority":"{{browser.Api.Identity.Authority}}","known_authorities":["{{browser.Api.Identity.Url.Authority}}"],"scope":"{{DevIdentityServer.Scope}}","token_renewal_offset_seconds":300}""",
            config);
    }

    [Fact]
    public void TheVendoredMsalBrowserIsThePinnedPackagesBuild()
    {
        var vendored = Path.Combine(Repository.Root, "src", "FileApi", "wwwroot", "app", "vendor", "msal-browser", "msal-browser.min.js");
        var package = Path.Combine(Repository.Root, "node_modules", "@azure", "msal-browser", "lib", "msal-browser.min.js");

        Assert.Equal(File.ReadAllBytes(package), File.ReadAllBytes(vendored));
        Assert.StartsWith("/*! @azure/msal-browser v5.29.0 ", File.ReadAllText(vendored));
    }
}

[Collection(BlobServiceCorsCollection.Name)]
public sealed class BrowserTokenRenewalTests(ShortLivedTokenBrowserFixture browser) : IClassFixture<ShortLivedTokenBrowserFixture>
{
    [Fact]
    public async Task AnUploadThatOutlastsItsAccessTokenCompletesWithARenewedOne()
    {
        var bytes = TestData.RandomBytes(4 * 64 * 1024 + 7);
        using var file = new BrowserUploaderTests.TemporaryFile("outlasts its token.bin", bytes);
        var page = await browser.OpenUploaderAsync("?block_size=65536&concurrency=2");
        await browser.SignInAsync(page, FileApiFactory.Owner);
        await page.Locator("#upload-card:not([hidden])").WaitForAsync();
        await page.SelectOptionAsync("#workspace", browser.Api.WorkspaceId.ToString());

        var tokens = new ConcurrentDictionary<string, string>();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(browser.Api.Origin, StringComparison.Ordinal) || request.Headers.GetValueOrDefault("authorization") is not { } bearer) return;
            if (request.Method == "PUT" && request.Url.Contains("/files/path/", StringComparison.Ordinal)) tokens.TryAdd("register", bearer[7..]);
            if (request.Method == "POST" && request.Url.EndsWith("/complete", StringComparison.Ordinal)) tokens.TryAdd("complete", bearer[7..]);
        };
        // The last request to storage waits until the token the upload registered with has expired (the API allows no clock skew here).
        await page.RouteAsync("**/*comp=blocklist*", async route =>
        {
            var expiresAt = DateTimeOffset.FromUnixTimeSeconds(TestTokens.PayloadOf(tokens["register"])["exp"]!.GetValue<long>());
            var wait = expiresAt.AddSeconds(1) - DateTimeOffset.UtcNow;
            // A real wait: Chromium, the provider and the API run on the real clock.
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
            await route.ContinueAsync();
        });

        await page.SetInputFilesAsync("#files", file.Path);
        await page.Locator(".upload[data-state='done'], .upload[data-state='failed']").WaitForAsync();

        var row = page.Locator(".upload", new PageLocatorOptions { HasText = file.Name });
        Assert.Equal("done", await row.GetAttributeAsync("data-state"));
        var registered = TestTokens.PayloadOf(tokens["register"]);
        var completed = TestTokens.PayloadOf(tokens["complete"]);
        Assert.NotEqual(tokens["register"], tokens["complete"]);
        Assert.True(completed["exp"]!.GetValue<long>() > registered["exp"]!.GetValue<long>());
        Assert.Equal(registered["oid"]!.GetValue<string>(), completed["oid"]!.GetValue<string>());
    }
}
