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
/// each one takes, the 401 and 429 answers that authentication and rate limiting give, and the health check.
/// </summary>
public static class FileApiOpenApi
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
            Description = "An Entra ID access token for this API. Locally: `scripts/dev token`, or POST /dev/sign-in when DevelopmentSignIn:Enabled.",
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
        document.Tags ??= new HashSet<OpenApiTag>();
        document.Tags.Add(new OpenApiTag { Name = "Health" });
        return Task.CompletedTask;
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
