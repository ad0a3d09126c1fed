using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace FileApi.Http;

/// <summary><c>OpenApi</c> settings.</summary>
public sealed class FileApiOpenApiOptions
{
    public const string SectionName = "OpenApi";

    /// <summary>Swagger UI at /swagger/. Unset: on, except in Production, where it is off unless set to true.</summary>
    public bool? SwaggerUi { get; set; }
}

/// <summary>
/// The OpenAPI document at <c>/openapi/v1.json</c>, built from the endpoints' own metadata, and Swagger UI at
/// <c>/swagger/</c> to browse it. What the endpoints cannot say for themselves is added here: the credentials
/// each one takes, the 401 and 429 answers that authentication and rate limiting give, the health check, the path
/// parameters that route group filters bind, the problem types and examples. Client generators read this document.
/// </summary>
public static partial class FileApiOpenApi
{
    public const string DocumentUrl = "/openapi/v1.json";
    public const string UiPath = "swagger";
    public const string BearerScheme = "Bearer";
    public const string WebhookSecretScheme = "WebhookSecret";
    public const string WebhookCodeScheme = "WebhookCode";
    const string ProblemJson = "application/problem+json";

    public static IServiceCollection AddFileApiOpenApi(this IServiceCollection services)
    {
        services.AddOptions<FileApiOpenApiOptions>().BindConfiguration(FileApiOpenApiOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        return services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer(DescribeDocument);
            options.AddOperationTransformer(DescribeCredentials);
        });
    }

    public static WebApplication MapFileApiOpenApi(this WebApplication app)
    {
        // One document at a fixed route: the default "{documentName}" pattern answers other names with a bare-text 404.
        app.MapOpenApi(DocumentUrl);
        // A browsable console of every route is for developers; production shows it only when asked to.
        if (!(app.Services.GetRequiredService<IOptions<FileApiOpenApiOptions>>().Value.SwaggerUi ?? !app.Environment.IsProduction()))
            return app;
        app.UseSwaggerUI(ui =>
        {
            ui.SwaggerEndpoint(DocumentUrl, "FileApi v1");
            ui.RoutePrefix = UiPath;
            ui.DocumentTitle = "FileApi";
            ui.EnablePersistAuthorization();
        });
        return app;
    }

    static Task DescribeDocument(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        document.Info.Title = "FileApi";
        document.Info.Version = "v1";
        document.Info.Description =
            "Large files in Azure Blob Storage. A PUT registers a version and answers with a 30-minute upload link; the client " +
            "uploads straight to blob storage (Put Blob, or Put Block and Put Block List); the version becomes ready when " +
            "Event Grid reports the blob, or at once when the uploader calls complete. Every error is application/problem+json " +
            "with a stable type (urn:fileapi:problem:...).";

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "An Entra ID access token for this API. Locally: `scripts/dev token`, from the development identity provider.",
        };
        document.Components.SecuritySchemes[WebhookSecretScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = "X-FileApi-Webhook-Secret",
            Description = "The webhook secret (Events:WebhookSecret), for local event delivery.",
        };
        document.Components.SecuritySchemes[WebhookCodeScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Query,
            Name = "code",
            Description = "The webhook secret as ?code= in an Event Grid subscription URL.",
        };

        // MapHealthChecks maps a plain request delegate, which API descriptions do not see.
        document.Paths ??= new OpenApiPaths();
        document.Paths[HealthChecks.LivePath] = HealthPath(document, "Liveness: 200 Healthy while the process answers; it checks nothing else.");
        document.Paths[HealthChecks.ReadyPath] = HealthPath(document,
            "Readiness: 200 Healthy when the database (with every migration applied) and the blob service answer, 503 Unhealthy when either does not.");
        document.Paths[HealthChecks.LegacyPath] = HealthPath(document, "The readiness probe under its first name (same answers as /healthz/ready).");
        document.Paths[HealthChecks.LivePath].Operations![HttpMethod.Get].OperationId = "getLiveness";
        document.Paths[HealthChecks.ReadyPath].Operations![HttpMethod.Get].OperationId = "getReadiness";
        document.Paths[HealthChecks.LegacyPath].Operations![HttpMethod.Get].OperationId = "getHealth";

        // Generated clients join this URL with the paths, which start with a slash.
        foreach (var server in document.Servers ?? [])
            server.Url = server.Url?.TrimEnd('/');

        DeclarePathParameters(document);
        DescribeTags(document);
        DescribeProblemTypes(document);
        AddExamples(document);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Every {parameter} in a path declared once on the path: the workspace group's filter binds org_id and
    /// workspace_id, so no handler declares them, and handlers that do declare one repeat it on each operation.
    /// </summary>
    static void DeclarePathParameters(OpenApiDocument document)
    {
        foreach (var (template, item) in document.Paths)
        {
            if (item is not OpenApiPathItem path)
                continue;
            var declared = OperationsOf(path)
                .SelectMany(operation => operation.Parameters ?? [])
                .Where(parameter => parameter.In == ParameterLocation.Path)
                .ToList();
            path.Parameters = TemplateParameter().Matches(template).Select(match => match.Groups["name"].Value)
                .Select(name => declared.FirstOrDefault(parameter => parameter.Name == name) ?? new OpenApiParameter
                {
                    Name = name,
                    In = ParameterLocation.Path,
                    Required = true,
                    Description = PathParameterDescriptions.GetValueOrDefault(name),
                    Schema = StringSchema(),
                })
                .ToList<IOpenApiParameter>();
            foreach (var operation in OperationsOf(path))
                operation.Parameters = operation.Parameters?.Where(parameter => parameter.In != ParameterLocation.Path).ToList();
        }
    }

    static readonly Dictionary<string, string> PathParameterDescriptions = new()
    {
        ["org_id"] = "The organisation id (a UUID).",
        ["workspace_id"] = "The workspace id (a UUID).",
    };

    [GeneratedRegex(@"\{(?<name>[A-Za-z0-9_]+)\}")]
    private static partial Regex TemplateParameter();

    static readonly Dictionary<string, string> TagDescriptions = new()
    {
        ["Files"] = "Register file versions and get upload links, complete or abort uploads, read, list, delete and restore files in a workspace.",
        ["Workspaces"] = "Organisations, workspaces and who has which role in them.",
        ["Webhooks"] = "Workspace owners register endpoints that receive signed CloudEvents when versions become ready or fail and files are deleted or restored.",
        ["Events"] = "The Event Grid webhook that marks versions ready when their blobs are committed.",
        ["Health"] = "Liveness and readiness probes, without credentials.",
    };

    static void DescribeTags(OpenApiDocument document)
    {
        document.Tags ??= new HashSet<OpenApiTag>();
        foreach (var (name, description) in TagDescriptions)
        {
            var tag = document.Tags.FirstOrDefault(tag => tag.Name == name);
            if (tag is null && name != "Health" && name != "Development")
                continue;
            if (tag is null && name == "Development" && !document.Paths.Keys.Any(path => path.StartsWith("/dev/", StringComparison.Ordinal)))
                continue;
            if (tag is null)
                document.Tags.Add(tag = new OpenApiTag { Name = name });
            tag.Description = description;
        }
    }

    /// <summary>The stable problem types (Problems' constants) listed on the ProblemDetails schema that every error uses.</summary>
    static void DescribeProblemTypes(OpenApiDocument document)
    {
        if (document.Components?.Schemas?.TryGetValue(nameof(ProblemDetails), out var schema) is not true || schema is not OpenApiSchema problem
            || problem.Properties?.TryGetValue("type", out var property) is not true || property is not OpenApiSchema type)
            return;
        var types = typeof(Problems).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(field => field.IsLiteral && field.FieldType == typeof(string))
            .Select(field => (string)field.GetRawConstantValue()!).Order(StringComparer.Ordinal);
        type.Description = "A stable problem type; clients may switch on it. One of: " + string.Join(", ", types) + ".";
    }

    static void AddExamples(OpenApiDocument document)
    {
        const string Base = "https://fileapi.example.com/file/v2/orgs/5f0c1f5e-2b6c-4d3e-9a31-0c5d7a1e2f40/workspaces/8a3e2f10-7c4b-4e2a-b1d9-3f6e5a4c2b10/files";
        const string FileId = "0d9a6f7e-3c2b-4a1d-8e5f-6b7c8d9e0f12";
        const string User = """{ "id": "00000000-0000-0000-0000-00000000a11c", "name": "Alice", "email": "alice@example.com" }""";
        const string Metadata = """{ "crs": "EPSG:28355", "survey": "S-42" }""";
        Example(document, "registerFileVersionByPath", "200", $$"""
            { "file_id": "{{FileId}}", "version_id": "7296491832659968", "upload": "https://account.blob.core.windows.net/files/blob?sv=2026-06-06&sig=...", "upload_expires_at": "2026-12-01T10:30:00+00:00" }
            """);
        Example(document, "getFileById", "200", $$"""
            { "name": "q1.csv", "path": "/reports/2026/", "file_id": "{{FileId}}", "version_id": "7296491832659968", "size": 1048576,
              "etag": "\"0x8DD1A2B3C4D5E6F\"", "created_at": "2026-12-01T10:00:00+00:00", "created_by": {{User}},
              "modified_at": "2026-12-01T10:00:00+00:00", "modified_by": {{User}},
              "download": "https://account.blob.core.windows.net/files/blob?sv=2026-06-06&rsct=text%2Fcsv&sig=...", "self": "{{Base}}/{{FileId}}",
              "content_type": "text/csv", "metadata": {{Metadata}},
              "versions": [ { "version_id": "7296491832659968", "file_id": "{{FileId}}", "name": "q1.csv", "path": "/reports/2026/", "size": 1048576,
                "created_at": "2026-12-01T10:00:00+00:00", "created_by": {{User}}, "link": "{{Base}}/{{FileId}}?version_id=7296491832659968",
                "content_type": "text/csv", "metadata": {{Metadata}} } ] }
            """);
        Example(document, "listFiles", "200", $$"""
            { "count": 1, "limit": 100, "offset": 0, "total": 1,
              "files": [ { "name": "q1.csv", "path": "/reports/2026/", "file_id": "{{FileId}}", "version_id": "7296491832659968", "size": 1048576,
                "etag": "\"0x8DD1A2B3C4D5E6F\"", "created_at": "2026-12-01T10:00:00+00:00", "created_by": {{User}},
                "modified_at": "2026-12-01T10:00:00+00:00", "modified_by": {{User}}, "links": { "self": "{{Base}}/{{FileId}}" },
                "content_type": "text/csv", "metadata": {{Metadata}} } ],
              "links": { "self": "{{Base}}?limit=100&offset=0", "next": null, "prev": null } }
            """);
        // The same operation in the folder view: subfolders first, then the folder's own files.
        Example(document, "listFiles", "200", $$"""
            { "count": 2, "limit": 100, "offset": 0, "total": 2,
              "files": [ { "name": "q1.csv", "path": "/reports/2026/", "file_id": "{{FileId}}", "version_id": "7296491832659968", "size": 1048576,
                "etag": "\"0x8DD1A2B3C4D5E6F\"", "created_at": "2026-12-01T10:00:00+00:00", "created_by": {{User}},
                "modified_at": "2026-12-01T10:00:00+00:00", "modified_by": {{User}}, "links": { "self": "{{Base}}/{{FileId}}" },
                "content_type": "text/csv", "metadata": {{Metadata}} } ],
              "folders": [ { "name": "archive", "path": "/reports/2026/", "file_count": 12,
                "links": { "self": "{{Base}}?folder=%2Freports%2F2026%2Farchive%2F&delimiter=%2F" } } ],
              "links": { "self": "{{Base}}?folder=%2Freports%2F2026%2F&delimiter=%2F", "next": null, "prev": null } }
            """, name: "folderView");
    }

    static IEnumerable<OpenApiOperation> OperationsOf(IOpenApiPathItem path) =>
        path.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>();

    /// <summary>The example of a response, or with <paramref name="name"/> one more named example beside it.</summary>
    static void Example(OpenApiDocument document, string operationId, string status, string json, string? name = null)
    {
        var operation = document.Paths.Values.SelectMany(OperationsOf)
            .FirstOrDefault(operation => operation.OperationId == operationId);
        if (operation?.Responses?.TryGetValue(status, out var response) is not true
            || response.Content?.TryGetValue("application/json", out var content) is not true)
            return;
        if (name is null)
        {
            content.Example = JsonNode.Parse(json);
            return;
        }
        // OpenAPI allows example or examples, not both: the plain one becomes the first named one.
        content.Examples ??= new Dictionary<string, IOpenApiExample>();
        if (content.Example is { } plain)
        {
            content.Examples["flat"] = new OpenApiExample { Summary = "The flat listing", Value = plain };
            content.Example = null;
        }
        content.Examples[name] = new OpenApiExample { Summary = "The folder view (delimiter=/)", Value = JsonNode.Parse(json) };
    }

    static Task DescribeCredentials(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var path = context.Description.RelativePath ?? "";
        var document = context.Document!;
        operation.Responses ??= new OpenApiResponses();

        // The webhook takes Event Grid's Entra token (checked by the bearer handler) or the shared secret.
        var isWebhook = path.StartsWith("events/", StringComparison.Ordinal);
        var needsToken = metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();
        if (isWebhook)
        {
            operation.Security = [Requirement(BearerScheme, document), Requirement(WebhookSecretScheme, document), Requirement(WebhookCodeScheme, document)];
        }
        else if (needsToken)
        {
            operation.Security = [Requirement(BearerScheme, document)];
        }
        else
        {
            // Anonymous routes say so, rather than leaving the requirement unstated.
            operation.Security = [];
        }

        if (isWebhook || needsToken)
        {
            var unauthorized = Problem(document, "Missing or invalid credentials; WWW-Authenticate says why.");
            unauthorized.Headers = new Dictionary<string, IOpenApiHeader>
            {
                ["WWW-Authenticate"] = new OpenApiHeader { Description = "RFC 6750 Bearer challenge with error and error_description.", Schema = StringSchema() },
            };
            operation.Responses.TryAdd("401", unauthorized);
        }

        // Rate limiting spares the webhook (Event Grid retries on 429 anyway).
        if (!isWebhook)
        {
            var limited = Problem(document, "Too many requests from this caller; Retry-After says when to try again.");
            limited.Headers = new Dictionary<string, IOpenApiHeader>
            {
                ["Retry-After"] = new OpenApiHeader { Description = "Seconds to wait.", Schema = StringSchema() },
            };
            operation.Responses.TryAdd("429", limited);
        }
        return Task.CompletedTask;
    }

    static OpenApiPathItem HealthPath(OpenApiDocument document, string summary) => new()
    {
        Operations = new Dictionary<HttpMethod, OpenApiOperation>
        {
            [HttpMethod.Get] = new()
            {
                Summary = summary,
                // Probes take no credentials: an explicit empty requirement says so.
                Security = [],
                Tags = new HashSet<OpenApiTagReference> { new("Health", document) },
                Responses = new OpenApiResponses
                {
                    ["200"] = PlainText("Healthy"),
                    ["503"] = PlainText("Unhealthy"),
                },
            },
        },
    };

    static OpenApiSecurityRequirement Requirement(string scheme, OpenApiDocument document) =>
        new() { [new OpenApiSecuritySchemeReference(scheme, document)] = [] };

    // Every error is problem+json; the endpoints' own ProducesProblem metadata puts the ProblemDetails schema in the components.
    static OpenApiResponse Problem(OpenApiDocument document, string description) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType>
        {
            [ProblemJson] = new() { Schema = new OpenApiSchemaReference(nameof(ProblemDetails), document) },
        },
    };

    static OpenApiResponse PlainText(string body) => new()
    {
        Description = body,
        Content = new Dictionary<string, OpenApiMediaType> { ["text/plain"] = new() { Schema = StringSchema() } },
    };

    static OpenApiSchema StringSchema() => new() { Type = JsonSchemaType.String };
}
