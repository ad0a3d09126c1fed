using System.ComponentModel;
using System.Security.Claims;
using FileApi.Auth;
using FileApi.Data;
using FileApi.Files;
using FileApi.Http;
using FileApi.Notifications;
using FileApi.Workspaces;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace FileApi.Imports;

/// <summary>
/// Body of an import. <c>path</c> is where the file goes (as in PUT .../files/path/{path}); <c>source_url</c> an
/// https URL the blob service can read with GET and Range (another account's SAS URL, an S3 or GCS presigned URL).
/// Declared size and checksums are verified as for an upload.
/// </summary>
public sealed record ImportRequest(string? Path, string? SourceUrl, long? Size, string? ContentMd5, string? ContentSha256);

/// <summary>Answer of an import: the version that will hold the bytes; GET its Location (with wait=) for the outcome.</summary>
public sealed record ImportAccepted(Guid FileId, string VersionId, string State)
{
    public const string Importing = "importing";
}

/// <summary>
/// <c>POST .../files/imports</c>: a new version at a path whose bytes the blob service copies from a URL. The route
/// is not <c>.../files/path/{path}:import</c> because a catch-all path parameter cannot be followed by a suffix in
/// ASP.NET Core routing, so the path travels in the body.
/// </summary>
public static class FileImports
{
    public static RouteGroupBuilder MapImports(this IEndpointRouteBuilder endpoints)
    {
        var imports = endpoints.MapWorkspaceGroup("/files/imports").WithTags("Files").RequireWorkspaceRole(WorkspaceRole.Editor);
        imports.MapPost("/", Start).WithName("importFile")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Import a file from a URL: a new version at path whose bytes the blob service copies from source_url (Put Block From URL).")
            .WithDescription("202 Accepted at once, with Location: the version; it becomes ready (or failed, reason import-failed) like an upload. "
                + "The copy runs in the background and never passes through FileApi. In Production source_url must be https and resolve to public "
                + "addresses only. Without size, the size is read with a one-byte ranged GET of the source; a source that cannot fit in the quota then "
                + "fails the version with reason quota-exceeded before a byte is copied. 409 path-conflict and quota-exceeded (for a declared size) as for registration.");
        return imports;
    }

    static async Task<Results<Accepted<ImportAccepted>, ProblemHttpResult>> Start(
        [FromBody, Description("Where the file goes and where its bytes come from.")] ImportRequest request, [AsParameters] ImportServices services)
    {
        if (!FilePath.TryParse(request.Path ?? "", out var path, out var pathError))
            return Problems.BadRequest(Problems.InvalidPath, "The file path is not valid.", pathError);
        if (!services.Urls.TryAccept(request.SourceUrl, out var source, out var urlError))
            return Problems.BadRequest(Problems.InvalidUrl, "The source URL is not valid.", "source_url " + urlError);
        if (!FileEndpoints.TryReadDeclaration(new RegisterRequest(request.Size, request.ContentMd5, request.ContentSha256), services.Files.Value,
                out var declaration, out var problem))
            return problem;
        if (await WorkspaceQuotas.RefuseDeclaredSizeAsync(services.Db, services.Scope, declaration.Size, services.Cancellation) is { } overQuota)
            return overQuota;

        var expiresAt = services.Clock.GetUtcNow() + services.Options.Value.MaxDuration;
        var allocated = await services.Lifecycle.RegisterAtPathAsync(services.Scope, path, services.User.GetCaller(), declaration, expiresAt,
            new ImportSource(source, declaration.Size), services.Cancellation);
        if (allocated is null)
            return Problems.Create(StatusCodes.Status409Conflict, Problems.PathConflict, "A file and a folder cannot share a name.",
                $"{path.Value} is a folder of live files or lies under a live file; one name cannot be both (as on Windows and macOS).");
        services.Signal.Wake();
        return TypedResults.Accepted(services.Links.Self(services.Http.Request, services.Scope, allocated.FileId, allocated.VersionId),
            new ImportAccepted(allocated.FileId, FileReader.Format(allocated.VersionId), ImportAccepted.Importing));
    }

    public static IServiceCollection AddImports(this IServiceCollection services)
    {
        services.AddOptions<ImportsOptions>().BindConfiguration("Imports").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ImportSignal>();
        services.AddScoped<FileImporter>();
        services.AddHostedService<FileImportService>();
        return services;
    }
}

/// <summary>What the import handler needs, bound with [AsParameters].</summary>
public sealed record ImportServices(
    WorkspaceScope Scope, ClaimsPrincipal User, FileApiDb Db, VersionLifecycle Lifecycle, FileLinks Links, OutboundUrls Urls, ImportSignal Signal,
    IOptions<ImportsOptions> Options, IOptions<FilesOptions> Files, TimeProvider Clock, HttpContext Http, CancellationToken Cancellation);

/// <summary>Wakes the import worker when an import was registered here.</summary>
public sealed class ImportSignal : WorkSignal;
