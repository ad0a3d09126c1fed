using System.Text.Json;

namespace FileApi.Cli;

/// <summary>
/// Where to connect and as whom. Each value comes from its option, else the environment (the lines
/// <c>scripts/dev env</c> prints), else the config file.
/// </summary>
sealed record CliSettings(Uri Url, string? Token, string? Organization, string? Workspace)
{
    public const string UrlVariable = "FILEAPI_URL";
    public const string TokenVariable = "FILEAPI_TOKEN";
    public const string OrganizationVariable = "FILEAPI_ORG";
    public const string WorkspaceVariable = "FILEAPI_WORKSPACE";

    sealed record ConfigFile(string? Url, string? Token, string? Org, string? Workspace);

    public static CliSettings Resolve(string? url, string? token, string? organization, string? workspace, CliHost host)
    {
        var config = Read(host.ConfigFile);
        string? Pick(string? option, string variable, string? configured) =>
            option ?? (host.GetEnvironmentVariable(variable) is { Length: > 0 } set ? set : null) ?? configured;

        var resolvedUrl = Pick(url, UrlVariable, config?.Url)
            ?? throw new UsageException($"No API address: pass --url, set {UrlVariable}, or add \"url\" to {host.ConfigFile}.");
        if (!Uri.TryCreate(resolvedUrl, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
            throw new UsageException($"The API address '{resolvedUrl}' is not an http(s) URL.");
        return new CliSettings(parsed, Pick(token, TokenVariable, config?.Token),
            Pick(organization, OrganizationVariable, config?.Org), Pick(workspace, WorkspaceVariable, config?.Workspace));
    }

    public Guid OrganizationId => ParseId(Organization, "organisation", "--org", OrganizationVariable, "org");

    public Guid WorkspaceId => ParseId(Workspace, "workspace", "--workspace", WorkspaceVariable, "workspace");

    Guid ParseId(string? value, string what, string option, string variable, string key) =>
        value is null
            ? throw new UsageException($"No {what}: pass {option}, set {variable}, or add \"{key}\" to the config file.")
            : Guid.TryParse(value, out var id) ? id : throw new UsageException($"The {what} id '{value}' is not a UUID.");

    static ConfigFile? Read(string path)
    {
        if (!File.Exists(path))
            return null;
        try
        {
            return JsonSerializer.Deserialize<ConfigFile>(File.ReadAllText(path), CliJson.Options);
        }
        catch (JsonException exception)
        {
            throw new UsageException($"The config file {path} is not valid JSON: {exception.Message}");
        }
    }
}
