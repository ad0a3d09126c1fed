using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure.Messaging.EventGrid;
using FileApi.Auth;
using FileApi.Data;
using FileApi.Events;
using FileApi.Storage;
using FileApi.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FileApi.Tests.AzureDeployment;

/// <summary>
/// The deployment files against the app (azd itself cannot run here): the settings the compiled template gives the
/// app are the ones it reads and enough for it to start, and azure.yaml, the hooks, the parameters and the outputs
/// name things that exist. BicepTemplateTests checks the rest of the compiled template.
/// </summary>
public sealed partial class AzureDeploymentTests
{
    private static readonly string Resources = File.ReadAllText(Path.Combine(Repository.Root, "bicep/resources.bicep"));
    private static readonly string Main = File.ReadAllText(Path.Combine(Repository.Root, "bicep/main.bicep"));
    private static readonly string EventSubscription = File.ReadAllText(Path.Combine(Repository.Root, "bicep/event-subscription.bicep"));
    private static readonly string Parameters = File.ReadAllText(Path.Combine(Repository.Root, "bicep/main.parameters.json"));

    // Settings for App Service and the libraries the app uses (ASP.NET Core, the Azure Monitor exporter) rather than
    // for the app's options.
    private static readonly string[] PlatformSettings =
        ["ASPNETCORE_FORWARDEDHEADERS_ENABLED", "APPLICATIONINSIGHTS_CONNECTION_STRING", "SCM_DO_BUILD_DURING_DEPLOYMENT"];

    // The App Service agent would instrument the app a second time, beside its own OpenTelemetry.
    private static readonly string[] AgentSettings = ["ApplicationInsightsAgent_EXTENSION_VERSION", "XDT_MicrosoftApplicationInsights_Mode"];

    // Required only in Azure, so no [Required] says so: the app validates them in code, or they select the
    // Entra paths that make the missing account key and database password right.
    private static readonly string[] RequiredInAzure =
    [
        "ConnectionStrings:FileApi",
        Key<JwtAuthenticationOptions>(nameof(JwtAuthenticationOptions.TenantId)),
        Key<JwtAuthenticationOptions>(nameof(JwtAuthenticationOptions.ClientId)),
        Key<DatabaseOptions>(nameof(DatabaseOptions.UseEntraAuthentication)),
        Key<DatabaseOptions>(nameof(DatabaseOptions.ManagedIdentityClientId)),
        Key<StorageOptions>(nameof(StorageOptions.ManagedIdentityClientId)),
    ];

    // Secrets have no place in Azure: their Entra counterparts replace them.
    private static readonly string[] Secrets =
        [Key<StorageOptions>(nameof(StorageOptions.AccountKey)), Key<StorageEventOptions>(nameof(StorageEventOptions.WebhookSecret))];

    // What Azure would put in each setting; a setting bicep adds needs a value here, so the start test covers it.
    private static readonly Dictionary<string, string> AzureLikeValues = new()
    {
        ["ConnectionStrings__FileApi"] = "Host=psql-abc.postgres.database.azure.com;Database=fileapi;Username=id-abc;Ssl Mode=VerifyFull",
        ["Database__Provider"] = "PostgreSql",
        ["Database__UseEntraAuthentication"] = "true",
        ["Database__ManagedIdentityClientId"] = "5b0c3c7e-8a4f-4d2e-9f1a-2c3d4e5f6a7b",
        ["Storage__ServiceUri"] = "https://stabc.blob.core.windows.net/",
        ["Storage__AccountName"] = "stabc",
        ["Storage__Container"] = "files",
        ["Storage__ManagedIdentityClientId"] = "5b0c3c7e-8a4f-4d2e-9f1a-2c3d4e5f6a7b",
        ["Auth__TenantId"] = "72f988bf-86f1-41af-91ab-2d7cd011db47",
        ["Auth__ClientId"] = "0e6b8f2a-1c3d-4e5f-8a9b-7c6d5e4f3a2b",
        ["BrowserSignIn__ClientId"] = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a",
        ["Events__RequiredAppRole"] = "AzureEventGridSecureWebhookSubscriber",
        ["ASPNETCORE_FORWARDEDHEADERS_ENABLED"] = "true",
        ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/",
        ["SCM_DO_BUILD_DURING_DEPLOYMENT"] = "false",
    };

