using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FileApi.Data.Providers;
using FileApi.Http;
using FileApi.Tests.Infrastructure;

namespace FileApi.Tests.AzureDeployment;

/// <summary>
/// bicep/ as Azure will receive it: every file compiles and lints with no diagnostic at all (bicepconfig.json makes
/// each rule an error), and the compiled ARM JSON holds the security and delivery settings the app relies on.
/// </summary>
public sealed partial class BicepTemplateTests
{
    // Built-in role definition ids, the same in every tenant.
    const string StorageBlobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
    const string StorageBlobDelegator = "db58b8e5-c6ad-4a2a-8342-4190687cbf4a";

    [Fact]
    public async Task EveryBicepFileCompilesAndLintsWithoutASingleDiagnostic()
    {
        Assert.Equal(["event-subscription.bicep", "main.bicep", "resources.bicep"], BicepCli.Files.Select(Path.GetFileName));

        var build = await BicepCli.BuildAsync();
        var lint = await BicepCli.LintAsync();

        Assert.True(build.ExitCode == 0 && build.Diagnostics.Length == 0, $"bicep build ({build.ExitCode}):\n{build.Diagnostics}");
        Assert.True(lint.ExitCode == 0 && lint.Diagnostics.Length == 0, $"bicep lint ({lint.ExitCode}):\n{lint.Diagnostics}");
        foreach (var file in BicepCli.Files)
            Assert.True(File.Exists(Path.Combine(build.OutputDirectory, Path.ChangeExtension(Path.GetFileName(file), ".json"))), file);
    }

    [Fact]
    public void TheLinterConfigurationMakesEveryRuleAnErrorUnlessItSaysWhyNot()
    {
        var lines = File.ReadAllLines(Path.Combine(Repository.Root, "bicep", "bicepconfig.json"));

        var rules = lines.Select((line, index) => (Match: RuleLevel().Match(line), Index: index)).Where(r => r.Match.Success).ToList();
        Assert.Contains(rules, r => r.Match.Groups["rule"].Value == "use-secure-value-for-secure-inputs" && r.Match.Groups["level"].Value == "error");
        foreach (var (match, index) in rules.Where(r => r.Match.Groups["level"].Value != "error"))
        {
            // The comment just above a relaxed rule gives its reason.
            var comment = lines.Take(index).Reverse().TakeWhile(line => line.TrimStart().StartsWith("//")).Reverse().ToList();
            Assert.True(comment.Count > 0 && comment[0].Contains("Relaxed:"), $"{match.Groups["rule"].Value} is '{match.Groups["level"].Value}' without a '// Relaxed: why' above it");
        }
    }

    [Fact]
    public async Task StorageTakesNoSharedKeyKeepsVersionsAndSpeaksOnlyHttpsWithTls12()
    {
        var resources = await DeployedResourcesAsync();

        var storage = Single(resources, "Microsoft.Storage/storageAccounts")["properties"]!;
        Assert.False(storage["allowSharedKeyAccess"]!.GetValue<bool>());
        Assert.False(storage["allowBlobPublicAccess"]!.GetValue<bool>());
        Assert.True(storage["supportsHttpsTrafficOnly"]!.GetValue<bool>());
        Assert.Equal("TLS1_2", storage["minimumTlsVersion"]!.GetValue<string>());
        Assert.True(Single(resources, "Microsoft.Storage/storageAccounts/blobServices")["properties"]!["isVersioningEnabled"]!.GetValue<bool>());

        var app = Single(resources, "Microsoft.Web/sites")["properties"]!;
        Assert.True(app["httpsOnly"]!.GetValue<bool>());
        Assert.Equal("1.2", app["siteConfig"]!["minTlsVersion"]!.GetValue<string>());
        Assert.Equal("Disabled", app["siteConfig"]!["ftpsState"]!.GetValue<string>());
        // App Service takes an instance out of rotation while the ready probe says 503.
        Assert.Equal(HealthChecks.ReadyPath, app["siteConfig"]!["healthCheckPath"]!.GetValue<string>());
    }

