using System.Buffers.Text;
using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Core;

namespace FileApi.Cli;

/// <summary><c>fileapi login</c>, <c>logout</c> and <c>whoami</c>: the user's sign-in, kept in MSAL's token cache.</summary>
static class SignInCommands
{
    public static Command Login(GlobalOptions global, CliHost host)
    {
        var deviceCode = new Option<bool>("--device-code") { Description = "Sign in on another device: open the page shown and enter the code (default without a display)" };
        var browser = new Option<bool>("--browser") { Description = "Sign in in this machine's browser (default with a display)" };
        var command = new Command("login", "Sign in as a user, by device code or in the browser; tokens are cached and renewed") { deviceCode, browser };
        command.SetHandler(global, host, async context =>
        {
            var signIn = await UserSignIn.OpenAsync(context.SignIn, host);
            var useBrowser = context.Get(browser) || (!context.Get(deviceCode) && HasDisplay(host));
            var result = useBrowser
                ? await signIn.LoginWithBrowserAsync(context.CancellationToken)
                : await signIn.LoginWithDeviceCodeAsync(host.Error, context.CancellationToken);
            return context.Print(new { user = result.Account.Username, tenant_id = result.TenantId, cache = UserSignIn.CachePath(host) },
                () => [$"Signed in as {result.Account.Username}. Tokens are cached in {UserSignIn.CachePath(host)}."]);
        });
        return command;
    }

    public static Command Logout(GlobalOptions global, CliHost host)
    {
        var command = new Command("logout", "Remove the cached sign-in (every account, and the cache file)");
        command.SetHandler(global, host, async context =>
        {
            var removed = await (await UserSignIn.OpenAsync(context.SignIn, host)).LogoutAsync(host);
            return context.Print(new { removed_accounts = removed }, () => [removed > 0 ? "Signed out; the token cache is deleted." : "No one was signed in."]);
        });
        return command;
    }

    public static Command WhoAmI(GlobalOptions global, CliHost host)
    {
        var command = new Command("whoami", "Show who the API calls are made as, for which API, and with which credential");
        command.SetHandler(global, host, async context =>
        {
            context.CreateClient(_ => { });
            string token, source;
            if (context.Credential is { } credential)
            {
                token = (await credential.GetTokenAsync(new TokenRequestContext([context.SignIn.Scope!]), context.CancellationToken)).Token;
                source = credential.Chosen!;
            }
            else
            {
                token = context.Get(global.Token) ?? context.Settings.Token!;
                source = context.Get(global.Token) is null ? CliSettings.TokenVariable : "--token";
            }
            var claims = Claims(token);
            string? Claim(string name) => claims?[name]?.ToString();
            return context.Print(new { url = context.Settings.Url, credential = source, name = Claim("name"), user = Claim("preferred_username"), oid = Claim("oid"), tid = Claim("tid"), audience = Claim("aud") },
                () => [$"{Claim("name") ?? "(unknown)"} ({Claim("preferred_username") ?? Claim("oid")}), tenant {Claim("tid")}", $"API {context.Settings.Url} (audience {Claim("aud")})", $"Credential: {source}"]);
        });
        return command;
    }

    // Read only to show it; the API is what validates tokens.
    static JsonObject? Claims(string token)
    {
        var parts = token.Split('.');
        try { return parts.Length == 3 ? JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]))?.AsObject() : null; }
        catch (Exception exception) when (exception is FormatException or JsonException) { return null; }
    }

    static bool HasDisplay(CliHost host) => host.Interactive && (OperatingSystem.IsWindows() || OperatingSystem.IsMacOS()
        || host.GetEnvironmentVariable("DISPLAY") is { Length: > 0 } || host.GetEnvironmentVariable("WAYLAND_DISPLAY") is { Length: > 0 });
}
