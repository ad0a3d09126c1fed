using FileApi.Storage;
using FileApi.Workspaces;
using Microsoft.Extensions.Options;

namespace FileApi.Files;

public static class FileServices
{
    public static IServiceCollection AddFiles(this IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<FilesOptions>().BindConfiguration("Files").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<FileLinks>();
        services.AddSingleton<VersionWaiters>();
        services.AddHostedService<WaitedVersionPoller>();
        services.AddSingleton<VerificationQueue>();
        services.AddSingleton<VerificationHooks>();
        services.AddHostedService<VerificationWorker>();
        services.AddScoped<VersionLifecycle>();
        services.AddScoped<FileReader>();
        services.AddOptions<LifecycleOptions>().BindConfiguration("Lifecycle").ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<Reconciler>();
        services.AddHostedService<ReconcilerService>();
        services.AddScoped<WorkspaceScope>();
        services.AddHostedService<ContainerInitializer>();
        return services;
    }

    /// <summary>
    /// Creates the files container at start, so a fresh storage account (or Azurite) works at once, and writes the
    /// blob service's CORS rules when <c>Storage:CorsAllowedOrigins</c> names the pages that upload from a browser.
    /// </summary>
    sealed class ContainerInitializer(BlobStorage storage, IOptions<StorageOptions> options, ILogger<ContainerInitializer> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            try
            {
                await storage.CreateContainerIfNotExistsAsync(cancellationToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The API still starts: reads of ready files work without it and uploads fail with a clear error.
                logger.LogError(exception, "Could not create the blob container {Container}", storage.ContainerName);
            }

            if (options.Value.CorsAllowedOrigins is not { Length: > 0 } origins)
                return;
            try
            {
                await storage.SetCorsRulesAsync([BrowserUploadCorsRule(origins)], cancellationToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // Scripts and SDKs do not need CORS; only uploads from those pages fail, with a CORS error in the browser.
                logger.LogError(exception, "Could not set the blob service CORS rules for {Origins}", string.Join(", ", origins));
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>
    /// What a page needs to upload in blocks (Put Block, Put Block List, Get Block List) and download: the browser's
    /// preflight asks for PUT with x-ms-* headers, and the page reads the ETag and x-ms-* answers.
    /// </summary>
    public static CorsRule BrowserUploadCorsRule(IReadOnlyList<string> origins) =>
        new(origins, ["PUT", "GET", "HEAD", "OPTIONS"], ["*"], ["ETag", "x-ms-*", "Content-Length", "Content-Range"], MaxAgeSeconds: 3600);
}