    [Fact]
    public async Task TheAppAndEventGridHoldOnlyTheLeastRolesEachNeedsWhereEachNeedsThem()
    {
        var resources = await DeployedResourcesAsync();

        var grants = resources.Where(r => r["type"]!.GetValue<string>() == "Microsoft.Authorization/roleAssignments")
            .Select(r => (
                Principal: r["properties"]!["principalId"]!.GetValue<string>(),
                Role: RoleId(r["properties"]!["roleDefinitionId"]!.GetValue<string>()),
                Scope: ScopeOf(r["scope"]?.GetValue<string>() ?? "")))
            .ToList();

        // The app: blob data in the files container only (links it signs can do no more), and the account-level
        // user delegation key that signs them. Event Grid: dead letters, in their own container.
        (string Principal, string Role, string Scope)[] expected =
        [
            ("reference('appIdentity').principalId", StorageBlobDataContributor, "files container"),
            ("reference('appIdentity').principalId", StorageBlobDelegator, "storage account"),
            ("reference('systemTopic', '2022-06-15', 'full').identity.principalId", StorageBlobDataContributor, "dead-letter container"),
        ];
        Assert.Equal(expected, grants.Select(g => (g.Principal.Trim('[', ']'), g.Role, g.Scope)).Order());
    }

    [Fact]
    public async Task TheEventGridSubscriptionDeadLettersRetriesAndDeliversWithAnEntraTokenToAUrlWithoutASecret()
    {
        var template = await BicepCli.TemplateAsync("event-subscription.bicep");
        var subscription = Single(Resources(template), "Microsoft.EventGrid/systemTopics/eventSubscriptions")["properties"]!;

        var destination = subscription["destination"]!;
        Assert.Equal("WebHook", destination["endpointType"]!.GetValue<string>());
        var webhook = destination["properties"]!;
        Assert.Equal("[parameters('apiClientId')]", webhook["azureActiveDirectoryApplicationIdOrUri"]!.GetValue<string>());
        Assert.Equal("[parameters('tenantId')]", webhook["azureActiveDirectoryTenantId"]!.GetValue<string>());
        Assert.Equal("[parameters('webhookUrl')]", webhook["endpointUrl"]!.GetValue<string>());
        Assert.Equal("securestring", template["parameters"]!["webhookUrl"]!["type"]!.GetValue<string>());
        // The hook subscribes the bare route: with Entra delivery nothing secret belongs in the URL.
        var webhookUrl = Regex.Match(File.ReadAllText(Path.Combine(Repository.Root, "bicep/hooks/postdeploy.sh")), "webhookUrl=\"([^\"]+)\"").Groups[1].Value;
        Assert.Equal("$SERVICE_API_URI/events/storage", webhookUrl);

        Assert.Equal(30, subscription["retryPolicy"]!["maxDeliveryAttempts"]!.GetValue<int>());
        Assert.Equal(1440, subscription["retryPolicy"]!["eventTimeToLiveInMinutes"]!.GetValue<int>());
        var deadLetter = subscription["deadLetterWithResourceIdentity"]!;
        Assert.Equal("SystemAssigned", deadLetter["identity"]!["type"]!.GetValue<string>());
        Assert.Equal("StorageBlob", deadLetter["deadLetterDestination"]!["endpointType"]!.GetValue<string>());
        Assert.Equal("[parameters('deadLetterContainerName')]", deadLetter["deadLetterDestination"]!["properties"]!["blobContainerName"]!.GetValue<string>());
        Assert.Equal(["Microsoft.Storage.BlobCreated"], subscription["filter"]!["includedEventTypes"]!.AsArray().Select(t => t!.GetValue<string>()));
    }