    [Fact]
    public async Task BicepSetsEverySettingTheAppRequiresInAzureUnderTheNameTheAppReads()
    {
        var appSettings = await AppSettingsAsync();
        var settings = appSettings.Keys.Select(ConfigurationKey).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var required = RequiredByOptions().Concat(RequiredInAzure).ToList();

        var missing = required.Where(key => !settings.Contains(key)).ToList();
        Assert.Empty(missing);
        // Every setting names something the app reads: a misspelt one would be ignored in silence.
        var known = OptionsTypes().SelectMany(type => type.GetProperties().Select(p => $"{SectionOf(type)}:{p.Name}"))
            .Append("ConnectionStrings:FileApi").ToHashSet(StringComparer.OrdinalIgnoreCase);
        var unknown = appSettings.Keys.Where(name => !PlatformSettings.Contains(name) && !known.Contains(ConfigurationKey(name))).ToList();
        Assert.Empty(unknown);
        var secrets = Secrets.Where(settings.Contains).ToList();
        Assert.Empty(secrets);
        Assert.DoesNotContain("password", appSettings["ConnectionStrings__FileApi"], StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(appSettings.Keys, AgentSettings.Contains);
        // The app exports its own telemetry there (Telemetry/TelemetryExtensions.cs).
        Assert.Equal("[reference('appInsights').ConnectionString]", appSettings["APPLICATIONINSIGHTS_CONNECTION_STRING"]);
    }

    [Fact]
    public async Task TheAppStartsInProductionWithExactlyTheSettingsBicepSets()
    {
        Assert.Equal((await AppSettingsAsync()).Keys.Order(), AzureLikeValues.Keys.Order());
        await using var app = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment(Environments.Production);
            foreach (var (name, value) in AzureLikeValues)
                builder.UseSetting(ConfigurationKey(name), value);
            // They reach storage and the database at start, which a settings test has no need of.
            builder.ConfigureTestServices(services =>
            {
                foreach (var hosted in services.Where(s => s.ServiceType == typeof(IHostedService) && s.ImplementationType?.Assembly == typeof(Program).Assembly).ToList())
                    services.Remove(hosted);
            });
        });

        // Starting validates every option (ValidateOnStart); a missing or invalid setting would throw here.
        var services = app.Services;

