using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using FileApi.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace FileApi.Tests.OpenApi;

/// <summary>The API with every optional route mapped, so the document can be checked against all of them.</summary>
public sealed class OpenApiFactory : FileApiFactory
{
    protected override string HostEnvironment => Microsoft.Extensions.Hosting.Environments.Development;

}

public sealed partial class OpenApiDocumentTests(OpenApiFactory factory) : IClassFixture<OpenApiFactory>
{
    const string Workspace = "/file/v2/orgs/{org_id}/workspaces/{workspace_id}";

    [Fact]
    public async Task TheDocumentDescribesEveryMappedRouteAndNothingElse()
    {
        var document = await GetDocumentAsync();

        var mapped = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(endpoint => endpoint.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true })
            .SelectMany(endpoint => (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(method => $"{method.ToUpperInvariant()} {Normalize(endpoint.RoutePattern.RawText!)}"))
            .Order(StringComparer.Ordinal).ToList();
        var described = document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject()
                .Where(operation => operation.Name is "get" or "put" or "post" or "delete" or "patch" or "head" or "options")
                .Select(operation => $"{operation.Name.ToUpperInvariant()} {Normalize(path.Name)}"))
            .Order(StringComparer.Ordinal).ToList();

        Assert.Equal(mapped, described);
        Assert.Contains($"PUT {Workspace}/files/path/{{file_path}}", described);
        Assert.Contains("GET /healthz", described);
        Assert.Contains("GET /healthz/live", described);
        Assert.Contains("GET /healthz/ready", described);
    }

    [Fact]
    public async Task SignedInRoutesRequireTheBearerSchemeAndTheWebhookAlsoTakesItsSecret()
    {
        var document = await GetDocumentAsync();

        var bearer = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer");
        Assert.Equal("http", bearer.GetProperty("type").GetString());
        Assert.Equal("bearer", bearer.GetProperty("scheme").GetString());
        Assert.Equal("JWT", bearer.GetProperty("bearerFormat").GetString());

        foreach (var (route, operation) in Operations(document))
        {
            var schemes = operation.TryGetProperty("security", out var security)
                ? security.EnumerateArray().Select(requirement => string.Join('+', requirement.EnumerateObject().Select(p => p.Name))).ToArray()
                : [];
            string[] expected = route switch
            {
                "GET /healthz" or "GET /healthz/live" or "GET /healthz/ready" => [],
                _ when route.Contains("/events/storage", StringComparison.Ordinal) => ["Bearer", "WebhookSecret", "WebhookCode"],
                _ => ["Bearer"],
            };
            Assert.True(expected.SequenceEqual(schemes), $"{route}: security [{string.Join(", ", schemes)}], expected [{string.Join(", ", expected)}]");
            if (expected.Length > 0)
                Assert.True(Responses(operation).ContainsKey("401"), $"{route} does not list 401");
        }
    }

    [Fact]
    public async Task FileRoutesListTheirAnswersQueryParametersAndTheOptionalRegisterBody()
    {
        var document = await GetDocumentAsync();
        var paths = document.GetProperty("paths");
        var byId = paths.GetProperty($"{Workspace}/files/{{file_id}}");
        var byPath = paths.GetProperty($"{Workspace}/files/path/{{file_path}}");

        var get = byId.GetProperty("get");
        Assert.Equal(["200", "400", "401", "404", "409", "410", "429", "503"], Responses(get).Keys.Order());
        Assert.True(Responses(get)["409"].GetProperty("content").TryGetProperty("application/problem+json", out _));
        Assert.Equal(["deleted", "include_versions", "version_id", "versions_limit", "wait"], QueryParameters(get));

        var register = byId.GetProperty("put");
        Assert.Equal(["200", "204", "303", "400", "401", "403", "404", "409", "410", "429"], Responses(register).Keys.Order());
        Assert.Equal(["deleted", "version_id"], QueryParameters(register));
        Assert.False(register.GetProperty("requestBody").TryGetProperty("required", out var required) && required.GetBoolean());

        var registerByPath = byPath.GetProperty("put");
        var body = registerByPath.GetProperty("requestBody");
        Assert.False(body.TryGetProperty("required", out required) && required.GetBoolean());
        var bodySchema = Resolve(document, body.GetProperty("content").GetProperty("application/json").GetProperty("schema"));
        Assert.Equal(["content_md5", "content_sha256", "content_type", "metadata", "size"], bodySchema.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order());

        Assert.Contains("204", Responses(byId.GetProperty("delete")).Keys);
        Assert.Contains("409", Responses(paths.GetProperty($"{Workspace}/files/{{file_id}}/versions/{{version_id}}/complete").GetProperty("post")).Keys);
        Assert.Equal(
            ["author", "created_at", "cursor", "deleted", "deleted_at", "delimiter", "file_name", "folder", "limit", "modified_at", "offset", "order_by"],
            QueryParameters(paths.GetProperty($"{Workspace}/files").GetProperty("get")));

        var file = Resolve(document, Responses(get)["200"].GetProperty("content").GetProperty("application/json").GetProperty("schema"));
        Assert.Contains("version_id", file.GetProperty("properties").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task EveryOperationHasAClientMethodNameAndAllButTheProbesListAClientError()
    {
        var document = await GetDocumentAsync();

        var operations = Operations(document).ToList();
        var ids = operations.Select(o => o.Operation.TryGetProperty("operationId", out var id) ? id.GetString() : null).ToList();

        Assert.All(ids, id => Assert.Matches("^[a-z][A-Za-z]+$", id ?? ""));
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Contains("registerFileVersionByPath", ids);
        Assert.Contains("getFileById", ids);
        Assert.Contains("listFiles", ids);
        foreach (var (route, operation) in operations.Where(o => !o.Route.StartsWith("GET /healthz", StringComparison.Ordinal)))
            Assert.True(Responses(operation).Keys.Any(status => status.StartsWith('4')), $"{route} lists no 4XX answer");
    }

    [Fact]
    public async Task EveryPathParameterIsDeclaredOnceOnItsPath()
    {
        var document = await GetDocumentAsync();

        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            var inTemplate = TemplateParameter().Matches(path.Name).Select(m => m.Groups["name"].Value).ToArray();
            var declared = path.Value.TryGetProperty("parameters", out var parameters)
                ? parameters.EnumerateArray().Select(p => p.GetProperty("name").GetString()!).ToArray()
                : [];
            Assert.Equal(inTemplate, declared);
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Value.ValueKind == JsonValueKind.Object && o.Value.TryGetProperty("responses", out _)))
                Assert.DoesNotContain(operation.Value.TryGetProperty("parameters", out var own) ? own.EnumerateArray().ToArray() : [],
                    parameter => parameter.GetProperty("in").GetString() == "path");
        }
        var file = document.GetProperty("paths").GetProperty($"{Workspace}/files/{{file_id}}");
        Assert.Equal(["org_id", "workspace_id", "file_id"], file.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task ProblemsListTheirStableTypesAndTheServerUrlHasNoTrailingSlash()
    {
        var document = await GetDocumentAsync();

        var type = document.GetProperty("components").GetProperty("schemas").GetProperty("ProblemDetails").GetProperty("properties").GetProperty("type");
        Assert.Contains("urn:fileapi:problem:version-not-ready", type.GetProperty("description").GetString());
        Assert.Contains("urn:fileapi:problem:file-deleted", type.GetProperty("description").GetString());
        Assert.All(document.GetProperty("servers").EnumerateArray(), server => Assert.False(server.GetProperty("url").GetString()!.EndsWith('/')));
        Assert.All(document.GetProperty("tags").EnumerateArray(), tag => Assert.False(string.IsNullOrEmpty(tag.GetProperty("description").GetString())));
    }

    [Fact]
    public async Task SwaggerUiServesAPageThatReadsTheDocument()
    {
        using var client = factory.CreateClient();

        using var page = await client.GetAsync("/swagger/index.html");
        var html = await page.Content.ReadAsStringAsync();
        using var script = await client.GetAsync("/swagger/index.js");
        var configuration = html + await script.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("/openapi/v1.json", configuration);
    }

    async Task<JsonElement> GetDocumentAsync()
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    static IEnumerable<(string Route, JsonElement Operation)> Operations(JsonElement document) =>
        document.GetProperty("paths").EnumerateObject().SelectMany(path => path.Value.EnumerateObject()
            .Where(operation => operation.Value.ValueKind == JsonValueKind.Object && operation.Value.TryGetProperty("responses", out _))
            .Select(operation => ($"{operation.Name.ToUpperInvariant()} {path.Name}", operation.Value)));

    static Dictionary<string, JsonElement> Responses(JsonElement operation) =>
        operation.GetProperty("responses").EnumerateObject().ToDictionary(r => r.Name, r => r.Value);

    static string[] QueryParameters(JsonElement operation) =>
        operation.GetProperty("parameters").EnumerateArray()
            .Where(p => p.GetProperty("in").GetString() == "query")
            .Select(p => p.GetProperty("name").GetString()!).Order(StringComparer.Ordinal).ToArray();

    /// <summary>The schema a $ref names; for an optional body (oneOf null or a $ref), the referenced one.</summary>
    static JsonElement Resolve(JsonElement document, JsonElement schema)
    {
        if (schema.TryGetProperty("oneOf", out var choices))
            schema = choices.EnumerateArray().Single(choice => choice.TryGetProperty("$ref", out _));
        if (!schema.TryGetProperty("$ref", out var reference))
            return schema;
        var name = reference.GetString()!.Split('/')[^1];
        return document.GetProperty("components").GetProperty("schemas").GetProperty(name);
    }

    /// <summary>One spelling for a route template: catch-alls and constraints dropped, no trailing slash.</summary>
    static string Normalize(string template)
    {
        var path = RouteParameter().Replace(template, match => "{" + match.Groups["name"].Value + "}");
        path = "/" + path.Trim('/');
        return path;
    }

    [GeneratedRegex(@"\{\*{0,2}(?<name>[A-Za-z0-9_]+)[^}]*\}")]
    private static partial Regex RouteParameter();

    [GeneratedRegex(@"\{(?<name>[A-Za-z0-9_]+)\}")]
    private static partial Regex TemplateParameter();
}