    [Theory]
    [InlineData("postgresql")]
    [InlineData("sqlserver")]
    public async Task MainBicepTakesEitherDatabaseEngineAndCompilesAndLintsWithIt(string databaseEngine)
    {
        var build = await BicepCli.BuildAsync();
        var lint = await BicepCli.LintAsync();
        Assert.True(build.ExitCode == 0 && build.Diagnostics.Length == 0, $"bicep build ({build.ExitCode}):\n{build.Diagnostics}");
        Assert.True(lint.ExitCode == 0 && lint.Diagnostics.Length == 0, $"bicep lint ({lint.ExitCode}):\n{lint.Diagnostics}");

        var folder = Directory.CreateTempSubdirectory("fileapi-bicepparam-").FullName;
        var paramsFile = Path.Combine(folder, $"{databaseEngine}.bicepparam");
        await File.WriteAllTextAsync(paramsFile, $"""
            using '{Path.GetRelativePath(folder, Path.Combine(Repository.Root, "bicep", "main.bicep")).Replace('\\', '/')}'
            param environmentName = 'test'
            param location = 'westeurope'
            param principalId = '00000000-0000-0000-0000-000000000001'
            param principalName = 'deployer@example.com'
            param apiClientId = '00000000-0000-0000-0000-000000000002'
            param browserClientId = '00000000-0000-0000-0000-000000000003'
            param databaseEngine = '{databaseEngine}'
            """);
        var parameters = await BicepCli.BuildParamsAsync(paramsFile);

        Assert.True(parameters.ExitCode == 0 && parameters.Diagnostics.Length == 0, $"bicep build-params ({parameters.ExitCode}):\n{parameters.Diagnostics}");
        var values = JsonNode.Parse(await File.ReadAllTextAsync(Path.ChangeExtension(paramsFile, ".json")))!["parameters"]!;
        Assert.Equal(databaseEngine, values["databaseEngine"]!["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task PostgreSqlIsTheDefaultAndEachEnginesResourcesAreDeployedOnlyWhenItIsChosen()
    {
        var main = await BicepCli.TemplateAsync("main.bicep");
        var parameter = main["parameters"]!["databaseEngine"]!;
        Assert.Equal("postgresql", parameter["defaultValue"]!.GetValue<string>());
        Assert.Equal(["postgresql", "sqlserver"], parameter["allowedValues"]!.AsArray().Select(v => v!.GetValue<string>()));

        var resources = await DeployedResourcesAsync();
        foreach (var type in new[] { "Microsoft.DBforPostgreSQL/flexibleServers", "Microsoft.DBforPostgreSQL/flexibleServers/firewallRules", "Microsoft.DBforPostgreSQL/flexibleServers/administrators" })
            Assert.Equal("[variables('usePostgres')]", Single(resources, type)["condition"]!.GetValue<string>());
        foreach (var type in new[] { "Microsoft.Sql/servers", "Microsoft.Sql/servers/databases", "Microsoft.Sql/servers/firewallRules" })
            Assert.Equal("[not(variables('usePostgres'))]", Single(resources, type)["condition"]!.GetValue<string>());
    }

    [Fact]
    public async Task AzureSqlIsServerlessTakesEntraSignInsOnlyAndTheAppConnectsAsItsManagedIdentityWithoutAPassword()
    {
        var resources = await DeployedResourcesAsync();

        var server = Single(resources, "Microsoft.Sql/servers")["properties"]!;
        Assert.True(server["administrators"]!["azureADOnlyAuthentication"]!.GetValue<bool>());
        Assert.Equal("ActiveDirectory", server["administrators"]!["administratorType"]!.GetValue<string>());
        Assert.Null(server["administratorLoginPassword"]);
        Assert.Equal("1.2", server["minimalTlsVersion"]!.GetValue<string>());
        var database = Single(resources, "Microsoft.Sql/servers/databases");
        Assert.Equal("GP_S_Gen5_1", database["sku"]!["name"]!.GetValue<string>());
        Assert.True(database["properties"]!["autoPauseDelay"]!.GetValue<int>() > 0);
        // SqlClient sends varchar parameters (path keys) in the database's default collation: only UTF-8 keeps every character.
        Assert.Equal(SqlServerFileApiDb.DatabaseCollation, database["properties"]!["collation"]!.GetValue<string>());
        var firewall = Single(resources, "Microsoft.Sql/servers/firewallRules")["properties"]!;
        Assert.Equal(("0.0.0.0", "0.0.0.0"), (firewall["startIpAddress"]!.GetValue<string>(), firewall["endIpAddress"]!.GetValue<string>()));

        var settings = Single(resources, "Microsoft.Web/sites/config")["properties"]!;
        var connection = settings["ConnectionStrings__FileApi"]!.GetValue<string>();
        Assert.Contains("Authentication=Active Directory Managed Identity", connection);
        Assert.Contains("reference('appIdentity').clientId", connection);
        Assert.DoesNotContain("password", connection, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("[if(variables('usePostgres'), 'PostgreSql', 'SqlServer')]", settings["Database__Provider"]!.GetValue<string>());
    }

    [Fact]
    public void TheSqlServerSetupScriptIsValidTSqlAndGrantsTheAppRowsOnly()
    {
        var script = File.ReadAllText(Path.Combine(Repository.Root, "bicep", "hooks", "database-setup-sqlserver.sql"))
            .Replace("$(app_user)", "id-abc").Replace("$(app_object_id)", "5b0c3c7e-8a4f-4d2e-9f1a-2c3d4e5f6a7b");
        var batches = script.Split("\nGO", StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

        foreach (var batch in batches)
        {
            new Microsoft.SqlServer.TransactSql.ScriptDom.TSql160Parser(initialQuotedIdentifiers: true).Parse(new StringReader(batch), out var errors);
            Assert.True(errors.Count == 0, string.Join("\n", errors.Select(e => $"line {e.Line}: {e.Message}")));
        }
        var roles = Regex.Matches(script, @"ALTER ROLE (\w+) ADD MEMBER").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["db_datareader", "db_datawriter"], roles);
        Assert.Contains("FROM EXTERNAL PROVIDER", script);
        Assert.DoesNotContain("PASSWORD", script, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The resources of the resource group, as main.bicep deploys them (its nested resources.bicep).</summary>
    internal static async Task<List<JsonNode>> DeployedResourcesAsync()
    {
        var main = await BicepCli.TemplateAsync("main.bicep");
        var nested = Single(Resources(main), "Microsoft.Resources/deployments")["properties"]!["template"]!.AsObject();
        return Resources(nested);
    }

    // Templates with user-defined types compile to languageVersion 2.0, where resources are an object by symbolic name.
    static List<JsonNode> Resources(JsonObject template) => template["resources"] switch
    {
        JsonObject byName => byName.Select(entry => entry.Value!).ToList(),
        JsonArray list => list.Select(entry => entry!).ToList(),
        _ => throw new InvalidOperationException("The template has no resources."),
    };

    static JsonNode Single(List<JsonNode> resources, string type) => Assert.Single(resources, r => r["type"]!.GetValue<string>() == type);

    static string RoleId(string roleDefinitionId) => roleDefinitionId switch
    {
        _ when roleDefinitionId.Contains("variables('storageBlobDataContributor')") => StorageBlobDataContributor,
        _ when roleDefinitionId.Contains("variables('storageBlobDelegator')") => StorageBlobDelegator,
        _ => roleDefinitionId,
    };

    static string ScopeOf(string scope) => scope switch
    {
        _ when scope.Contains("blobServices/containers") && scope.Contains("parameters('containerName')") => "files container",
        _ when scope.Contains("blobServices/containers") && scope.Contains("parameters('deadLetterContainerName')") => "dead-letter container",
        _ when scope == "[resourceId('Microsoft.Storage/storageAccounts', format('st{0}', variables('resourceToken')))]" => "storage account",
        _ => scope,
    };

    [GeneratedRegex("\"(?<rule>[a-z0-9-]+)\": \\{ \"level\": \"(?<level>[a-z]+)\" \\}")]
    private static partial Regex RuleLevel();
}