        Assert.True(services.GetRequiredService<IOptions<DatabaseOptions>>().Value.UseEntraAuthentication);
        Assert.Null(services.GetRequiredService<IOptions<StorageOptions>>().Value.AccountKey);
        Assert.NotNull(services.GetRequiredService<BlobStorage>());
        var bearer = services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);
        Assert.Contains(AzureLikeValues["Auth__ClientId"], bearer.TokenValidationParameters.ValidAudiences);
        // The webhook the postdeploy hook subscribes is a route of this app.
        var webhookPath = Regex.Match(Hook("postdeploy.sh"), "webhookUrl=\"\\$SERVICE_API_URI(/[^\"]+)\"").Groups[1].Value;
        Assert.Contains(services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>(),
            endpoint => "/" + endpoint.RoutePattern.RawText?.TrimStart('/') == webhookPath
                && endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Contains("POST") == true);

        // The page signs in at the tenant the API trusts, as the registration the hooks make, for the scope they define.
        using var client = app.CreateClient();
        using var config = JsonDocument.Parse(await client.GetStringAsync(FileApi.Http.BrowserSignIn.ConfigPath));
        Assert.Equal(
            (AzureLikeValues["BrowserSignIn__ClientId"], $"https://login.microsoftonline.com/{AzureLikeValues["Auth__TenantId"]}", $"api://{AzureLikeValues["Auth__ClientId"]}/access_as_user"),
            (config.RootElement.GetProperty("client_id").GetString(), config.RootElement.GetProperty("authority").GetString(), config.RootElement.GetProperty("scope").GetString()));
        Assert.Contains($"SCOPE={new JwtAuthenticationOptions().Scope}\n", Hook("preprovision.sh"));
    }

    [Fact]
    public void ThePagesRegistrationRedirectsToWhereThePageAsksToReturn()
    {
        Assert.Contains("BrowserSignIn__ClientId: browserClientId", Resources);
        Assert.Contains("\"value\": \"${AZURE_BROWSER_CLIENT_ID}\"", Parameters);
        Assert.Contains("redirect_uri=\"${SERVICE_API_URI%/}/app/\"", Hook("postprovision.sh"));
        Assert.Contains("new URL(\"/app/\", location.origin)", File.ReadAllText(Path.Combine(Repository.Root, "src/FileApi/wwwroot/app/signin.js")));
    }

    [Fact]
    public void AzureYamlNamesAProjectInfrastructureAndExecutableHooksThatExist()
    {
        var azure = Yaml.Parse(File.ReadAllText(Path.Combine(Repository.Root, "azure.yaml")));

        var infra = Path.Combine(Repository.Root, azure.Map("infra").Value("path"));
        Assert.True(File.Exists(Path.Combine(infra, "main.bicep")) && File.Exists(Path.Combine(infra, "main.parameters.json")), infra);
        var (serviceName, service) = Assert.Single(azure.Map("services").Maps());
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(Repository.Root, service.Value("project")), "*.csproj"));
        Assert.Equal(("dotnet", "appservice"), (service.Value("language"), service.Value("host")));
        Assert.Equal(serviceName, Regex.Match(Resources, "'azd-service-name': '([^']+)'").Groups[1].Value);
        Assert.Matches("tags = \\{ 'azd-env-name': environmentName \\}", Main);
        var hooks = azure.Map("hooks").Maps().ToList();
        Assert.Equal(["postdeploy", "postdown", "postprovision", "predeploy", "preprovision"], hooks.Select(h => h.Name).Order());
        foreach (var (_, hook) in hooks)
        {
            var script = Path.Combine(Repository.Root, hook.Value("run"));
            Assert.True(File.Exists(script), script);
            if (!OperatingSystem.IsWindows())
                Assert.True((File.GetUnixFileMode(script) & UnixFileMode.UserExecute) != 0, $"{script} is not executable");
        }
    }

    [Fact]
    public void EveryVariableTheHooksAndParametersReadIsProvidedBeforeItIsRead()
    {
        // azd provides these from the start; main.bicep's outputs exist once provisioning is done, and a hook's
        // `azd env set` from its run on.
        string[] azd = ["AZURE_ENV_NAME", "AZURE_LOCATION", "AZURE_SUBSCRIPTION_ID", "AZURE_PRINCIPAL_ID"];
        var outputs = Regex.Matches(Main, @"^output (\w+) ", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        var setByPreprovision = SetByHook("preprovision.sh");

        Assert.All(outputs, output => Assert.Matches("^[A-Z][A-Z0-9_]*$", output));
        Assert.Empty(ReadByHook("preprovision.sh").Except(azd).Except(setByPreprovision));
        Assert.Empty(Regex.Matches(Parameters, @"\$\{(\w+)\}").Select(m => m.Groups[1].Value).Except(azd).Except(setByPreprovision));
        foreach (var hook in new[] { "postprovision.sh", "predeploy.sh", "predeploy-sqlserver.sh", "postdeploy.sh", "postdown.sh" })
            Assert.Empty(ReadByHook(hook).Except(azd).Except(setByPreprovision).Except(outputs));
    }

    [Fact]
    public void EventGridDeliversOurContainersBlobCreatedWithATokenTheWebhookAccepts()
    {
        var subjectPrefix = Regex.Match(EventSubscription, "subjectBeginsWith: '([^']+)'").Groups[1].Value.Replace("${containerName}", "files");

        Assert.Contains($"includedEventTypes: ['{SystemEventNames.StorageBlobCreated}']", EventSubscription);
        Assert.StartsWith(subjectPrefix, BlobSubject.For("files", "org/workspace/file/1"));
        Assert.False(BlobSubject.For("files-old", "a").StartsWith(subjectPrefix, StringComparison.Ordinal));
        // One client id is the audience Event Grid asks for, and the one the app accepts.
        Assert.Contains("azureActiveDirectoryApplicationIdOrUri: apiClientId", EventSubscription);
        Assert.Contains("apiClientId=\"$AZURE_API_CLIENT_ID\"", Hook("postdeploy.sh"));
        Assert.Contains("Auth__ClientId: apiClientId", Resources);
        Assert.Contains("\"value\": \"${AZURE_API_CLIENT_ID}\"", Parameters);
        // One app role is defined on the registration, granted to Event Grid, and required by the app.
        var role = new StorageEventOptions().RequiredAppRole;
        Assert.Contains($"ROLE={role}\n", Hook("preprovision.sh"));
        Assert.Contains($"var eventGridSubscriberRole = '{role}'", Resources);
        Assert.Contains("Events__RequiredAppRole: eventGridSubscriberRole", Resources);
    }

    private static string Key<TOptions>(string property) => $"{SectionOf(typeof(TOptions))}:{property}";

    private static string ConfigurationKey(string appSettingName) => appSettingName.Replace("__", ":");

    private static string Hook(string name) => File.ReadAllText(Path.Combine(Repository.Root, $"bicep/hooks/{name}"));

    private static IEnumerable<string> ReadByHook(string name) =>
        AzdVariable().Matches(Hook(name)).Where(m => !m.Groups["assigned"].Success).Select(m => m.Groups["name"].Value).Distinct();

    private static IEnumerable<string> SetByHook(string name) =>
        Regex.Matches(Hook(name), @"azd env set (\w+)").Select(m => m.Groups[1].Value);

    // AZURE_ and SERVICE_ names, except where a script assigns one for a program it runs (NAME=value command).
    [GeneratedRegex(@"\b(?<name>(?:AZURE|SERVICE)_[A-Z0-9_]+)\b(?<assigned>=)?")]
    private static partial Regex AzdVariable();

    /// <summary>The app settings in the compiled template (name to ARM expression or value), as App Service receives them.</summary>
    private static async Task<Dictionary<string, string>> AppSettingsAsync()
    {
        var config = Assert.Single(await BicepTemplateTests.DeployedResourcesAsync(), r => r["type"]!.GetValue<string>() == "Microsoft.Web/sites/config");
        Assert.Contains("'appsettings'", config["name"]!.GetValue<string>());
        return config["properties"]!.AsObject().ToDictionary(setting => setting.Key, setting => setting.Value!.GetValue<string>());
    }

    /// <summary>The app's options classes: those with a configuration section, and any with a [Required] setting.</summary>
    private static IEnumerable<Type> OptionsTypes() =>
        typeof(Program).Assembly.GetTypes().Where(type => type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static) is not null
            || type.GetProperties().Any(p => p.IsDefined(typeof(RequiredAttribute))));

    private static IEnumerable<string> RequiredByOptions() =>
        OptionsTypes().SelectMany(type => type.GetProperties().Where(p => p.IsDefined(typeof(RequiredAttribute))).Select(p => $"{SectionOf(type)}:{p.Name}"));

    // A [Required] setting in a class without SectionName fails here, rather than escaping the comparison.
    private static string SectionOf(Type options) =>
        options.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string
        ?? throw new InvalidOperationException($"{options} has [Required] settings but no SectionName constant naming its configuration section.");

    /// <summary>
    /// The part of YAML that azure.yaml uses: nested maps of plain scalars, indented with spaces. Anything else
    /// (lists, flow style) is refused rather than misread.
    /// </summary>
    private sealed record Yaml(Dictionary<string, object> Entries)
    {
        public static Yaml Parse(string text)
        {
            var root = new Dictionary<string, object>();
            var open = new Stack<(int Indent, Dictionary<string, object> Map)>([(-1, root)]);
            foreach (var line in text.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#')))
            {
                var indent = line.Length - line.TrimStart().Length;
                var colon = line.IndexOf(':');
                if (colon < 0 || line.TrimStart().StartsWith('-') || line.Contains('{') || line.Contains('['))
                    throw new NotSupportedException($"azure.yaml line outside the supported subset: {line}");
                var (key, value) = (line[indent..colon].Trim(), line[(colon + 1)..].Trim());
                while (open.Peek().Indent >= indent)
                    open.Pop();
                if (value.Length > 0)
                {
                    open.Peek().Map[key] = value;
                    continue;
                }
                var child = new Dictionary<string, object>();
                open.Peek().Map[key] = child;
                open.Push((indent, child));
            }
            return new Yaml(root);
        }

        public string Value(string key) => Entries.GetValueOrDefault(key) as string ?? throw new KeyNotFoundException($"no scalar '{key}'");

        public Yaml Map(string key) => Entries.GetValueOrDefault(key) is Dictionary<string, object> map ? new Yaml(map) : throw new KeyNotFoundException($"no map '{key}'");

        public IEnumerable<(string Name, Yaml Map)> Maps() => Entries.Keys.Select(key => (key, Map(key)));
    }
}
