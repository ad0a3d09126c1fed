using System.Text.Json;
using FileApi.Events;
using FileApi.Tests.Infrastructure;

namespace FileApi.Tests.AzureDeployment;

/// <summary>
/// bicep/hooks/preprovision.sh (and postprovision.sh) run with stand-ins for az and azd that answer from files and record every call:
/// what it sends Microsoft Graph, what it grants and records, and that a second run changes nothing. (Whether
/// Graph accepts it can only be seen in Azure.)
/// </summary>
public sealed class PreprovisionHookTests : IDisposable
{
    private const string Deployer = "11111111-1111-1111-1111-111111111111";
    private const string ClientId = "22222222-2222-2222-2222-222222222222";
    private const string BrowserClientId = "44444444-4444-4444-4444-444444444444";
    private const string EventGridApp = "4962773b-9cdb-44cf-a8bf-237846a00ab7";

    // Service principals are "sp-<app id>"; the API's registration exists once created (file "app"), the page's too
    // (file "browser-app").
    private const string FakeAz = """
        #!/bin/sh
        state=$FAKE_STATE
        printf '%s\n' "$*" >> "$state/calls"
        body=; previous=
        for arg in "$@"; do [ "$previous" = --body ] && body=$arg; previous=$arg; done
        case "$*" in
          "account show --output none"|"account set --subscription "*) ;;
          "account show --query user.type --output tsv") echo user ;;
          "ad signed-in-user show --query id --output tsv") echo 11111111-1111-1111-1111-111111111111 ;;
          "ad signed-in-user show --query userPrincipalName --output tsv") echo dev@contoso.example ;;
          "ad app create --display-name fileapi-test-browser "*) echo 44444444-4444-4444-4444-444444444444 > "$state/browser-app"; cat "$state/browser-app" ;;
          "ad app create "*) echo 22222222-2222-2222-2222-222222222222 > "$state/app"; cat "$state/app" ;;
          "ad app show --id "*" --output none") cat "$state/app" "$state/browser-app" 2>/dev/null | grep -qx -- "$5" ;;
          "ad app show --id "*" --query id --output tsv") echo app-object-id ;;
          "ad app show --id "*"appRoles"*) cat "$state/role" 2>/dev/null || echo ;;
          "ad app show --id "*"oauth2PermissionScopes"*) cat "$state/scope" 2>/dev/null || echo ;;
          "ad sp show --id "*) echo "sp-$5" ;;
          "rest --method PATCH "*) printf '%s' "$body" > "$state/patch-$(ls "$state" | grep -c '^patch-').json" ;;
          "rest --method GET "*) cat "$state/granted" 2>/dev/null || echo 0 ;;
          "rest --method POST "*) printf '%s\n' "$body" >> "$state/grants" ;;
          *) echo "fake az: unexpected call: $*" >&2; exit 2 ;;
        esac
        """;

    private const string FakeAzd = """
        #!/bin/sh
        printf '%s\n' "$*" >> "$FAKE_STATE/azd"
        """;

    private readonly string _state = Directory.CreateTempSubdirectory("fileapi-preprovision-").FullName;
    private readonly string _bin;

    public PreprovisionHookTests()
    {
        _bin = Directory.CreateDirectory(Path.Combine(_state, "bin")).FullName;
        Install("az", FakeAz);
        Install("azd", FakeAzd);
    }

