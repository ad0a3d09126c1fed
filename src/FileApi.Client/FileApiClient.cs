using FileApi.Client.Transport;

namespace FileApi.Client;

/// <summary>
/// Entry point to FileApi: organisations and the workspaces you have a role in. Files and roles live on the
/// <see cref="WorkspaceClient"/> that <see cref="GetWorkspaceClient"/> returns. Thread-safe; create one and reuse it.
/// </summary>
/// <remarks>
/// The client calls the API through one HttpClient and blob storage through another, because storage links carry
/// their own authorisation and must never get the API's bearer token.
/// </remarks>
public class FileApiClient
{
    // Shared, like the Azure SDK's default transport: one connection pool per process, whatever the number of clients.
    static readonly Lazy<HttpClient> SharedApiHttp = new(() => new HttpClient(NewHandler()));
    static readonly Lazy<HttpClient> SharedStorageHttp = new(() => new HttpClient(NewHandler()) { Timeout = TimeSpan.FromMinutes(10) });

    readonly ApiConnection _api = null!;
    readonly BlobTransport _blobs = null!;
    readonly FileApiClientOptions _options = null!;

    /// <summary>For mocking.</summary>
    protected FileApiClient() { }

    /// <summary>A client with the process-wide shared HttpClients; <see cref="FileApiClientOptions.BaseUri"/> is required.</summary>
    public FileApiClient(FileApiClientOptions options)
        : this(SharedApiHttp.Value, SharedStorageHttp.Value, options)
    {
    }

    /// <summary>
    /// A client that signs in as Azure SDK clients do: <paramref name="credential"/> is asked for a token for
    /// <paramref name="scope"/> (the API's, <c>api://{api-client-id}/access_as_user</c>) before every call.
    /// </summary>
    public FileApiClient(Uri baseUri, Azure.Core.TokenCredential credential, string scope, FileApiClientOptions? options = null)
        : this(WithCredential(options ?? new FileApiClientOptions(), baseUri, credential, scope))
    {
    }

    static FileApiClientOptions WithCredential(FileApiClientOptions options, Uri baseUri, Azure.Core.TokenCredential credential, string scope)
    {
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentException.ThrowIfNullOrEmpty(scope);
        options.BaseUri = baseUri;
        options.Credential = credential;
        options.Scopes = [scope];
        return options;
    }

    /// <summary>A client on your own HttpClients: <paramref name="api"/> for the API, <paramref name="storage"/> for the signed blob links.</summary>
    public FileApiClient(HttpClient api, HttpClient storage, FileApiClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _api = new ApiConnection(api, options);
        _blobs = new BlobTransport(storage, options.Retry);
    }

    /// <summary>The API's base address.</summary>
    public virtual Uri BaseUri => _api.BaseUri;

    /// <summary>Files and roles of one workspace.</summary>
    public virtual WorkspaceClient GetWorkspaceClient(Guid organizationId, Guid workspaceId) =>
        new(_api, _blobs, _options, organizationId, workspaceId);

    /// <summary>Creates an organisation; you become its admin.</summary>
    public virtual Task<Organization> CreateOrganizationAsync(string name, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Post, "file/v2/orgs", FileApiJsonContext.Default.Organization,
            ApiConnection.Json(new NameRequest(name), FileApiJsonContext.Default.NameRequest), idempotent: false, cancellationToken);

    /// <summary>The workspaces you have a role in, with your role; in one organisation when <paramref name="organizationId"/> is given.</summary>
    public virtual async Task<IReadOnlyList<Workspace>> GetWorkspacesAsync(Guid? organizationId = null, CancellationToken cancellationToken = default)
    {
        var url = organizationId is { } org ? $"file/v2/orgs/{org}/workspaces" : "file/v2/workspaces";
        var list = await _api.SendAsync(HttpMethod.Get, url, FileApiJsonContext.Default.WorkspaceList, null, idempotent: true, cancellationToken);
        return list.Workspaces;
    }

    /// <summary>Creates a workspace in an organisation you administer; you become its owner.</summary>
    public virtual Task<Workspace> CreateWorkspaceAsync(Guid organizationId, string name, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Post, $"file/v2/orgs/{organizationId}/workspaces", FileApiJsonContext.Default.Workspace,
            ApiConnection.Json(new NameRequest(name), FileApiJsonContext.Default.NameRequest), idempotent: false, cancellationToken);

    static SocketsHttpHandler NewHandler() => new()
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        AllowAutoRedirect = false,
    };
}