    [Fact]
    public async Task FirstRunRegistersTheApiAndGrantsEventGridAndTheDeployerTheRole()
    {
        await RunHookAsync(clientId: null);

        using var patch = JsonDocument.Parse(Read("patch-0.json"));
        var application = patch.RootElement;
        Assert.Equal([$"api://{ClientId}"], application.GetProperty("identifierUris").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(2, application.GetProperty("api").GetProperty("requestedAccessTokenVersion").GetInt32());
        var role = Assert.Single(application.GetProperty("appRoles").EnumerateArray());
        Assert.Equal(new StorageEventOptions().RequiredAppRole, role.GetProperty("value").GetString());
        Assert.Equal(["Application", "User"], role.GetProperty("allowedMemberTypes").EnumerateArray().Select(e => e.GetString()));
        var scope = Assert.Single(application.GetProperty("api").GetProperty("oauth2PermissionScopes").EnumerateArray());
        using var preAuthorization = JsonDocument.Parse(Read("patch-1.json"));
        // Azure CLI and the page are pre-authorized for the scope: neither asks users to consent to the API.
        Assert.Equal([("04b07795-8ddb-461a-bbee-02f9e1bf7b46", scope.GetProperty("id").GetString()), (BrowserClientId, scope.GetProperty("id").GetString())],
            preAuthorization.RootElement.GetProperty("api").GetProperty("preAuthorizedApplications").EnumerateArray()
                .Select(app => (app.GetProperty("appId").GetString(), Assert.Single(app.GetProperty("delegatedPermissionIds").EnumerateArray()).GetString())));
        var grants = Read("grants").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(g => JsonDocument.Parse(g).RootElement).ToList();
        Assert.Equal([$"sp-{EventGridApp}", Deployer], grants.Select(g => g.GetProperty("principalId").GetString()));
        Assert.All(grants, grant => Assert.Equal((role.GetProperty("id").GetString(), $"sp-{ClientId}"),
            (grant.GetProperty("appRoleId").GetString(), grant.GetProperty("resourceId").GetString())));
        Assert.Equal([$"env set AZURE_API_CLIENT_ID {ClientId}", $"env set AZURE_BROWSER_CLIENT_ID {BrowserClientId}", "env set AZURE_PRINCIPAL_NAME dev@contoso.example", "env set AZURE_PRINCIPAL_TYPE User"],
            Read("azd").Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task ThePagesRegistrationMayAskForTheApisScopeAndSignInAndGetsItsRedirectUriOnceTheAppIsNamed()
    {
        await RunHookAsync(clientId: null);

        Assert.Contains("ad app create --display-name fileapi-test-browser --sign-in-audience AzureADMyOrg --query appId --output tsv", Read("calls").Split('\n'));
        var scopeId = JsonDocument.Parse(Read("patch-0.json")).RootElement.GetProperty("api").GetProperty("oauth2PermissionScopes")[0].GetProperty("id").GetString();
        using var permissions = JsonDocument.Parse(Read("patch-2.json"));
        var access = permissions.RootElement.GetProperty("requiredResourceAccess").EnumerateArray()
            .ToDictionary(resource => resource.GetProperty("resourceAppId").GetString()!,
                resource => resource.GetProperty("resourceAccess").EnumerateArray().Select(p => (p.GetProperty("id").GetString(), p.GetProperty("type").GetString())).ToList());
        Assert.Equal([(scopeId, "Scope")], access[ClientId]);
        // Microsoft Graph's openid, profile and offline_access, which MSAL.js asks for with every sign-in.
        Assert.Equal(3, access["00000003-0000-0000-c000-000000000000"].Count);
        // No secret and no redirect URI yet: the app's address is known only once it is provisioned.
        Assert.False(permissions.RootElement.TryGetProperty("passwordCredentials", out _));
        Assert.False(permissions.RootElement.TryGetProperty("spa", out _));

        await RunHookAsync(clientId: ClientId, "postprovision.sh", new() { ["AZURE_BROWSER_CLIENT_ID"] = BrowserClientId, ["SERVICE_API_URI"] = "https://app-test.azurewebsites.net" });

        using var spa = JsonDocument.Parse(Read("patch-3.json"));
        Assert.Equal(["https://app-test.azurewebsites.net/app/"], spa.RootElement.GetProperty("spa").GetProperty("redirectUris").EnumerateArray().Select(u => u.GetString()));
    }

    [Fact]
    public async Task ASecondRunKeepsTheRegistrationItsIdsAndTheGrants()
    {
        await RunHookAsync(clientId: null);
        // Graph refuses to replace an enabled role or scope, so their ids must stay.
        (string?, string?) Ids()
        {
            var application = JsonDocument.Parse(Read("patch-0.json")).RootElement;
            return (application.GetProperty("appRoles")[0].GetProperty("id").GetString(),
                application.GetProperty("api").GetProperty("oauth2PermissionScopes")[0].GetProperty("id").GetString());
        }
        var ids = Ids();
        // What Graph now holds.
        File.WriteAllText(Path.Combine(_state, "role"), ids.Item1);
        File.WriteAllText(Path.Combine(_state, "scope"), ids.Item2);
        File.WriteAllText(Path.Combine(_state, "granted"), "1");
        File.Delete(Path.Combine(_state, "grants"));
        foreach (var patch in Directory.GetFiles(_state, "patch-*.json"))
            File.Delete(patch);
        File.Delete(Path.Combine(_state, "calls"));

        await RunHookAsync(clientId: ClientId, more: new() { ["AZURE_BROWSER_CLIENT_ID"] = BrowserClientId });

        Assert.DoesNotContain(Read("calls").Split('\n'), call => call.StartsWith("ad app create", StringComparison.Ordinal));
        Assert.Equal(ids, Ids());
        Assert.False(File.Exists(Path.Combine(_state, "grants")));
    }

    private async Task RunHookAsync(string? clientId, string hook = "preprovision.sh", Dictionary<string, string>? more = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["PATH"] = $"{_bin}:{Environment.GetEnvironmentVariable("PATH")}",
            ["FAKE_STATE"] = _state,
            ["AZURE_ENV_NAME"] = "test",
            ["AZURE_SUBSCRIPTION_ID"] = "33333333-3333-3333-3333-333333333333",
            ["AZURE_PRINCIPAL_ID"] = Deployer,
            ["AZURE_API_CLIENT_ID"] = clientId ?? "",
        };
        foreach (var (name, value) in more ?? [])
            environment[name] = value;
        await Processes.RunAsync("sh", [Path.Combine(Repository.Root, "bicep/hooks", hook)], environment, Repository.Root);
    }

    private void Install(string name, string script)
    {
        var path = Path.Combine(_bin, name);
        File.WriteAllText(path, script.ReplaceLineEndings("\n") + "\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private string Read(string name) => File.ReadAllText(Path.Combine(_state, name));

    public void Dispose() => Directory.Delete(_state, recursive: true);
}
